import { useState } from "react";
import { get } from "../api";
import type { Timeslot } from "../types";
import { Loading, ProblemAlert, useLoad, when } from "../ui";
import { Week } from "../week";

interface Teaching {
  id: string;
  moduleCode: string;
  semester: string;
  capacity: number;
  timeslots: Timeslot[];
  confirmed: number;
  waitlisted: number;
}

interface Roster {
  sectionId: string;
  moduleCode: string;
  semester: string;
  students: { registrationId: string; studentId: string; status: string; since: string }[];
  waitlist: { registrationId: string; studentId: string; position: number }[];
}

export function Lecturer() {
  const list = useLoad((signal) => get<{ items: Teaching[] }>("/api/v1/teaching", signal).then((r) => r.items ?? []));
  const [open, setOpen] = useState<string>("");
  if (list.loading && !list.data) return <Loading what="your sections" />;
  const items = list.data ?? [];
  return (
    <section>
      <h1>My sections</h1>
      <ProblemAlert error={list.error} />
      {items.length === 0 && !list.error && <p className="muted">No sections are assigned to you.</p>}
      {items.length > 0 && (
        <Week
          caption="Your teaching week"
          blocks={items.flatMap((s) => s.timeslots.map((t, i) => ({ key: `${s.id}-${i}`, label: s.moduleCode, detail: s.semester, slot: t, kind: "taken" as const })))}
        />
      )}
      <ul className="regs">
        {items.map((s) => (
          <li key={s.id} className="card" data-section={s.id}>
            <div className="row spread">
              <h2>
                <span className="code">{s.moduleCode}</span> <span className="muted small">{s.semester}</span>
              </h2>
              <span>
                {s.confirmed} / {s.capacity} confirmed · {s.waitlisted} waiting
              </span>
            </div>
            <p className="small">{s.timeslots.map((t) => `${t.day} ${t.start}–${t.end}`).join(", ")}</p>
            <button type="button" aria-expanded={open === s.id} onClick={() => setOpen(open === s.id ? "" : s.id)}>
              {open === s.id ? "Hide roster" : "Show roster"}
            </button>
            {open === s.id && <RosterView id={s.id} />}
          </li>
        ))}
      </ul>
    </section>
  );
}

function RosterView({ id }: { id: string }) {
  const r = useLoad((signal) => get<Roster>(`/api/v1/sections/${id}/roster`, signal), [id]);
  if (r.loading) return <Loading what="the roster" />;
  if (r.error) return <ProblemAlert error={r.error} />;
  const roster = r.data!;
  return (
    <div className="table-wrap">
      <table>
        <caption>
          Roster of {roster.moduleCode} ({roster.students.length} students)
        </caption>
        <thead>
          <tr>
            <th scope="col">Student</th>
            <th scope="col">Status</th>
            <th scope="col">Since</th>
          </tr>
        </thead>
        <tbody>
          {roster.students.map((s) => (
            <tr key={s.registrationId}>
              <th scope="row">
                <code>{s.studentId}</code>
              </th>
              <td>{s.status.toLowerCase().replace("_", " ")}</td>
              <td>{when(s.since)}</td>
            </tr>
          ))}
          {roster.waitlist.map((s) => (
            <tr key={s.registrationId}>
              <th scope="row">
                <code>{s.studentId}</code>
              </th>
              <td>waitlisted, position {s.position}</td>
              <td />
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
