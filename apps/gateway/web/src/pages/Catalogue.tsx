import { useState, type FormEvent } from "react";
import { api } from "../api";
import type { Module, Prerequisite } from "../types";
import { Field, FieldMessage, Loading, ProblemAlert, money, useLoad } from "../ui";
import { describe } from "../prereq";
import { loadAll } from "./Modules";

interface Draft {
  code: string;
  title: string;
  credits: string;
  amount: string;
  currency: string;
  level: string;
  programmes: string;
  terms: string[];
  prereqs: string; // "CS101:C, MA101:D" → AND of leaves
  coRequisites: string;
  antiRequisites: string;
}

const empty: Draft = { code: "", title: "", credits: "15", amount: "", currency: "GBP", level: "1", programmes: "", terms: ["AUTUMN"], prereqs: "", coRequisites: "", antiRequisites: "" };

const list = (s: string) => s.split(",").map((x) => x.trim()).filter(Boolean);

function toDraft(m: Module): Draft {
  const p = m.prerequisites;
  const simple = p && ("module" in p ? [p] : p.op === "AND" && p.operands.every((o) => "module" in o) ? p.operands : null);
  return {
    code: m.code, title: m.title, credits: String(m.credits), amount: (m.fee.amountMinor / 100).toFixed(2), currency: m.fee.currency,
    level: String(m.level), programmes: (m.programmes ?? []).join(", "), terms: m.termsOffered,
    prereqs: simple ? (simple as { module: string; minGrade: string }[]).map((l) => `${l.module}:${l.minGrade}`).join(", ") : p ? JSON.stringify(p) : "",
    coRequisites: (m.coRequisites ?? []).join(", "), antiRequisites: (m.antiRequisites ?? []).join(", "),
  };
}

function prerequisites(s: string): Prerequisite | null {
  const t = s.trim();
  if (!t) return null;
  if (t.startsWith("{")) return JSON.parse(t);
  const leaves = list(t).map((x) => {
    const [module, minGrade = "D"] = x.split(":").map((y) => y.trim());
    return { module, minGrade: minGrade.toUpperCase() };
  });
  return leaves.length === 1 ? leaves[0] : { op: "AND", operands: leaves };
}

