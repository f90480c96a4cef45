import { ApiError, get } from "../api";
import type { Admission } from "../types";
import { Countdown, Loading, ProblemAlert, useLoad, when } from "../ui";

export function AdmissionPage() {
  const adm = useLoad(async (signal) => {
    try {
      return await get<Admission>("/api/v1/admission/me", signal);
    } catch (e) {
      if (e instanceof ApiError && e.problem.status === 404) return null;
      throw e;
    }
  });
  if (adm.loading && adm.data === undefined) return <Loading what="your admission record" />;
  if (adm.error) return <ProblemAlert error={adm.error} />;
  const a = adm.data;
  return (
    <section>
      <h1>Admission</h1>
      {!a ? (
        <div className="card" data-testid="no-admission">
          <p>You have no admission record yet. It is made once one of your registrations is confirmed; come back in a moment.</p>
          <button type="button" onClick={adm.reload}>
            Check again
          </button>
        </div>
      ) : (
        <div className="card">
          <p>
            <strong>{a.name}</strong> · {a.programme} · <span className="badge s-confirmed">{a.status}</span>
          </p>
          <div className="table-wrap">
            <table>
              <caption>Confirmed modules</caption>
              <thead>
                <tr>
                  <th scope="col">Module</th>
                  <th scope="col">Credits</th>
                  <th scope="col">Confirmed</th>
                </tr>
              </thead>
              <tbody>
                {a.modules.map((m) => (
                  <tr key={m.registrationId} data-module={m.moduleCode}>
                    <th scope="row">
                      <span className="code">{m.moduleCode}</span> {m.moduleTitle}
                    </th>
                    <td>{m.credits}</td>
                    <td>{when(m.confirmedAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {a.form ? (
            <p className="actions">
              <a className="button primary" href={a.form.url} data-testid="admission-form" rel="noopener" target="_blank">
                Download admission form (PDF)
              </a>
              <Countdown until={a.form.expiresAt} label="Link valid for" />
              <button type="button" className="link" onClick={adm.reload}>
                New link
              </button>
            </p>
          ) : (
            <p className="actions">
              <span className="muted">The admission form is being prepared.</span>
              <button type="button" onClick={adm.reload}>
                Check again
              </button>
            </p>
          )}
          <p className="small muted">Updated {when(a.updatedAt)}</p>
        </div>
      )}
    </section>
  );
}
