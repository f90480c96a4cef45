// ui.tsx: the small building blocks every page shares — layout and navigation, problem
// messages, labelled fields, loading state, status badges.
import { useCallback, useEffect, useId, useRef, useState, type ReactNode } from "react";
import { NavLink, useLocation } from "react-router";
import { ApiError } from "./api";
import { useAuth } from "./auth";
import type { Money, Status } from "./types";

const NAV: Record<string, { to: string; label: string }[]> = {
  student: [
    { to: "/student/modules", label: "Modules" },
    { to: "/student/timetable", label: "Timetable & register" },
    { to: "/student/registrations", label: "My registrations" },
    { to: "/student/admission", label: "Admission" },
  ],
  lecturer: [{ to: "/lecturer", label: "My sections" }],
  registry: [
    { to: "/staff/dashboard", label: "Dashboard" },
    { to: "/staff/catalogue", label: "Catalogue" },
    { to: "/staff/sections", label: "Sections" },
    { to: "/staff/students", label: "Students & holds" },
  ],
};
NAV.admin = NAV.registry;

export function Layout({ children }: { children: ReactNode }) {
  const { user, logout } = useAuth();
  const location = useLocation();
  const main = useRef<HTMLElement>(null);
  // Moving to a new page puts focus on its content, so keyboard and screen-reader users
  // start there instead of at the top of the navigation again.
  useEffect(() => {
    main.current?.focus();
  }, [location.pathname]);
  const links = user ? NAV[user.role] ?? [] : [];
  return (
    <>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <span className="brand" aria-label="Registrar">
          Registrar
        </span>
        {links.length > 0 && (
          <nav aria-label="Main">
            <ul>
              {links.map((l) => (
                <li key={l.to}>
                  <NavLink to={l.to}>{l.label}</NavLink>
                </li>
              ))}
            </ul>
          </nav>
        )}
        {user && (
          <div className="who">
            <span className="role">{user.role}</span>
            <button type="button" className="link" onClick={logout}>
              Log out
            </button>
          </div>
        )}
      </header>
      <main id="main" ref={main} tabIndex={-1}>
        {children}
      </main>
    </>
  );
}

/** ProblemAlert shows an API problem: its title, detail, each field and each failed rule. */
export function ProblemAlert({ error, title }: { error: unknown; title?: string }) {
  if (!error) return null;
  const p =
    error instanceof ApiError
      ? error.problem
      : { title: "Something went wrong", status: 0, detail: error instanceof Error ? error.message : String(error) };
  return (
    <div className="alert error" role="alert">
      <strong>{title ?? p.title}</strong>
      {p.detail && <p>{p.detail}</p>}
      {p.violations && p.violations.length > 0 && (
        <ul className="reasons" aria-label="Reasons">
          {p.violations.map((v, i) => (
            <li key={i} data-rule={v.rule}>
              <span className="rule">{v.rule}</span> {v.message}
            </li>
          ))}
        </ul>
      )}
      {p.errors && p.errors.length > 0 && (
        <ul className="reasons" aria-label="Fields to correct">
          {p.errors.map((e, i) => (
            <li key={i}>
              <code>{e.field}</code>: {e.message}
            </li>
          ))}
        </ul>
      )}
      {p.requestId && <p className="muted small">Request id {p.requestId}</p>}
    </div>
  );
}

/** Field is a labelled input whose server-side error (by JSON field name) shows under it. */
export function Field(props: {
  label: string;
  name: string;
  error?: unknown;
  hint?: string;
  children: (attrs: { id: string; name: string; "aria-invalid"?: boolean; "aria-describedby"?: string }) => ReactNode;
}) {
  const id = useId();
  const msg = props.error instanceof ApiError ? props.error.fieldError(props.name) : undefined;
  const described = [props.hint ? id + "-hint" : "", msg ? id + "-err" : ""].filter(Boolean).join(" ") || undefined;
  return (
    <div className={"field" + (msg ? " invalid" : "")}>
      <label htmlFor={id}>{props.label}</label>
      {props.children({ id, name: props.name, "aria-invalid": msg ? true : undefined, "aria-describedby": described })}
      {props.hint && (
        <span id={id + "-hint"} className="hint">
          {props.hint}
        </span>
      )}
      {msg && (
        <span id={id + "-err"} className="field-error" data-field={props.name}>
          {msg}
        </span>
      )}
    </div>
  );
}

