import { useState, type FormEvent } from "react";
import { api, get } from "../api";
import type { Completed, Hold, Student } from "../types";
import { Field, Loading, ProblemAlert, useLoad, when } from "../ui";

export function Students() {
  const [q, setQ] = useState("");
  const [search, setSearch] = useState("");
  const found = useLoad(
    (signal) => get<{ items: Student[] }>(`/api/v1/students?limit=50${search ? `&q=${encodeURIComponent(search)}` : ""}`, signal).then((r) => r.items ?? []),
    [search],
  );
  const [open, setOpen] = useState<Student | null>(null);
  return (
    <section>
      <h1>Students and holds</h1>
      <form
        className="row"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          setSearch(q.trim());
        }}
      >
        <label className="inline">
          Name <input type="search" value={q} onChange={(e) => setQ(e.target.value)} />
        </label>
        <button type="submit">Search</button>
      </form>
      <div className="split">
        <div>
          {found.loading && <Loading what="students" />}
          <ProblemAlert error={found.error} />
          <ul className="plain">
            {(found.data ?? []).map((s) => (
              <li key={s.id}>
                <button type="button" className={"link" + (open?.id === s.id ? " current" : "")} onClick={() => setOpen(s)} aria-pressed={open?.id === s.id}>
                  {s.givenName} {s.familyName}
                </button>{" "}
                <span className="small muted">
                  {s.studentNumber} · {s.programme} year {s.yearOfStudy}
                </span>
              </li>
            ))}
          </ul>
        </div>
        {open && <StudentHolds key={open.id} s={open} />}
      </div>
    </section>
  );
}

function StudentHolds({ s }: { s: Student }) {
  const data = useLoad(async (signal) => {
    const [holds, history] = await Promise.all([
      get<{ items: Hold[] }>(`/api/v1/students/${s.id}/holds`, signal),
      get<{ items: Completed[] }>(`/api/v1/students/${s.id}/history`, signal),
    ]);
    return { holds: holds.items ?? [], history: history.items ?? [] };
  }, [s.id]);
  const [kind, setKind] = useState<"blocking" | "warning">("blocking");
  const [reason, setReason] = useState("");
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  async function place(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await api("POST", `/api/v1/students/${s.id}/holds`, { body: { kind, reason } });
      setReason("");
      data.reload();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }
  async function lift(h: Hold) {
    setError(undefined);
    try {
      await api("DELETE", `/api/v1/students/${s.id}/holds/${h.id}`);
      data.reload();
    } catch (err) {
      setError(err);
    }
  }
  const active = (data.data?.holds ?? []).filter((h) => !h.liftedAt);
  return (
    <div className="card">
      <h2>
        {s.givenName} {s.familyName} <span className="small muted">{s.studentNumber}</span>
      </h2>
      {data.loading && <Loading what="holds" />}
      <ProblemAlert error={data.error} />
      <h3>Holds ({active.length} active)</h3>
      <ul className="plain">
        {(data.data?.holds ?? []).map((h) => (
          <li key={h.id} className={h.liftedAt ? "muted" : ""}>
            <span className={"badge " + (h.kind === "blocking" ? "s-failed" : "s-waitlisted")}>{h.kind}</span> {h.reason}{" "}
            <span className="small">
              placed {when(h.placedAt)}
              {h.liftedAt ? `, lifted ${when(h.liftedAt)}` : ""}
            </span>{" "}
            {!h.liftedAt && (
              <button type="button" className="link" onClick={() => lift(h)}>
                Lift<span className="sr-only"> hold: {h.reason}</span>
              </button>
            )}
          </li>
        ))}
        {data.data && data.data.holds.length === 0 && <li className="muted">No holds.</li>}
      </ul>
      <form onSubmit={place} noValidate>
        <ProblemAlert error={error} title="The hold was not placed" />
        <div className="cols">
          <Field label="Kind" name="kind" error={error}>
            {(a) => (
              <select {...a} value={kind} onChange={(e) => setKind(e.target.value as "blocking" | "warning")}>
                <option value="blocking">blocking (no registration)</option>
                <option value="warning">warning</option>
              </select>
            )}
          </Field>
          <Field label="Reason" name="reason" error={error}>
            {(a) => <input {...a} value={reason} onChange={(e) => setReason(e.target.value)} />}
          </Field>
        </div>
        <button type="submit" disabled={busy}>
          Place hold
        </button>
      </form>
      <h3>Completed modules</h3>
      <ul className="plain small">
        {(data.data?.history ?? []).map((c) => (
          <li key={c.moduleCode + c.term}>
            {c.moduleCode} · grade {c.grade} · {c.term}
          </li>
        ))}
        {data.data && data.data.history.length === 0 && <li className="muted">None recorded.</li>}
      </ul>
    </div>
  );
}