export function Catalogue() {
  const mods = useLoad((signal) => loadAll<Module>("/api/v1/subjects?limit=500", signal));
  const [editing, setEditing] = useState<string | null>(null); // null: new module
  const [d, setD] = useState<Draft>(empty);
  const [error, setError] = useState<unknown>();
  const [saved, setSaved] = useState("");
  const [busy, setBusy] = useState(false);
  const [filter, setFilter] = useState("");
  const set = (k: keyof Draft) => (e: { target: { value: string } }) => setD({ ...d, [k]: e.target.value });

  async function save(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    setSaved("");
    try {
      const body = {
        ...(editing ? {} : { code: d.code.trim() }),
        title: d.title,
        credits: Number(d.credits),
        fee: { amountMinor: Math.round(Number(d.amount) * 100), currency: d.currency.trim() },
        level: Number(d.level),
        programmes: list(d.programmes),
        termsOffered: d.terms,
        prerequisites: prerequisites(d.prereqs),
        coRequisites: list(d.coRequisites),
        antiRequisites: list(d.antiRequisites),
      };
      const m = editing
        ? await api<Module>("PUT", `/api/v1/subjects/${encodeURIComponent(editing)}`, { body })
        : await api<Module>("POST", "/api/v1/subjects", { body });
      setSaved(`${m.code} saved (version ${m.version ?? 1}).`);
      setEditing(m.code);
      mods.reload();
    } catch (err) {
      setError(err instanceof SyntaxError ? new Error("Prerequisites: the JSON is not valid (" + err.message + ")") : err);
    } finally {
      setBusy(false);
    }
  }

  const q = filter.trim().toLowerCase();
  const shown = (mods.data ?? []).filter((m) => !q || m.code.toLowerCase().includes(q) || m.title.toLowerCase().includes(q));
  return (
    <section>
      <h1>Module catalogue</h1>
      <div className="split">
        <form className="card" onSubmit={save} noValidate aria-labelledby="mod-form">
          <h2 id="mod-form">{editing ? `Edit ${editing}` : "New module"}</h2>
          <ProblemAlert error={error} title="The module was not saved" />
          {saved && (
            <p className="alert ok" role="status">
              {saved}
            </p>
          )}
          <Field label="Code" name="code" error={error} hint="2-4 letters and 3-4 digits, e.g. CS101">
            {(a) => <input {...a} value={d.code} onChange={set("code")} disabled={!!editing} />}
          </Field>
          <Field label="Title" name="title" error={error}>
            {(a) => <input {...a} value={d.title} onChange={set("title")} />}
          </Field>
          <div className="cols">
            <Field label="Credits" name="credits" error={error}>
              {(a) => <input {...a} inputMode="numeric" value={d.credits} onChange={set("credits")} />}
            </Field>
            <Field label="Level" name="level" error={error}>
              {(a) => <input {...a} inputMode="numeric" value={d.level} onChange={set("level")} />}
            </Field>
          </div>
          <div className="cols">
            <Field label="Fee" name="fee.amountMinor" error={error} hint="in pounds, e.g. 450.00">
              {(a) => <input {...a} inputMode="decimal" value={d.amount} onChange={set("amount")} />}
            </Field>
            <Field label="Currency" name="fee.currency" error={error}>
              {(a) => <input {...a} value={d.currency} onChange={set("currency")} maxLength={3} />}
            </Field>
          </div>
          <fieldset className="field">
            <legend>Terms offered</legend>
            {["AUTUMN", "SPRING", "SUMMER"].map((t) => (
              <label key={t} className="inline">
                <input
                  type="checkbox"
                  checked={d.terms.includes(t)}
                  onChange={(e) => setD({ ...d, terms: e.target.checked ? [...d.terms, t] : d.terms.filter((x) => x !== t) })}
                />{" "}
                {t.toLowerCase()}
              </label>
            ))}
            <FieldMessage error={error} name="termsOffered" />
          </fieldset>
          <Field label="Programmes" name="programmes" error={error} hint="comma-separated programme codes">
            {(a) => <input {...a} value={d.programmes} onChange={set("programmes")} />}
          </Field>
          <Field label="Prerequisites" name="prerequisites" error={error} hint="CS101:C, MA101:D (all required), or a JSON tree">
            {(a) => <input {...a} value={d.prereqs} onChange={set("prereqs")} />}
          </Field>
          <Field label="Co-requisites" name="coRequisites" error={error}>
            {(a) => <input {...a} value={d.coRequisites} onChange={set("coRequisites")} />}
          </Field>
          <Field label="Anti-requisites" name="antiRequisites" error={error}>
            {(a) => <input {...a} value={d.antiRequisites} onChange={set("antiRequisites")} />}
          </Field>
          <div className="actions">
            <button type="submit" className="primary" disabled={busy}>
              {busy ? "Saving…" : editing ? "Save changes" : "Add module"}
            </button>
            {editing && (
              <button type="button" onClick={() => { setEditing(null); setD(empty); setError(undefined); setSaved(""); }}>
                New module instead
              </button>
            )}
          </div>
        </form>
        <div>
          <label className="inline">
            Filter <input type="search" value={filter} onChange={(e) => setFilter(e.target.value)} />
          </label>
          {mods.loading && <Loading what="modules" />}
          <ProblemAlert error={mods.error} />
          <div className="table-wrap">
            <table>
              <caption className="sr-only">Modules</caption>
              <thead>
                <tr>
                  <th scope="col">Module</th>
                  <th scope="col">Credits</th>
                  <th scope="col">Fee</th>
                  <th scope="col">Prerequisites</th>
                  <th scope="col"><span className="sr-only">Actions</span></th>
                </tr>
              </thead>
              <tbody>
                {shown.slice(0, 200).map((m) => (
                  <tr key={m.code}>
                    <th scope="row">
                      <span className="code">{m.code}</span> {m.title}
                    </th>
                    <td>{m.credits}</td>
                    <td>{money(m.fee)}</td>
                    <td className="small">{m.prerequisites ? describe(m.prerequisites) : "—"}</td>
                    <td>
                      <button type="button" className="link" onClick={() => { setEditing(m.code); setD(toDraft(m)); setError(undefined); setSaved(""); }}>
                        Edit<span className="sr-only"> {m.code}</span>
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </div>
      </div>
    </section>
  );
}
