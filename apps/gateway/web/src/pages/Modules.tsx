import { get } from "../api";
import { describe, leaves, met, gradeMeets } from "../prereq";
import type { Completed, Module, Page, Student } from "../types";
import { Loading, ProblemAlert, money, useLoad } from "../ui";

/** loadAll follows `next` through every page of a listing. */
export async function loadAll<T>(path: string, signal?: AbortSignal): Promise<T[]> {
  const out: T[] = [];
  let after = "";
  for (let i = 0; i < 50; i++) {
    const sep = path.includes("?") ? "&" : "?";
    const page = await get<Page<T>>(path + (after ? `${sep}after=${encodeURIComponent(after)}` : ""), signal);
    out.push(...(page.items ?? []));
    if (!page.next) break;
    after = page.next;
  }
  return out;
}

export async function loadMe(signal?: AbortSignal) {
  const me = await get<Student>("/api/v1/me", signal);
  const history = await get<{ items: Completed[] }>(`/api/v1/students/${me.id}/history`, signal);
  return { me, done: new Map((history.items ?? []).map((c) => [c.moduleCode, c])) };
}

export function Modules() {
  const { data, error, loading } = useLoad(async (signal) => {
    const { me, done } = await loadMe(signal);
    const modules = await loadAll<Module>(`/api/v1/subjects?programme=${encodeURIComponent(me.programme)}&limit=500`, signal);
    return { me, done, modules };
  });
  if (loading && !data) return <Loading what="your programme's modules" />;
  if (error) return <ProblemAlert error={error} />;
  if (!data) return null;
  const { me, done, modules } = data;
  return (
    <section>
      <h1>
        Modules of {me.programme}, for {me.givenName} {me.familyName}
      </h1>
      <p className="muted">
        Year {me.yearOfStudy} · {done.size} module{done.size === 1 ? "" : "s"} completed. A module whose prerequisites are missing cannot be
        registered for until they are met (or the registry grants an override).
      </p>
      <div className="table-wrap">
        <table className="modules">
          <caption className="sr-only">Modules with their prerequisites</caption>
          <thead>
            <tr>
              <th scope="col">Module</th>
              <th scope="col">Level</th>
              <th scope="col">Credits</th>
              <th scope="col">Terms</th>
              <th scope="col">Fee</th>
              <th scope="col">Prerequisites</th>
            </tr>
          </thead>
          <tbody>
            {modules.map((m) => {
              const ok = met(m.prerequisites, done);
              const passed = done.get(m.code);
              return (
                <tr key={m.code} data-module={m.code}>
                  <th scope="row">
                    <span className="code">{m.code}</span> {m.title}
                    {passed && gradeMeets(passed.grade, "E") && <span className="badge s-confirmed">passed ({passed.grade})</span>}
                  </th>
                  <td>{m.level}</td>
                  <td>{m.credits}</td>
                  <td>{m.termsOffered.join(", ")}</td>
                  <td>{money(m.fee)}</td>
                  <td>
                    {!m.prerequisites ? (
                      <span className="muted">none</span>
                    ) : (
                      <div className={ok ? "prereq met" : "prereq missing"} data-prereq={ok ? "met" : "missing"}>
                        <strong>{ok ? "✓ Met" : "✗ Missing"}</strong>
                        <span className="small"> {describe(m.prerequisites)}</span>
                        <ul className="leaves">
                          {leaves(m.prerequisites).map((l) => {
                            const c = done.get(l.module);
                            const good = !!c && gradeMeets(c.grade, l.minGrade);
                            return (
                              <li key={l.module} className={good ? "met" : "missing"}>
                                {good ? "✓" : "✗"} {l.module} ≥ {l.minGrade}
                                {c ? ` (you have ${c.grade})` : " (not taken)"}
                              </li>
                            );
                          })}
                        </ul>
                      </div>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </section>
  );
}
