// catalog.ts: listings the student pages share.
import { get } from "./api";
import type { Section, Semester } from "./types";

/** sectionsOf loads every section of a semester (pages of 500, ordered by id). */
export async function sectionsOf(semester: string, signal?: AbortSignal, module?: string): Promise<Section[]> {
  const out: Section[] = [];
  let after = "";
  for (let i = 0; i < 40; i++) {
    const q = new URLSearchParams({ semester, limit: "500" });
    if (module) q.set("subject", module);
    if (after) q.set("after", after);
    const page = await get<{ items: Section[] }>(`/api/v1/sections?${q}`, signal);
    out.push(...page.items);
    if (page.items.length < 500) break;
    after = page.items[page.items.length - 1].id;
  }
  return out;
}

/** currentSemester picks the semester whose registration window is open for the year, else
 * the next one that opens, else the last. */
export function currentSemester(list: Semester[], year: number): Semester | undefined {
  const now = Date.now();
  const w = (s: Semester) => s.registrationWindows?.find((x) => x.yearOfStudy === year);
  const open = list.find((s) => {
    const x = w(s);
    return x && new Date(x.opensAt).getTime() <= now && now < new Date(x.closesAt).getTime();
  });
  if (open) return open;
  const upcoming = list
    .filter((s) => w(s) && new Date(w(s)!.opensAt).getTime() > now)
    .sort((a, b) => new Date(w(a)!.opensAt).getTime() - new Date(w(b)!.opensAt).getTime());
  return upcoming[0] ?? list[list.length - 1];
}

export const ACTIVE = ["PENDING_PAYMENT", "CONFIRMED", "WAITLISTED", "OFFERED"];
