import { useEffect, useState, type FormEvent } from "react";
import { api, get } from "../api";
import { sectionsOf } from "../catalog";
import type { Section, Semester, Timeslot } from "../types";
import { Field, FieldMessage, Loading, ProblemAlert, useLoad } from "../ui";

interface Room {
  code: string;
  building: string;
  capacity: number;
}
interface LecturerRec {
  id: string;
  name: string;
  department: string;
}

const DAYS: Timeslot["day"][] = ["MON", "TUE", "WED", "THU", "FRI"];

export function SectionsAdmin() {
  const ref = useLoad(async (signal) => {
    const [sem, rooms, lects] = await Promise.all([
      get<{ items: Semester[] }>("/api/v1/semesters", signal),
      get<{ items: Room[] }>("/api/v1/rooms", signal),
      get<{ items: LecturerRec[] }>("/api/v1/lecturers", signal),
    ]);
    return { semesters: sem.items ?? [], rooms: rooms.items ?? [], lecturers: lects.items ?? [] };
  });
  const [semester, setSemester] = useState("");
  useEffect(() => {
    if (ref.data && !semester && ref.data.semesters.length) setSemester(ref.data.semesters[ref.data.semesters.length - 1].code);
  }, [ref.data, semester]);
  const secs = useLoad((signal) => (semester ? sectionsOf(semester, signal) : Promise.resolve([] as Section[])), [semester]);

  const [moduleCode, setModule] = useState("");
  const [capacity, setCapacity] = useState("30");
  const [lecturerId, setLecturer] = useState("");
  const [roomCode, setRoom] = useState("");
  const [slots, setSlots] = useState<Timeslot[]>([{ day: "MON", start: "09:00", end: "10:00" }]);
  const [error, setError] = useState<unknown>();
  const [created, setCreated] = useState("");
  const [busy, setBusy] = useState(false);
  const [filter, setFilter] = useState("");

  async function create(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    setCreated("");
    try {
      const s = await api<Section>("POST", "/api/v1/sections", {
        body: { moduleCode: moduleCode.trim(), semester, capacity: Number(capacity), lecturerId: lecturerId || undefined, roomCode, timeslots: slots },
      });
      setCreated(`Section ${s.id} of ${s.moduleCode} created.`);
      secs.reload();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  if (ref.loading && !ref.data) return <Loading what="the timetable" />;
  if (ref.error) return <ProblemAlert error={ref.error} />;
  const { semesters, rooms, lecturers } = ref.data!;
  const lname = new Map(lecturers.map((l) => [l.id, l.name]));
  const q = filter.trim().toLowerCase();
  const shown = (secs.data ?? []).filter((s) => !q || s.moduleCode.toLowerCase().includes(q));
  const setSlot = (i: number, k: keyof Timeslot, v: string) => setSlots(slots.map((s, j) => (j === i ? { ...s, [k]: v } : s)));

  return (
    <section>
      <h1>Sections</h1>
      <label className="inline">
        Semester{" "}
        <select value={semester} onChange={(e) => setSemester(e.target.value)}>
          {semesters.map((s) => (
            <option key={s.code}>{s.code}</option>
          ))}
        </select>
      </label>
      <div className="split">
        <form className="card" onSubmit={create} noValidate aria-labelledby="sec-form">
          <h2 id="sec-form">New section in {semester}</h2>
          <ProblemAlert error={error} title="The section was not created" />
          {created && (
            <p className="alert ok" role="status">
              {created}
            </p>
          )}
          <Field label="Module code" name="moduleCode" error={error}>
            {(a) => <input {...a} value={moduleCode} onChange={(e) => setModule(e.target.value)} />}
          </Field>
          <Field label="Capacity" name="capacity" error={error}>
            {(a) => <input {...a} inputMode="numeric" value={capacity} onChange={(e) => setCapacity(e.target.value)} />}
          </Field>
          <Field label="Room" name="roomCode" error={error}>
            {(a) => (
              <select {...a} value={roomCode} onChange={(e) => setRoom(e.target.value)}>
                <option value="">choose a room</option>
                {rooms.map((r) => (
                  <option key={r.code} value={r.code}>
                    {r.code} · {r.building} · {r.capacity} seats
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label="Lecturer" name="lecturerId" error={error}>
            {(a) => (
              <select {...a} value={lecturerId} onChange={(e) => setLecturer(e.target.value)}>
                <option value="">not assigned yet</option>
                {lecturers.map((l) => (
                  <option key={l.id} value={l.id}>
                    {l.name} ({l.department})
                  </option>
                ))}
              </select>
            )}
          </Field>
          <fieldset className="field">
            <legend>Weekly timeslots</legend>
            {slots.map((s, i) => (
              <div key={i} className="cols slot">
                <label>
                  Day{" "}
                  <select value={s.day} onChange={(e) => setSlot(i, "day", e.target.value)}>
                    {DAYS.map((d) => (
                      <option key={d}>{d}</option>
                    ))}
                  </select>
                </label>
                <label>
                  Start <input type="time" value={s.start} onChange={(e) => setSlot(i, "start", e.target.value)} />
                </label>
                <label>
                  End <input type="time" value={s.end} onChange={(e) => setSlot(i, "end", e.target.value)} />
                </label>
                {slots.length > 1 && (
                  <button type="button" className="link" onClick={() => setSlots(slots.filter((_, j) => j !== i))}>
                    Remove<span className="sr-only"> timeslot {i + 1}</span>
                  </button>
                )}
              </div>
            ))}
            <FieldMessage error={error} name="timeslots" />
            <button type="button" onClick={() => setSlots([...slots, { day: "WED", start: "14:00", end: "15:00" }])}>
              Add timeslot
            </button>
          </fieldset>
          <button type="submit" className="primary" disabled={busy}>
            {busy ? "Creating…" : "Create section"}
          </button>
        </form>
        <div>
          <label className="inline">
            Filter by module <input type="search" value={filter} onChange={(e) => setFilter(e.target.value)} />
          </label>
          {secs.loading && <Loading what="sections" />}
          <ProblemAlert error={secs.error} />
          <div className="table-wrap">
            <table>
              <caption className="sr-only">Sections of {semester}</caption>
              <thead>
                <tr>
                  <th scope="col">Module</th>
                  <th scope="col">When</th>
                  <th scope="col">Room</th>
                  <th scope="col">Lecturer</th>
                  <th scope="col">Seats (held/confirmed/capacity)</th>
                </tr>
              </thead>
              <tbody>
                {shown.slice(0, 300).map((s) => (
                  <tr key={s.id}>
                    <th scope="row">{s.moduleCode}</th>
                    <td className="small">{s.timeslots.map((t) => `${t.day} ${t.start}–${t.end}`).join(", ")}</td>
                    <td>{s.roomCode}</td>
                    <td>{s.lecturerId ? lname.get(s.lecturerId) ?? "—" : "unassigned"}</td>
                    <td>
                      {s.seats.held}/{s.seats.confirmed}/{s.seats.capacity}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </div>
      </div>
    </section>
  );
}
