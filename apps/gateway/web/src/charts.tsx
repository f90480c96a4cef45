// charts.tsx: two small SVG charts (bars over time, horizontal bars). Drawn by hand rather
// than with a chart library: they need a fraction of one, and every chart carries its
// numbers as text (a title, a description and a data table for screen readers).
import { useId } from "react";

export interface Series {
  name: string;
  color: string;
  values: number[];
}

/** TimeBars draws one or more series as grouped bars, one group per minute. */
export function TimeBars({ title, labels, series, height = 180 }: { title: string; labels: string[]; series: Series[]; height?: number }) {
  const id = useId();
  const n = labels.length;
  const max = Math.max(1, ...series.flatMap((s) => s.values));
  const W = 600, H = height, padL = 34, padB = 22, padT = 8;
  const plotW = W - padL - 6, plotH = H - padB - padT;
  const gw = plotW / Math.max(1, n);
  const bw = Math.max(1, (gw * 0.8) / series.length);
  const ticks = [0, Math.ceil(max / 2), max];
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-labelledby={`${id}-t ${id}-d`} preserveAspectRatio="none">
        <title id={`${id}-t`}>{title}</title>
        <desc id={`${id}-d`}>
          {series.map((s) => `${s.name}: ${s.values.reduce((a, b) => a + b, 0)} in the last ${n} minutes`).join("; ")}
        </desc>
        {ticks.map((t) => {
          const y = padT + plotH - (t / max) * plotH;
          return (
            <g key={t}>
              <line x1={padL} x2={W - 6} y1={y} y2={y} className="gridline" />
              <text x={padL - 4} y={y + 4} textAnchor="end" className="axis">
                {t}
              </text>
            </g>
          );
        })}
        {series.map((s, si) =>
          s.values.map((v, i) => {
            const h = (v / max) * plotH;
            return v > 0 ? (
              <rect key={`${si}-${i}`} x={padL + i * gw + gw * 0.1 + si * bw} y={padT + plotH - h} width={bw} height={h} fill={s.color}>
                <title>{`${labels[i]} ${s.name}: ${v}`}</title>
              </rect>
            ) : null;
          }),
        )}
        {labels.map((l, i) =>
          i % Math.max(1, Math.ceil(n / 6)) === 0 ? (
            <text key={i} x={padL + i * gw + gw / 2} y={H - 6} textAnchor="middle" className="axis">
              {l}
            </text>
          ) : null,
        )}
      </svg>
      <figcaption>
        <strong>{title}</strong>{" "}
        {series.map((s) => (
          <span key={s.name} className="key">
            <span className="swatch" style={{ background: s.color }} aria-hidden="true" /> {s.name}
          </span>
        ))}
      </figcaption>
    </figure>
  );
}

/** HBars draws labelled horizontal bars with a value from 0 to max. */
export function HBars({ title, rows, max, format, empty }: { title: string; rows: { label: string; value: number; extra?: string }[]; max: number; format: (v: number) => string; empty?: string }) {
  return (
    <figure className="chart hbars">
      <figcaption>
        <strong>{title}</strong>
      </figcaption>
      {rows.length === 0 && <p className="muted small">{empty ?? "Nothing to show yet."}</p>}
      <ul>
        {rows.map((r) => (
          <li key={r.label}>
            <span className="hb-label">{r.label}</span>
            <span className="hb-track" aria-hidden="true">
              <span className="hb-bar" style={{ width: `${Math.min(100, (r.value / Math.max(max, 1e-9)) * 100)}%` }} />
            </span>
            <span className="hb-value">
              {format(r.value)}
              {r.extra ? ` · ${r.extra}` : ""}
            </span>
          </li>
        ))}
      </ul>
    </figure>
  );
}
