// Direct database logins of integrations that do not go through Conduit (e.g. a booking product's
// legacy Connector), as the simulated Bp records them in SIM_INTEGRATION_LOGIN. Only the simulator
// has them: with SQL Server the practice ticks these in Bp Premier itself. Ticking one here stands in
// for that admin action in Bp, so it writes the practice database file directly.
import { listIntegrationLogins, setIntegrationLogin, type IntegrationLogin } from '@conduit/bp-sim';

export type LoginErrorCode = 'not-simulated' | 'unknown-login' | 'invalid';

export class LoginError extends Error {
  constructor(readonly code: LoginErrorCode, message: string) {
    super(message);
    this.name = 'LoginError';
  }
}

export const LOGIN_STATUS: Record<LoginErrorCode, number> = { 'not-simulated': 409, 'unknown-login': 404, invalid: 400 };

/** SQL Server's sysname length. */
const MAX_NAME = 128;

function simulator(file: string | undefined): string {
  if (file === undefined) {
    throw new LoginError('not-simulated', "Direct database logins are listed here only with the simulated Bp database. With SQL Server, tick or untick them in Bp Premier's own Setup third-party integrations screen.");
  }
  return file;
}

export function listLogins(file: string | undefined): IntegrationLogin[] {
  return listIntegrationLogins(simulator(file));
}

/** Ticks or unticks one recorded login; body { name, enabled }. Unknown names are refused, never added. */
export function saveLogin(file: string | undefined, body: unknown): IntegrationLogin {
  const db = simulator(file);
  const b = body as Record<string, unknown>;
  if (typeof b !== 'object' || b === null || typeof b.name !== 'string' || b.name.trim() === '' || b.name.length > MAX_NAME) {
    throw new LoginError('invalid', `"name" (the login's name, at most ${MAX_NAME} characters) is required.`);
  }
  if (typeof b.enabled !== 'boolean') throw new LoginError('invalid', '"enabled" (true or false) is required.');
  const name = b.name;
  const logins = listIntegrationLogins(db);
  // Exact match first, else case-insensitive as SQL Server compares login names.
  const known = logins.find((l) => l.name === name) ?? logins.find((l) => l.name.toLowerCase() === name.toLowerCase());
  if (!known) throw new LoginError('unknown-login', `No direct database login named "${name}" is recorded in the practice database.`);
  setIntegrationLogin(db, known.name, b.enabled);
  return { name: known.name, enabled: b.enabled };
}
