// A state file given by mistake (the practice database itself, another program's SQLite file) must be
// refused before the Link touches it: the Link would add its tables to it and make it readable only by
// the Link's account, which can lock Bp Premier or that program out of its own file.
import Database from 'better-sqlite3';
import { existsSync, statSync } from 'node:fs';

const OWN_TABLES = new Set(['kv', 'integrations']);

export function assertLinkStateFile(file: string): void {
  if (!existsSync(file) || statSync(file).size === 0) return;
  const refuse = (what: string): Error => new Error(`${file} is not a Conduit Link state file (${what}); the Link leaves it as it is. `
    + 'Give --state a new file (or leave --state out: the default is <database>.link-state); --database is the practice database.');
  if (statSync(file).isDirectory()) throw refuse('it is a folder');
  let tables: string[];
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'").all() as { name: string }[]).map((r) => r.name);
  } catch {
    throw refuse('not an SQLite database');
  } finally {
    db?.close();
  }
  const foreign = tables.filter((t) => !OWN_TABLES.has(t));
  if (foreign.length) throw refuse(`it holds another program's tables: ${foreign.slice(0, 3).join(', ')}${foreign.length > 3 ? ', …' : ''}`);
}
