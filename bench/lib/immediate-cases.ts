// What the immediate suite sends: the shapes integrators really use. Each case makes the HTTP body of
// its next request and runs the same command directly on the database (decoded exactly as the Link's
// driver decodes the Halo parameters), so through-Conduit and direct do the same work.
import { BpSimDatabase, SqlServerError, type SimParam } from '@conduit/bp-sim';
import { decodeParameterValue, type Parameter } from '@conduit/protocol';
import type { AnswerCheck } from './answer-checks.js';
import type { Bodies } from './load-generator.js';

export type CaseKey = 'param' | 'literal' | 'five' | 'wide' | 'write';

export interface Case {
  key: CaseKey;
  label: string;
  /** The command text, for the report. */
  text: string;
  /** Rows each answer must hold. */
  rows: number;
  /** The HTTP bodies: fixed, rotating (@id over 1000 patients), or each sent once (writes: one free slot each). */
  bodies: Bodies;
  /** Runs the next command directly on the database; the rows read (undefined when out of work). */
  direct(db: BpSimDatabase): number | undefined;
  /** Checked on every answer (writes: the booking was made). */
  check?: AnswerCheck;
}

export const PARAM_TEXT = 'SELECT InternalID, Firstname, Surname FROM BPS_Patients WHERE InternalID = @id';
export const LITERAL_TEXT = 'SELECT InternalID, Firstname, Surname FROM BPS_Patients WHERE InternalID = 42';
/**
 * The "500-row (~100 KB)" case: an appointment-book read of ten columns, 104 KB of result JSON on
 * the demo practice. (Until 2026-12-07 this case was WIDE_TEXT, whose result is 355 KB, not ~100 KB.)
 */
export const FIVE_TEXT = 'SELECT TOP 500 RECORDID, INTERNALID, USERID, LOCATIONID, APPOINTMENTDATE, APPOINTMENTTIME, APPOINTMENTLENGTH, APPOINTMENTTYPE, RECORDSTATUS, UPDATED FROM APPOINTMENTS ORDER BY RECORDID';
/** Every column of 500 appointments: 355 KB of result JSON. Reported beside the 500-row case, not a target. */
export const WIDE_TEXT = 'SELECT TOP 500 * FROM APPOINTMENTS ORDER BY RECORDID';
export const WRITE_TEXT = 'DECLARE @id int; EXEC @id = BP_AddAppointment @aptdate = @d, @apttime = @t, @aptlen = @len, @practitionerid = @u, @patientid = @p; SELECT @id AS id';

/** As the Link's SQLite driver turns Halo parameters into bp-sim parameters. */
function simParams(ps: Parameter[]): SimParam[] {
  return ps.map((p) => ({ name: p.name, direction: p.direction, sqlType: p.type, value: decodeParameterValue(p.name, p.type, p.value) }));
}

/** Iterates the rows and JSON-serialises them, as the Link's result writer does. */
function drain(rows: Iterable<Record<string, unknown>>): number {
  const parts: string[] = [];
  for (const row of rows) {
    for (const k in row) {
      const v = row[k];
      if (typeof v === 'bigint') row[k] = Number(v);
      else if (v instanceof Uint8Array) row[k] = Buffer.from(v).toString('base64');
    }
    parts.push(JSON.stringify(row));
  }
  Buffer.from(`[${parts.join(',')}]`);
  return parts.length;
}

export interface FreeSlot {
  date: string;
  time: number;
  length: number;
  userId: number;
}

