import { useEffect, useMemo, useState } from "react";
import { Link } from "react-router";
import { api, idempotencyKey } from "../api";
import { ACTIVE, currentSemester, sectionsOf } from "../catalog";
import { met } from "../prereq";
import type { Clash, Module, Registration, Semester } from "../types";
import { Loading, ProblemAlert, StatusBadge, TEST_CARDS, money, useLoad } from "../ui";
import { Week, type Block } from "../week";
import { loadAll, loadMe } from "./Modules";

export function Timetable() {
  const [semester, setSemester] = useState<string>("");
  const base = useLoad(async (signal) => {
    const { me, done } = await loadMe(signal);
    const [semesters, modules, regs] = await Promise.all([
      api<{ items: Semester[] }>("GET", "/api/v1/semesters", { signal }),
      loadAll<Module>(`/api/v1/subjects?programme=${encodeURIComponent(me.programme)}&limit=500`, signal),
      api<{ items: Registration[] }>("GET", "/api/v1/registrations", { signal }),
    ]);
    return { me, done, semesters: semesters.items, modules, regs: regs.items ?? [] };
  });
  useEffect(() => {
    if (base.data && !semester) setSemester(currentSemester(base.data.semesters, base.data.me.yearOfStudy)?.code ?? "");
  }, [base.data, semester]);
  const sections = useLoad(async (signal) => (semester ? sectionsOf(semester, signal) : []), [semester]);

  const [plan, setPlan] = useState<string[]>([]);
  const [clashes, setClashes] = useState<Clash[]>([]);
  const [clashError, setClashError] = useState<unknown>();
  const [filter, setFilter] = useState("");
  const [card, setCard] = useState("");
  const [answer, setAnswer] = useState<Registration[] | null>(null);
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  const taken = useMemo(
    () => (base.data?.regs ?? []).filter((r) => ACTIVE.includes(r.status) && r.semester === semester),
    [base.data, semester],
  );
  const byId = useMemo(() => new Map((sections.data ?? []).map((s) => [s.id, s])), [sections.data]);
  const modules = useMemo(() => new Map((base.data?.modules ?? []).map((m) => [m.code, m])), [base.data]);

  // Ask the schedule which planned sections clash with each other or with the timetable
  // the student already has, before anything is registered.
  useEffect(() => {
    const ids = [...new Set([...plan, ...taken.map((r) => r.sectionId)])];
    if (plan.length === 0 || ids.length < 2) {
      setClashes([]);
      return;
    }
    const ctrl = new AbortController();
    api<{ clashes: Clash[] }>("POST", "/api/v1/sections/clashes", { body: { sectionIds: ids }, signal: ctrl.signal })
      .then((r) => {
        setClashes(r.clashes ?? []);
        setClashError(undefined);
      })
      .catch((e) => !ctrl.signal.aborted && setClashError(e));
    return () => ctrl.abort();
  }, [plan, taken]);

  if (base.loading && !base.data) return <Loading what="your timetable" />;
  if (base.error) return <ProblemAlert error={base.error} />;
  if (!base.data) return null;
  const { me, done, semesters } = base.data;

  const clashing = new Set(clashes.flatMap((c) => c.sectionIds));
  const blocks: Block[] = [];
  for (const r of taken) {
    const s = byId.get(r.sectionId);
    s?.timeslots.forEach((slot, i) =>
      blocks.push({ key: `t-${r.id}-${i}`, label: r.moduleCode, detail: r.status === "CONFIRMED" ? "registered" : r.status.toLowerCase().replace("_", " "), slot, kind: "taken", clash: clashing.has(s.id) }),
    );
  }
  for (const id of plan) {
    const s = byId.get(id);
    s?.timeslots.forEach((slot, i) =>
      blocks.push({ key: `p-${id}-${i}`, label: s.moduleCode, detail: `planned · room ${s.roomCode}`, slot, kind: "planned", clash: clashing.has(id) }),
    );
  }

  const offered = (sections.data ?? []).filter((s) => modules.has(s.moduleCode));
  const q = filter.trim().toLowerCase();
  const visible = offered.filter((s) => !q || s.moduleCode.toLowerCase().includes(q) || modules.get(s.moduleCode)!.title.toLowerCase().includes(q));

  const toggle = (id: string) => {
    setAnswer(null);
    setError(undefined);
    setPlan((p) => (p.includes(id) ? p.filter((x) => x !== id) : [...p, id]));
  };

  async function register() {
    setBusy(true);
    setError(undefined);
    setAnswer(null);
    try {
      const body: Record<string, unknown> = { semester, sectionIds: plan };
      if (card) body.paymentMethod = card;
      const res = await api<{ registrations: Registration[] }>("POST", "/api/v1/registrations", {
        body,
        headers: { "Idempotency-Key": idempotencyKey() },
      });
      setAnswer(res.registrations);
      setPlan([]);
      base.reload();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  const describeClash = (c: Clash) => {
    const [a, b] = c.sectionIds.map((id) => byId.get(id)?.moduleCode ?? id.slice(0, 8));
    return `${a} (${c.timeslots[0].day} ${c.timeslots[0].start}–${c.timeslots[0].end}) clashes with ${b} (${c.timeslots[1].day} ${c.timeslots[1].start}–${c.timeslots[1].end})`;
  };

  return (
    <section>
      <h1>Timetable and registration</h1>
      <div className="row">
        <label className="inline">
          Semester{" "}
          <select value={semester} onChange={(e) => { setSemester(e.target.value); setPlan([]); }}>
            {semesters.map((s) => (
              <option key={s.code} value={s.code}>
                {s.code}
              </option>
            ))}
          </select>
        </label>
        <span className="muted">
          {me.givenName} {me.familyName} · {me.programme} year {me.yearOfStudy}
        </span>
      </div>

      <div className="split">
        <div>
          <h2>Your week</h2>
          <p className="legend">
            <span className="block-key taken">registered</span> <span className="block-key planned">planned</span>{" "}
            <span className="block-key clash">⚠ clash</span>
          </p>
          <Week blocks={blocks} caption={`Weekly timetable for ${semester}`} />
          <ProblemAlert error={clashError} title="Could not check for clashes" />
          <div aria-live="polite" className="clash-list">
            {clashes.length > 0 && (
              <div className="alert warn" data-testid="clashes">
                <strong>
                  {clashes.length} clash{clashes.length === 1 ? "" : "es"} in this plan
                </strong>
                <ul>
                  {clashes.map((c, i) => (
                    <li key={i}>{describeClash(c)}</li>
                  ))}
                </ul>
                <p className="small">Registration refuses sections that clash; choose another section of the module.</p>
              </div>
            )}
          </div>

          <div className="card register-box">
            <h2>Register</h2>
            {plan.length === 0 ? (
              <p className="muted">Choose one or more sections from the list to plan them.</p>
            ) : (
              <p>
                {plan.length} section{plan.length === 1 ? "" : "s"} planned:{" "}
                {plan.map((id) => byId.get(id)?.moduleCode).join(", ")}
              </p>
            )}
            <label className="inline">
              Payment{" "}
              <select value={card} onChange={(e) => setCard(e.target.value)} aria-describedby="pay-hint">
                <option value="">Pay later (the seat is held for a while)</option>
                {TEST_CARDS.map((c) => (
                  <option key={c.token} value={c.token}>
                    Pay now: {c.label}
                  </option>
                ))}
              </select>
            </label>
            <p id="pay-hint" className="hint">
              Test cards only: the portal sends a payment token, never a card number.
            </p>
            <button type="button" className="primary" disabled={plan.length === 0 || busy} onClick={register}>
              {busy ? "Registering…" : `Register for ${plan.length || ""} section${plan.length === 1 ? "" : "s"}`.replace("  ", " ")}
            </button>
            <div aria-live="polite">
              <ProblemAlert error={error} title="Not registered" />
              {answer && (
                <div className="alert ok" data-testid="register-answer">
                  <strong>Registration received</strong>
                  <ul>
                    {answer.map((r) => (
                      <li key={r.id} data-registration={r.id}>
                        {r.moduleCode}: <StatusBadge status={r.status} position={r.position} /> {r.message}
                      </li>
                    ))}
                  </ul>
                  <Link to="/student/registrations">Follow the status live and pay →</Link>
                </div>
              )}
            </div>
          </div>
        </div>

        <div>
          <h2>Sections of your programme</h2>
          <label className="inline">
            Filter{" "}
            <input type="search" value={filter} onChange={(e) => setFilter(e.target.value)} placeholder="module code or title" />
          </label>
          {sections.loading && <Loading what="sections" />}
          <ProblemAlert error={sections.error} />
          <ul className="sections">
            {visible.map((s) => {
              const m = modules.get(s.moduleCode)!;
              const ok = met(m.prerequisites, done);
              const mine = taken.find((r) => r.sectionId === s.id);
              const checked = plan.includes(s.id);
              return (
                <li key={s.id} className={checked ? "chosen" : ""} data-section={s.id}>
                  <label>
                    <input type="checkbox" checked={checked} disabled={!!mine} onChange={() => toggle(s.id)} aria-describedby={`sec-${s.id}`} />
                    <span>
                      <strong>{s.moduleCode}</strong> {m.title}
                    </span>
                  </label>
                  <span id={`sec-${s.id}`} className="small">
                    {s.timeslots.map((t) => `${t.day} ${t.start}–${t.end}`).join(", ")} · room {s.roomCode} · {money(m.fee)} ·{" "}
                    {s.seats.free > 0 ? `${s.seats.free} of ${s.seats.capacity} seats free` : "full: you would join the waitlist"}
                    {!ok && <span className="prereq-flag"> · prerequisites missing</span>}
                    {mine && (
                      <>
                        {" "}
                        · <StatusBadge status={mine.status} position={mine.position} />
                      </>
                    )}
                  </span>
                </li>
              );
            })}
            {!sections.loading && visible.length === 0 && <li className="muted">No sections match.</li>}
          </ul>
        </div>
      </div>
    </section>
  );
}
