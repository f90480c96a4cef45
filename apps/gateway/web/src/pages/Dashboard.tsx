import { useEffect, useState } from "react";
import { get } from "../api";
import { HBars, TimeBars } from "../charts";
import type { Minute, ModuleStats, SectionStats, Summary } from "../types";
import { ProblemAlert } from "../ui";

const REFRESH_MS = 5000;
const pct = (v: number) => `${Math.round(v * 1000) / 10}%`;

interface Data {
  summary: Summary;
  sections: SectionStats[];
  modules: ModuleStats[];
  minutes: Minute[];
  at: Date;
}

export function Dashboard() {
  const [data, setData] = useState<Data>();
  const [error, setError] = useState<unknown>();
  const [paused, setPaused] = useState(false);
  useEffect(() => {
    if (paused) return;
    let stop = false;
    const ctrl = new AbortController();
    const load = async () => {
      try {
        const [summary, secs, tl] = await Promise.all([
          get<Summary>("/api/v1/analytics/summary", ctrl.signal),
          get<{ sections: SectionStats[]; modules: ModuleStats[] }>("/api/v1/analytics/sections", ctrl.signal),
          get<{ minutes: Minute[] }>("/api/v1/analytics/timeline?minutes=30", ctrl.signal),
        ]);
        if (!stop) {
          setData({ summary, sections: secs.sections ?? [], modules: secs.modules ?? [], minutes: tl.minutes ?? [], at: new Date() });
          setError(undefined);
        }
      } catch (e) {
        if (!stop) setError(e);
      }
    };
    load();
    const t = setInterval(load, REFRESH_MS);
    return () => {
      stop = true;
      ctrl.abort();
      clearInterval(t);
    };
  }, [paused]);

  const s = data?.summary;
  const labels = (data?.minutes ?? []).map((m) => new Date(m.at).toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit" }));
  const failures = (data?.minutes ?? []).map((m) => m.events?.["payment.failed.v1"] ?? 0);
  const confirmations = (data?.minutes ?? []).map((m) => m.events?.["registration.confirmed.v1"] ?? 0);
  const topFill = [...(data?.modules ?? [])].sort((a, b) => b.fillRate - a.fillRate).slice(0, 8);
  const topWait = [...(data?.sections ?? [])].filter((x) => x.waitlisted > 0).sort((a, b) => b.waitlisted - a.waitlisted).slice(0, 8);

  return (
    <section>
      <div className="row spread">
        <h1>Registration period dashboard</h1>
        <span className="muted small" role="status" data-testid="refreshed">
          {data ? `Updated ${data.at.toLocaleTimeString("en-GB")} · every ${REFRESH_MS / 1000} s` : "Loading…"}{" "}
          <button type="button" className="link" onClick={() => setPaused((p) => !p)} aria-pressed={paused}>
            {paused ? "Resume" : "Pause"}
          </button>
        </span>
      </div>
      <ProblemAlert error={error} title="The dashboard could not refresh" />
      {s && (
        <>
          <dl className="tiles" data-testid="tiles">
            <div>
              <dt>Registrations</dt>
              <dd data-testid="registrations">{s.registrations}</dd>
            </div>
            <div>
              <dt>Confirmed</dt>
              <dd data-testid="confirmed">{s.confirmed}</dd>
            </div>
            <div>
              <dt>Fill rate</dt>
              <dd>{pct(s.fillRate)}</dd>
            </div>
            <div>
              <dt>Waitlisted</dt>
              <dd data-testid="waitlisted">{s.waitlisted}</dd>
            </div>
            <div>
              <dt>Payment failures</dt>
              <dd data-testid="payment-failures">
                {s.payments.failed} <span className="small">({pct(s.payments.failureRate)})</span>
              </dd>
            </div>
            <div>
              <dt>Time to confirm</dt>
              <dd className="small">
                p50 {s.timeToConfirm.p50Seconds.toFixed(1)} s · p95 {s.timeToConfirm.p95Seconds.toFixed(1)} s
              </dd>
            </div>
          </dl>
          <div className="charts">
            <TimeBars
              title="Registrations per minute"
              labels={labels}
              series={[
                { name: "registrations", color: "#1d5fbf", values: (data?.minutes ?? []).map((m) => m.registrations) },
                { name: "confirmed", color: "#17803d", values: confirmations },
              ]}
            />
            <TimeBars title="Payment failures per minute" labels={labels} series={[{ name: "payment failures", color: "#b3261e", values: failures }]} height={140} />
            <HBars title="Fill rate by module (highest first)" max={1} format={pct} rows={topFill.map((m) => ({ label: `${m.moduleCode} ${m.semester}`, value: m.fillRate, extra: `${m.confirmed}/${m.capacity}` }))} />
            <HBars
              title="Longest waitlists"
              max={Math.max(1, ...topWait.map((x) => x.waitlisted))}
              format={(v) => `${v} waiting`}
              rows={topWait.map((x) => ({ label: `${x.moduleCode} ${x.sectionId.slice(0, 8)}`, value: x.waitlisted }))}
              empty="Nobody is waiting for a seat."
            />
          </div>
          <details>
            <summary>Registrations by status</summary>
            <ul>
              {Object.entries(s.byStatus ?? {}).map(([k, v]) => (
                <li key={k}>
                  {k}: {v}
                </li>
              ))}
            </ul>
          </details>
        </>
      )}
    </section>
  );
}