/** Every free slot from tomorrow on, as BP_GetFreeAppointments lists them, interleaved over practitioners and days. */
export function freeSlots(db: BpSimDatabase, days: number): FreeSlot[] {
  const users = [...db.execute({ text: 'SELECT USERID FROM USERS WHERE RECORDSTATUS = 1', type: 'text', params: [] }).rows].map((r) => Number(r.USERID));
  const out: FreeSlot[] = [];
  const day0 = Date.now() + 86_400_000;
  for (let d = 0; d < days; d++) {
    const date = new Date(day0 + d * 86_400_000).toISOString().slice(0, 10);
    for (const userId of users) {
      let o;
      try {
        o = db.execute({ text: 'BP_GetFreeAppointments', type: 'storedProcedure', params: [
          { name: '@userid', direction: 'input', value: userId, sqlType: 'Int' },
          { name: '@aptdate', direction: 'input', value: date, sqlType: 'Date' },
        ] });
      } catch (e) {
        if (e instanceof SqlServerError) continue; // away that day
        throw e;
      }
      for (const r of o.rows) out.push({ date, time: Number(r.AppointmentTime), length: Number(r.AppointmentLength), userId });
    }
  }
  // Consecutive bookings touch different practitioners and days.
  return out.sort((a, b) => a.time - b.time || a.date.localeCompare(b.date) || a.userId - b.userId);
}

const reader = (text: string, parameters: Parameter[] = []): string => JSON.stringify({ command: { text, parameters } });

export function makeCases(db: BpSimDatabase, slots: FreeSlot[]): Case[] {
  const ids = [...db.execute({ text: 'SELECT TOP 1000 InternalID FROM BPS_Patients ORDER BY InternalID', type: 'text', params: [] }).rows].map((r) => String(r.InternalID));
  if (ids.length === 0) throw new Error('the practice has no patients');
  const idParams = ids.map((id): Parameter[] => [{ name: '@id', direction: 'input', type: 'Int', value: id }]);
  let nextId = 0;
  const patient = ids[0]!;
  // Direct writes and the HTTP windows share the slots: each is booked once.
  let nextSlot = 0;
  const slotParams = (s: FreeSlot): Parameter[] => [
    { name: '@d', direction: 'input', type: 'Date', value: s.date },
    { name: '@t', direction: 'input', type: 'Int', value: String(s.time) },
    { name: '@len', direction: 'input', type: 'Int', value: String(s.length) },
    { name: '@u', direction: 'input', type: 'Int', value: String(s.userId) },
    { name: '@p', direction: 'input', type: 'Int', value: patient },
  ];
  return [
    {
      key: 'param', label: 'param 1-row', text: PARAM_TEXT, rows: 1,
      bodies: { kind: 'rotate', bodies: idParams.map((ps) => reader(PARAM_TEXT, ps)) },
      direct: (d) => drain(d.execute({ text: PARAM_TEXT, type: 'text', params: simParams(idParams[nextId++ % idParams.length]!) }).rows),
    },
    {
      key: 'literal', label: 'literal 1-row', text: LITERAL_TEXT, rows: 1,
      bodies: { kind: 'fixed', body: reader(LITERAL_TEXT) },
      direct: (d) => drain(d.execute({ text: LITERAL_TEXT, type: 'text', params: [] }).rows),
    },
    {
      key: 'five', label: '500-row', text: FIVE_TEXT, rows: 500,
      bodies: { kind: 'fixed', body: reader(FIVE_TEXT) },
      direct: (d) => drain(d.execute({ text: FIVE_TEXT, type: 'text', params: [] }).rows),
    },
    {
      key: 'wide', label: '500-row wide', text: WIDE_TEXT, rows: 500,
      bodies: { kind: 'fixed', body: reader(WIDE_TEXT) },
      direct: (d) => drain(d.execute({ text: WIDE_TEXT, type: 'text', params: [] }).rows),
    },
    {
      key: 'write', label: 'booking write', text: WRITE_TEXT, rows: 1,
      bodies: {
        kind: 'once',
        take: (n) => {
          const taken = slots.slice(nextSlot, nextSlot + n);
          nextSlot += taken.length;
          return taken.map((slot) => reader(WRITE_TEXT, slotParams(slot)));
        },
      },
      direct: (d) => {
        const slot = slots[nextSlot++];
        if (!slot) return undefined;
        const rows = [...d.execute({ text: WRITE_TEXT, type: 'text', params: simParams(slotParams(slot)) }).rows];
        if (!(Number(rows[0]?.id) > 0)) throw new Error(`direct booking refused (RETURN ${String(rows[0]?.id)}): the slot was not free`);
        return drain(rows);
      },
      check: 'appointment-id',
    },
  ];
}
