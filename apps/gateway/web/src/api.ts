// api.ts: the portal's only way to the server — the gateway's public API (/api/v1/…).
// Errors come back as RFC 9457 problem+json; ApiError keeps every field of it so pages can
// show the title, the detail, each field error and each eligibility rule that failed.

export interface FieldError {
  field: string;
  message: string;
}

export interface Violation {
  rule: string;
  sectionId?: string;
  module?: string;
  message: string;
}

export interface Problem {
  type?: string;
  title: string;
  status: number;
  detail?: string;
  requestId?: string;
  errors?: FieldError[];
  violations?: Violation[];
}

export class ApiError extends Error {
  problem: Problem;
  constructor(problem: Problem) {
    super(problem.detail || problem.title);
    this.problem = problem;
  }
  /** fieldError returns the message for one input field, if the server named it. */
  fieldError(field: string): string | undefined {
    return this.problem.errors?.find((e) => e.field === field || e.field.startsWith(field + ".") || e.field.startsWith(field + "["))?.message;
  }
}

export interface Tokens {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
}

const STORAGE_KEY = "registrar.tokens";

let tokens: Tokens | null = (() => {
  try {
    return JSON.parse(sessionStorage.getItem(STORAGE_KEY) ?? "null");
  } catch {
    return null;
  }
})();
const listeners = new Set<() => void>();

export function currentTokens(): Tokens | null {
  return tokens;
}

export function setTokens(t: Tokens | null) {
  tokens = t;
  if (t) sessionStorage.setItem(STORAGE_KEY, JSON.stringify(t));
  else sessionStorage.removeItem(STORAGE_KEY);
  listeners.forEach((l) => l());
}

export function onTokens(l: () => void): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}

async function toProblem(res: Response): Promise<Problem> {
  const text = await res.text();
  try {
    const p = JSON.parse(text);
    if (p && typeof p === "object" && (p.title || p.detail)) return { status: res.status, ...p };
  } catch {
    /* not JSON: fall through */
  }
  return { title: res.statusText || "Request failed", status: res.status, detail: text.slice(0, 200) || undefined };
}

let refreshing: Promise<boolean> | null = null;

/** refresh trades the refresh token for new tokens once, however many calls wait on it. */
export function refresh(): Promise<boolean> {
  if (!tokens?.refreshToken) return Promise.resolve(false);
  refreshing ??= (async () => {
    try {
      const res = await fetch("/api/v1/auth/refresh", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ refreshToken: tokens?.refreshToken }),
      });
      if (!res.ok) {
        setTokens(null);
        return false;
      }
      setTokens(await res.json());
      return true;
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

export interface RequestOptions {
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

/** api calls the gateway with the access token, refreshing it once on 401. */
export async function api<T = unknown>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
  const send = () => {
    const headers: Record<string, string> = { Accept: "application/json", ...opts.headers };
    if (opts.body !== undefined) headers["Content-Type"] = "application/json";
    if (tokens) headers.Authorization = `Bearer ${tokens.accessToken}`;
    return fetch(path, {
      method,
      headers,
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      signal: opts.signal,
    });
  };
  let res = await send();
  if (res.status === 401 && tokens && !path.startsWith("/api/v1/auth/") && (await refresh())) {
    res = await send();
  }
  if (!res.ok) throw new ApiError(await toProblem(res));
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

export const get = <T,>(path: string, signal?: AbortSignal) => api<T>("GET", path, { signal });

/** idempotencyKey names one user action, so a retried click never registers twice. */
export function idempotencyKey(): string {
  return "portal-" + crypto.randomUUID();
}

export interface Claims {
  sub: string;
  role: "student" | "lecturer" | "registry" | "admin";
  sid?: string;
  exp: number;
}

/** claims reads (does not verify: the gateway does) the access token's payload. */
export function claims(t: Tokens | null): Claims | null {
  if (!t) return null;
  try {
    const part = t.accessToken.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    return JSON.parse(atob(part.padEnd(part.length + ((4 - (part.length % 4)) % 4), "=")));
  } catch {
    return null;
  }
}
