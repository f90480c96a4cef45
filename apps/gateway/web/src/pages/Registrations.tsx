import { useCallback, useEffect, useState } from "react";
import { Link } from "react-router";
import { api, get, idempotencyKey } from "../api";
import { sectionsOf } from "../catalog";
import { useStream } from "../stream";
import type { Registration, Section, StreamUpdate } from "../types";
import { Countdown, Loading, ProblemAlert, StatusBadge, TEST_CARDS, money, useLoad, when } from "../ui";

const FINAL = ["CONFIRMED", "FAILED", "DROPPED", "EXPIRED"];

export function Registrations() {
  const regs = useLoad((signal) => get<{ items: Registration[] }>("/api/v1/registrations", signal).then((r) => r.items ?? []));
  const [log, setLog] = useState<{ at: string; text: string }[]>([]);

  const refreshOne = useCallback(
    async (id: string) => {
      try {
        const r = await get<Registration>(`/api/v1/registrations/${id}`);
        regs.setData((list) => {
          const all = list ?? [];
          return all.some((x) => x.id === id) ? all.map((x) => (x.id === id ? r : x)) : [r, ...all];
        });
      } catch {
        regs.reload();
      }
    },
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [],
  );

  const stream = useStream((u: StreamUpdate) => {
    const text = `${u.moduleCode ?? "Registration"}: ${u.status ? u.status.replace("_", " ").toLowerCase() : u.type}${u.reason ? ` — ${u.reason}` : ""}`;
    setLog((l) => [{ at: u.occurredAt ?? new Date().toISOString(), text }, ...l].slice(0, 20));
    if (u.registrationId) refreshOne(u.registrationId);
    else regs.reload();
  });

  // Without the live stream (it reconnects on its own), registrations still in motion are
  // polled, so the page never shows a stale answer for long.
  const moving = (regs.data ?? []).some((r) => !FINAL.includes(r.status));
  useEffect(() => {
    if (stream === "live" || !moving) return;
    const t = setInterval(() => regs.reload(), 5000);
    return () => clearInterval(t);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [stream, moving]);

  if (regs.loading && !regs.data) return <Loading what="your registrations" />;
  const list = regs.data ?? [];
  const order = (r: Registration) => ["OFFERED", "PENDING_PAYMENT", "WAITLISTED", "CONFIRMED"].indexOf(r.status) + 1 || 9;
  const sorted = [...list].sort((a, b) => order(a) - order(b));

  return (
    <section>
      <div className="row spread">
        <h1>My registrations</h1>
        <span className={"live " + stream} data-stream={stream} role="status">
          {stream === "live" ? "● Live updates on" : stream === "connecting" ? "○ Connecting to live updates…" : "○ Live updates reconnecting (refreshing every 5 s)"}
        </span>
      </div>
      <ProblemAlert error={regs.error} />
      {list.length === 0 && (
        <p>
          No registrations yet. <Link to="/student/timetable">Plan your timetable and register →</Link>
        </p>
      )}
      <ul className="regs">
        {sorted.map((r) => (
          <RegistrationCard key={r.id} reg={r} onChange={() => refreshOne(r.id)} onNew={(id) => refreshOne(id)} />
        ))}
      </ul>
      <section aria-labelledby="activity">
        <h2 id="activity">Activity</h2>
        <ol className="activity" aria-live="polite" data-testid="activity">
          {log.length === 0 && <li className="muted">Updates about your registrations appear here as they happen.</li>}
          {log.map((l, i) => (
            <li key={i}>
              <time dateTime={l.at}>{new Date(l.at).toLocaleTimeString("en-GB")}</time> {l.text}
            </li>
          ))}
        </ol>
      </section>
    </section>
  );
}

function CardPicker({ value, onChange, id }: { value: string; onChange: (v: string) => void; id: string }) {
  return (
    <label className="inline" htmlFor={id}>
      Test card{" "}
      <select id={id} value={value} onChange={(e) => onChange(e.target.value)}>
        {TEST_CARDS.map((c) => (
          <option key={c.token} value={c.token}>
            {c.label}
          </option>
        ))}
      </select>
    </label>
  );
}

function RegistrationCard({ reg, onChange, onNew }: { reg: Registration; onChange: () => void; onNew: (id: string) => void }) {
  const [card, setCard] = useState(TEST_CARDS[0].token);
  const [busy, setBusy] = useState("");
  const [error, setError] = useState<unknown>();
  const [note, setNote] = useState("");
  const [swapOpen, setSwapOpen] = useState(false);
  // A note such as "Payment sent" speaks of the moment it was written: once the status has
  // moved on (confirmed, failed), the card itself tells the answer.
  useEffect(() => setNote(""), [reg.status]);

  async function act(what: string, fn: () => Promise<unknown>, done: string) {
    setBusy(what);
    setError(undefined);
    setNote("");
    try {
      await fn();
      setNote(done);
      onChange();
    } catch (e) {
      setError(e);
    } finally {
      setBusy("");
    }
  }

  const pay = () =>
    act("pay", () => api("POST", `/api/v1/registrations/${reg.id}/payment`, { body: { paymentMethod: card } }), "Payment sent: the answer appears here.");
  const accept = () =>
    act("accept", () => api("POST", `/api/v1/waitlist/offers/${reg.id}/accept`, { body: { paymentMethod: card } }), "Offer accepted: paying now.");
  const drop = () => {
    if (!window.confirm(`Drop ${reg.moduleCode}? Before the add/drop deadline the fee is refunded; your seat goes to the waitlist.`)) return;
    act("drop", () => api("DELETE", `/api/v1/registrations/${reg.id}`), "Dropping…");
  };
  const leave = () => act("leave", () => api("DELETE", `/api/v1/waitlist/${reg.sectionId}`), "You left the waitlist.");

  const last = reg.timeline?.[reg.timeline.length - 1];
  return (
    <li className={"card reg s-" + reg.status.toLowerCase()} data-registration={reg.id} data-status={reg.status} data-module={reg.moduleCode}>
      <div className="row spread">
        <h3>
          <span className="code">{reg.moduleCode}</span> <span className="muted small">{reg.semester}</span>
        </h3>
        <StatusBadge status={reg.status} position={reg.position} />
      </div>
      {reg.message && !(reg.reason && reg.message.includes(reg.reason)) && <p>{reg.message}</p>}
      {reg.reason && (
        <p className={reg.status === "FAILED" ? "alert error" : "muted"} role={reg.status === "FAILED" ? "alert" : undefined} data-testid="reason">
          {reg.reason}
        </p>
      )}
      <p className="small muted">
        Fee {money(reg.fee)}
        {last ? ` · last change ${when(last.at)}${last.note ? ` (${last.note})` : ""}` : ""}
        {reg.swapFrom ? " · swap in progress" : ""}
      </p>

      {reg.status === "PENDING_PAYMENT" && (
        <div className="actions">
          {reg.holdExpiresAt && <Countdown until={reg.holdExpiresAt} label="Seat held; pay within" />}
          <CardPicker id={`card-${reg.id}`} value={card} onChange={setCard} />
          <button type="button" className="primary" onClick={pay} disabled={!!busy}>
            {busy === "pay" ? "Paying…" : `Pay ${money(reg.fee)}`}
          </button>
        </div>
      )}
      {reg.status === "OFFERED" && (
        <div className="actions offer">
          <strong>A seat is free for you.</strong>
          {reg.offerExpiresAt && <Countdown until={reg.offerExpiresAt} label="Accept within" />}
          <CardPicker id={`card-${reg.id}`} value={card} onChange={setCard} />
          <button type="button" className="primary" onClick={accept} disabled={!!busy}>
            {busy === "accept" ? "Accepting…" : "Accept offer and pay"}
          </button>
        </div>
      )}
      {reg.status === "WAITLISTED" && (
        <div className="actions">
          <button type="button" onClick={leave} disabled={!!busy}>
            {busy === "leave" ? "Leaving…" : "Leave waitlist"}
          </button>
        </div>
      )}
      {reg.status === "CONFIRMED" && (
        <div className="actions">
          <button type="button" onClick={() => setSwapOpen((o) => !o)} aria-expanded={swapOpen}>
            Swap section
          </button>
          <button type="button" className="danger" onClick={drop} disabled={!!busy}>
            {busy === "drop" ? "Dropping…" : "Drop"}
          </button>
          <Link to="/student/admission">Admission form →</Link>
        </div>
      )}
      {swapOpen && reg.status === "CONFIRMED" && <Swap reg={reg} onDone={(id) => { setSwapOpen(false); onNew(id); onChange(); }} />}
      <div aria-live="polite">
        {note && <p className="small">{note}</p>}
        <ProblemAlert error={error} />
      </div>
    </li>
  );
}

function Swap({ reg, onDone }: { reg: Registration; onDone: (newId: string) => void }) {
  const others = useLoad(async (signal) => (await sectionsOf(reg.semester, signal, reg.moduleCode)).filter((s: Section) => s.id !== reg.sectionId), [reg.id]);
  const [to, setTo] = useState("");
  const [card, setCard] = useState(TEST_CARDS[0].token);
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  async function submit() {
    setBusy(true);
    setError(undefined);
    try {
      const r = await api<Registration>("POST", `/api/v1/registrations/${reg.id}/swap`, {
        body: { toSectionId: to, paymentMethod: card },
        headers: { "Idempotency-Key": idempotencyKey() },
      });
      onDone(r.id);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }
  if (others.loading) return <Loading what="other sections" />;
  return (
    <div className="swap">
      <ProblemAlert error={others.error} />
      {(others.data ?? []).length === 0 ? (
        <p className="muted">{reg.moduleCode} has no other section this semester.</p>
      ) : (
        <>
          <label className="inline">
            Move to{" "}
            <select value={to} onChange={(e) => setTo(e.target.value)}>
              <option value="">choose a section</option>
              {others.data!.map((s) => (
                <option key={s.id} value={s.id} disabled={s.seats.free === 0}>
                  {s.timeslots.map((t) => `${t.day} ${t.start}–${t.end}`).join(", ")} · room {s.roomCode} · {s.seats.free} free
                </option>
              ))}
            </select>
          </label>
          <CardPicker id={`swapcard-${reg.id}`} value={card} onChange={setCard} />
          <button type="button" className="primary" disabled={!to || busy} onClick={submit}>
            {busy ? "Swapping…" : "Swap"}
          </button>
          <p className="hint">Your current seat is kept until the new one is confirmed.</p>
        </>
      )}
      <ProblemAlert error={error} title="Swap refused" />
    </div>
  );
}
