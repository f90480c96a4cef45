// prereq.ts: whether a student's completed modules meet a prerequisite tree, the same rule
// registration applies (a leaf needs the module passed at minGrade or better; A is best).
import type { Completed, Prerequisite } from "./types";

const ORDER = "ABCDEF";

export function gradeMeets(grade: string, min: string): boolean {
  const g = ORDER.indexOf(grade), m = ORDER.indexOf(min);
  return g >= 0 && m >= 0 && g <= m;
}

export function met(p: Prerequisite | null | undefined, done: Map<string, Completed>): boolean {
  if (!p) return true;
  if ("module" in p) {
    const c = done.get(p.module);
    return !!c && gradeMeets(c.grade, p.minGrade);
  }
  return p.op === "AND" ? p.operands.every((o) => met(o, done)) : p.operands.some((o) => met(o, done));
}

/** missing lists the leaves not yet met, for a one-line explanation. */
export function describe(p: Prerequisite): string {
  if ("module" in p) return `${p.module} (grade ${p.minGrade} or better)`;
  return "(" + p.operands.map(describe).join(p.op === "AND" ? " and " : " or ") + ")";
}

export function leaves(p: Prerequisite | null | undefined): { module: string; minGrade: string }[] {
  if (!p) return [];
  if ("module" in p) return [p];
  return p.operands.flatMap(leaves);
}
