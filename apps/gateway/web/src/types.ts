// types.ts: the shapes of the public API the portal reads (contracts/openapi.yaml).

export interface Money {
  amountMinor: number;
  currency: string;
}

export type Prerequisite =
  | { op: "AND" | "OR"; operands: Prerequisite[] }
  | { module: string; minGrade: string };

export interface Module {
  code: string;
  title: string;
  credits: number;
  fee: Money;
  level: number;
  programmes?: string[];
  termsOffered: string[];
  prerequisites?: Prerequisite | null;
  coRequisites?: string[];
  antiRequisites?: string[];
  version?: number;
}

export interface Programme {
  code: string;
  name: string;
  faculty: string;
  required?: string[];
  electives?: string[];
}

export interface Student {
  id: string;
  studentNumber: string;
  givenName: string;
  familyName: string;
  email?: string;
  programme: string;
  yearOfStudy: number;
}

export interface Completed {
  moduleCode: string;
  grade: string;
  term: string;
  credits: number;
}

export interface Hold {
  id: string;
  kind: "blocking" | "warning";
  reason: string;
  placedBy: string;
  placedAt: string;
  liftedAt?: string;
}

export interface Timeslot {
  day: "MON" | "TUE" | "WED" | "THU" | "FRI";
  start: string;
  end: string;
}

export interface Section {
  id: string;
  moduleCode: string;
  semester: string;
  capacity: number;
  lecturerId?: string | null;
  roomCode: string;
  timeslots: Timeslot[];
  seats: { capacity: number; held: number; confirmed: number; free: number };
}

export interface Semester {
  code: string;
  term: string;
  startsOn: string;
  endsOn: string;
  addDropDeadline: string;
  registrationWindows?: { yearOfStudy: number; opensAt: string; closesAt: string }[];
}

export type Status = "PENDING_PAYMENT" | "CONFIRMED" | "WAITLISTED" | "OFFERED" | "FAILED" | "DROPPED" | "EXPIRED";

export interface Registration {
  id: string;
  basketId?: string;
  sectionId: string;
  moduleCode: string;
  semester: string;
  status: Status;
  message?: string;
  reason?: string;
  fee?: Money;
  position?: number;
  holdExpiresAt?: string;
  offerExpiresAt?: string;
  swapFrom?: string;
  timeline?: { at: string; status: string; note?: string }[];
}

export interface Clash {
  sectionIds: [string, string];
  timeslots: [Timeslot, Timeslot];
}

export interface Admission {
  studentId: string;
  name: string;
  programme: string;
  status: string;
  modules: { registrationId: string; moduleCode: string; moduleTitle: string; sectionId: string; credits: number; confirmedAt: string }[];
  updatedAt: string;
  form?: { url: string; expiresAt: string; contentType: string };
}

export interface Summary {
  sections: number;
  capacity: number;
  confirmed: number;
  fillRate: number;
  waitlisted: number;
  registrations: number;
  byStatus: Record<string, number>;
  timeToConfirm: { samples: number; p50Seconds: number; p95Seconds: number };
  payments: { confirmed: number; failed: number; failureRate: number };
  eventsProcessed: number;
  eventsByType: Record<string, number>;
}

export interface SectionStats {
  sectionId: string;
  moduleCode: string;
  semester: string;
  capacity: number | null;
  confirmed: number;
  waitlisted: number;
  fillRate: number | null;
}

export interface ModuleStats {
  moduleCode: string;
  semester: string;
  sections: number;
  capacity: number;
  confirmed: number;
  waitlisted: number;
  fillRate: number;
}

export interface Minute {
  at: string;
  registrations: number;
  events: Record<string, number>;
}

export interface StreamUpdate {
  type: string;
  registrationId?: string;
  sectionId?: string;
  moduleCode?: string;
  status?: Status;
  reason?: string;
  occurredAt?: string;
}

export interface Page<T> {
  items: T[];
  next?: string;
}
