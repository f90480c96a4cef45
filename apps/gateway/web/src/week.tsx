// week.tsx: a weekly timetable (Monday to Friday) drawn with CSS grid. Each block is a
// section's timeslot; blocks that clash are marked in colour AND in words.
import type { Timeslot } from "./types";

export interface Block {
  key: string;
  label: string;
  detail?: string;
  slot: Timeslot;
  kind: "taken" | "planned" | "offered";
  clash?: boolean;
}

const DAYS: Timeslot["day"][] = ["MON", "TUE", "WED", "THU", "FRI"];
const DAY_NAMES: Record<string, string> = { MON: "Monday", TUE: "Tuesday", WED: "Wednesday", THU: "Thursday", FRI: "Friday" };

const minutes = (t: string) => {
  const [h, m] = t.split(":").map(Number);
  return h * 60 + m;
};

export function Week({ blocks, caption }: { blocks: Block[]; caption: string }) {
  const from = Math.min(8 * 60, ...blocks.map((b) => minutes(b.slot.start)));
  const to = Math.max(18 * 60, ...blocks.map((b) => minutes(b.slot.end)));
  const rows = Math.ceil((to - from) / 30);
  const hours: number[] = [];
  for (let m = Math.ceil(from / 60) * 60; m < to; m += 60) hours.push(m);
  return (
    <figure className="week" aria-label={caption}>
      <figcaption className="sr-only">{caption}</figcaption>
      <div className="week-grid" style={{ gridTemplateRows: `2rem repeat(${rows}, minmax(1.1rem, auto))` }}>
        <div className="corner" aria-hidden="true" />
        {DAYS.map((d, i) => (
          <div key={d} className="day-head" style={{ gridColumn: i + 2, gridRow: 1 }}>
            <abbr title={DAY_NAMES[d]}>{d.slice(0, 1) + d.slice(1).toLowerCase()}</abbr>
          </div>
        ))}
        {hours.map((m) => (
          <div key={m} className="hour" aria-hidden="true" style={{ gridColumn: 1, gridRow: 2 + (m - from) / 30 }}>
            {String(m / 60).padStart(2, "0")}:00
          </div>
        ))}
        {blocks.map((b) => {
          const col = DAYS.indexOf(b.slot.day) + 2;
          const start = 2 + Math.floor((minutes(b.slot.start) - from) / 30);
          const span = Math.max(1, Math.ceil((minutes(b.slot.end) - minutes(b.slot.start)) / 30));
          return (
            <div
              key={b.key}
              className={`block ${b.kind}${b.clash ? " clash" : ""}`}
              style={{ gridColumn: col, gridRow: `${start} / span ${span}` }}
              data-clash={b.clash ? "true" : undefined}
            >
              <strong>{b.label}</strong>
              <span>
                {DAY_NAMES[b.slot.day]} {b.slot.start}–{b.slot.end}
              </span>
              {b.detail && <span>{b.detail}</span>}
              {b.clash && <span className="clash-tag">⚠ clash</span>}
            </div>
          );
        })}
      </div>
      {blocks.length === 0 && <p className="muted">Nothing in this week yet.</p>}
    </figure>
  );
}
