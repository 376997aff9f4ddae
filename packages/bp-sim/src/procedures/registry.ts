// Procedure lookup, argument binding (named or positional, case-insensitive, with or without '@'),
// type conversion with SQL Server's error numbers (conversions.ts), and transactional execution of write procedures.
import type Database from 'better-sqlite3';
import { LruCache, cacheSettings } from '../cache.js';
import { SqlServerError } from '../errors.js';
import { convertValue, sourceTypeOf } from '../conversions.js';
import { type ParamType, type ProcDef, type ProcResult } from './types.js';
import { lookupProcedures } from './lookups.js';
import { appointmentReadProcedures } from './appointments-read.js';
import { appointmentWriteProcedures } from './appointments-write.js';
import { patientProcedures } from './patients.js';
import { clinicalProcedures } from './clinical.js';

/** One argument of a call; sqlType is the type it arrives with (Halo SqlDbType or the variable's declared type). */
export interface ProcArg { name?: string; value: unknown; isDefault?: boolean; sqlType?: string }

const PROCEDURES = new Map<string, ProcDef>(
  [...lookupProcedures, ...appointmentReadProcedures, ...patientProcedures, ...appointmentWriteProcedures, ...clinicalProcedures].map((p) => [p.name.toUpperCase(), p]),
);

export const procedureNames = (): string[] => [...PROCEDURES.values()].map((p) => p.name);

const resolved = new LruCache<string, ProcDef>(128);

/** Accepts BP_X, dbo.BP_X, [dbo].[BP_X], BPSPatients.dbo.BP_X (any case); anything else is error 2812. */
export function findProcedure(nameAsGiven: string): ProcDef {
  const known = cacheSettings.enabled ? resolved.get(nameAsGiven) : undefined;
  if (known) return known;
  const def = resolveProcedure(nameAsGiven);
  if (cacheSettings.enabled) resolved.set(nameAsGiven, def);
  return def;
}

function resolveProcedure(nameAsGiven: string): ProcDef {
  const parts = nameAsGiven.trim().split('.').map((p) => p.replace(/^\[(.*)\]$/, '$1').replace(/^"(.*)"$/, '$1').trim());
  const name = (parts.pop() ?? '').toUpperCase();
  const schema = (parts.pop() ?? 'dbo').toUpperCase();
  const database = (parts.pop() ?? 'BPSPatients').toUpperCase();
  const def = PROCEDURES.get(name);
  if (!def || parts.length > 0 || !['DBO', ''].includes(schema) || database !== 'BPSPATIENTS') {
    throw new SqlServerError(2812, `Could not find stored procedure '${nameAsGiven}'.`);
  }
  return def;
}

/** A caller's value converted to the parameter's type: SQL Server's parameter conversion (errors 8114 / 206). */
export function convertArg(value: unknown, type: ParamType, sqlType?: string): unknown {
  return convertValue(value, type, { context: 'parameter', from: sourceTypeOf(value, sqlType) });
}

/** Binds caller arguments to the procedure's parameters exactly as SQL Server reports mistakes. */
export function bindArgs(def: ProcDef, args: ProcArg[]): { values: Record<string, unknown>; supplied: Set<string> } {
  const values: Record<string, unknown> = {};
  const supplied = new Set<string>();
  let namedSeen = false;
  args.forEach((arg, position) => {
    let param;
    if (arg.name !== undefined) {
      namedSeen = true;
      const key = arg.name.replace(/^@/, '').toLowerCase();
      param = def.params.find((p) => p.name === key);
      if (!param) throw new SqlServerError(8145, `@${arg.name.replace(/^@/, '')} is not a parameter for procedure ${def.name}.`);
    } else {
      if (namedSeen) {
        throw new SqlServerError(119, `Must pass parameter number ${position + 1} and subsequent parameters as '@name = value'. After the form '@name = value' has been used, all subsequent parameters must be passed in the form '@name = value'.`, 15);
      }
      param = def.params[position];
      if (!param) throw new SqlServerError(8144, `Procedure or function ${def.name} has too many arguments specified.`);
    }
    if (supplied.has(param.name)) throw new SqlServerError(8143, `Parameter '@${param.name}' was supplied multiple times.`);
    if (arg.isDefault) return;
    supplied.add(param.name);
    values[param.name] = convertArg(arg.value, param.type, arg.sqlType);
  });
  for (const p of def.params) {
    if (p.required && !supplied.has(p.name)) {
      throw new SqlServerError(201, `Procedure or function '${def.name}' expects parameter '@${p.name}', which was not supplied.`);
    }
    if (!(p.name in values)) values[p.name] = null;
  }
  return { values, supplied };
}

export function callProcedure(db: Database.Database, nameAsGiven: string, args: ProcArg[]): ProcResult {
  const def = findProcedure(nameAsGiven);
  const bound = bindArgs(def, args);
  if (!def.write) return def.run(db, bound);
  // BEGIN IMMEDIATE takes the write lock before the availability check, so concurrent bookers serialise.
  return db.transaction(() => def.run(db, bound)).immediate();
}