/** useLoad runs load on mount (and on reload()), keeping data, error and loading. */
export function useLoad<T>(load: (signal: AbortSignal) => Promise<T>, deps: unknown[] = []) {
  const [data, setData] = useState<T | undefined>();
  const [error, setError] = useState<unknown>();
  const [loading, setLoading] = useState(true);
  const [n, setN] = useState(0);
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const fn = useCallback(load, deps);
  useEffect(() => {
    const ctrl = new AbortController();
    setLoading(true);
    fn(ctrl.signal)
      .then((d) => {
        setData(d);
        setError(undefined);
      })
      .catch((e) => {
        if (!ctrl.signal.aborted) setError(e);
      })
      .finally(() => {
        if (!ctrl.signal.aborted) setLoading(false);
      });
    return () => ctrl.abort();
  }, [fn, n]);
  return { data, error, loading, reload: () => setN((x) => x + 1), setData };
}

export function Loading({ what }: { what: string }) {
  return (
    <p className="muted" role="status">
      Loading {what}…
    </p>
  );
}

const STATUS_TEXT: Record<Status, string> = {
  PENDING_PAYMENT: "Seat held — payment pending",
  CONFIRMED: "Confirmed",
  WAITLISTED: "Waitlisted",
  OFFERED: "Seat offered",
  FAILED: "Failed",
  DROPPED: "Dropped",
  EXPIRED: "Expired",
};

export function StatusBadge({ status, position }: { status: Status; position?: number }) {
  return (
    <span className={"badge s-" + status.toLowerCase()} data-status={status}>
      {STATUS_TEXT[status] ?? status}
      {status === "WAITLISTED" && position ? `, position ${position}` : ""}
    </span>
  );
}

export function money(m?: Money): string {
  if (!m) return "";
  try {
    return new Intl.NumberFormat("en-GB", { style: "currency", currency: m.currency }).format(m.amountMinor / 100);
  } catch {
    return `${(m.amountMinor / 100).toFixed(2)} ${m.currency}`;
  }
}

export function when(iso?: string): string {
  if (!iso) return "";
  const d = new Date(iso);
  return d.toLocaleString("en-GB", { dateStyle: "medium", timeStyle: "medium" });
}

/** Countdown shows the time left until iso, updating every second. */
export function Countdown({ until, label }: { until: string; label: string }) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, []);
  const left = Math.max(0, Math.round((new Date(until).getTime() - now) / 1000));
  const text = left >= 3600 ? `${Math.floor(left / 3600)} h ${Math.floor((left % 3600) / 60)} min` : `${Math.floor(left / 60)}:${String(left % 60).padStart(2, "0")}`;
  return (
    <span className="countdown">
      {label} {left > 0 ? text : "now"}
    </span>
  );
}

/** TEST_CARDS are the payment simulator's tokens (apps/paygate), never card numbers. */
export const TEST_CARDS = [
  { token: "pm_card_visa", label: "Visa test card (succeeds)" },
  { token: "pm_card_mastercard", label: "Mastercard test card (succeeds)" },
  { token: "pm_card_chargeDeclined", label: "Test card that is declined" },
  { token: "pm_card_amex", label: "Amex test card (succeeds)" },
  { token: "pm_card_chargeDeclinedInsufficientFunds", label: "Test card with insufficient funds" },
  { token: "pm_card_chargeDeclinedExpiredCard", label: "Expired test card" },
];

/** FieldMessage shows the server's message for a field that has no single input. */
export function FieldMessage({ error, name }: { error: unknown; name: string }) {
  const msg = error instanceof ApiError ? error.fieldError(name) : undefined;
  return msg ? (
    <span className="field-error" data-field={name}>
      {msg}
    </span>
  ) : null;
}
