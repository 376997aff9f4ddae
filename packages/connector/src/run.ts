// Running a Connector as a service at the practice: settings from flags and the environment, one
// log line per change of state on stderr (never the token, never patient data), graceful stop on
// SIGTERM/SIGINT, and exit codes a service manager can act on (see EXIT_CODES).
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ConnectorAgent, DEFAULT_LOGIN_NAME, DEFAULT_STATUS_INTERVAL_MS, type AgentState, type AgentStatus } from './agent.js';

/**
 * 0: retired by the product (confirmed; do not restart) or stopped by SIGTERM/SIGINT.
 * 1: could not run (the database could not be opened, or an unexpected error).
 * 2: the product refused the practice id or token (restarting will not help).
 * 64: missing or invalid settings (EX_USAGE).
 */
export const EXIT_CODES = { ok: 0, failure: 1, unauthorised: 2, usage: 64 } as const;

export interface ConnectorSettings {
  url: string;
  practiceId: string;
  token: string;
  /** Absolute path of the practice database file. */
  databaseFile: string;
  loginName: string;
  statusIntervalMs: number;
}

/** Flags as given on the command line (commander's camelCase names); every one may come from the environment instead. */
export interface ConnectorFlags {
  url?: string;
  practice?: string;
  token?: string;
  database?: string;
  loginName?: string;
  statusIntervalMs?: string;
}

export const CONNECTOR_USAGE = `Usage: conduit-connector --url ws://HOST:PORT/connector --practice ID --database FILE [--login-name NAME] [--status-interval-ms MS]

  --url                 the product's connector endpoint, ws:// or wss://   (env CONDUIT_CONNECTOR_URL)
  --practice            this practice's id at the product                   (env CONDUIT_CONNECTOR_PRACTICE)
  --token               the practice's Connector token; prefer the env var,
                        a flag is visible to other users in the process list (env CONDUIT_CONNECTOR_TOKEN)
  --database            the practice database file                          (env CONDUIT_CONNECTOR_DATABASE)
  --login-name          the Connector's database login, as ticked in Bp's
                        "Setup third-party integrations" (default "${DEFAULT_LOGIN_NAME}") (env CONDUIT_CONNECTOR_LOGIN_NAME)
  --status-interval-ms  how often database access is re-checked (default ${DEFAULT_STATUS_INTERVAL_MS}) (env CONDUIT_CONNECTOR_STATUS_INTERVAL_MS)

Flags win over environment variables. Exit codes: 0 retired or stopped, 1 failure, 2 refused by the product, 64 bad settings.`;

/** Missing or invalid settings; `problems` has one plain sentence each. */
export class ConnectorUsageError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
    this.name = 'ConnectorUsageError';
  }
}

const ENV = {
  url: 'CONDUIT_CONNECTOR_URL',
  practice: 'CONDUIT_CONNECTOR_PRACTICE',
  token: 'CONDUIT_CONNECTOR_TOKEN',
  database: 'CONDUIT_CONNECTOR_DATABASE',
  loginName: 'CONDUIT_CONNECTOR_LOGIN_NAME',
  statusIntervalMs: 'CONDUIT_CONNECTOR_STATUS_INTERVAL_MS',
} as const;

/** Checks flags and environment together and reports every problem at once. */
export function resolveConnectorSettings(flags: ConnectorFlags, env: NodeJS.ProcessEnv = process.env): ConnectorSettings {
  const pick = (k: keyof typeof ENV): string | undefined => {
    const v = flags[k] ?? env[ENV[k]];
    return v === undefined || v.trim() === '' ? undefined : v.trim();
  };
  const problems: string[] = [];
  const url = pick('url');
  if (!url) problems.push(`--url is required (or ${ENV.url}): the product's connector endpoint, e.g. wss://booking.example/connector`);
  else {
    let parsed: URL | undefined;
    try { parsed = new URL(url); } catch { /* reported below */ }
    if (!parsed || (parsed.protocol !== 'ws:' && parsed.protocol !== 'wss:')) problems.push(`--url must be a ws:// or wss:// URL, got "${safeUrl(url)}"`);
  }
  const practiceId = pick('practice');
  if (!practiceId) problems.push(`--practice is required (or ${ENV.practice}): this practice's id at the product`);
  else if (practiceId.length > 200) problems.push('--practice is longer than 200 characters');
  const token = pick('token');
  if (!token) problems.push(`a token is required: set ${ENV.token} (or --token)`);
  else if (token.length > 512) problems.push('the token is longer than 512 characters');
  const database = pick('database');
  if (!database) problems.push(`--database is required (or ${ENV.database}): the practice database file`);
  else if (!existsSync(database)) problems.push(`--database: practice database not found: ${resolve(database)}`);
  else if (!statSync(database).isFile()) problems.push(`--database: not a file: ${resolve(database)}`);
  const loginName = pick('loginName') ?? DEFAULT_LOGIN_NAME;
  if (loginName.length > 128) problems.push('--login-name is longer than 128 characters (a SQL Server login name is at most 128)');
  const every = pick('statusIntervalMs');
  const statusIntervalMs = every === undefined ? DEFAULT_STATUS_INTERVAL_MS : Number(every);
  if (!Number.isInteger(statusIntervalMs) || statusIntervalMs < 100) problems.push(`--status-interval-ms must be a whole number of milliseconds, at least 100, got "${every}"`);
  if (problems.length > 0) throw new ConnectorUsageError(problems);
  return { url: url!, practiceId: practiceId!, token: token!, databaseFile: resolve(database!), loginName, statusIntervalMs };
}

/** Parses a command line (without node and the script), then resolves it with the environment. */
export function parseConnectorArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): ConnectorSettings {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        url: { type: 'string' }, practice: { type: 'string' }, token: { type: 'string' }, database: { type: 'string' },
        'login-name': { type: 'string' }, 'status-interval-ms': { type: 'string' },
      },
    }));
  } catch (e) {
    throw new ConnectorUsageError([(e as Error).message]);
  }
  const s = (k: string): string | undefined => (typeof values[k] === 'string' ? values[k] : undefined);
  return resolveConnectorSettings({
    url: s('url'), practice: s('practice'), token: s('token'), database: s('database'),
    loginName: s('login-name'), statusIntervalMs: s('status-interval-ms'),
  }, env);
}

/** The URL without credentials, query or fragment: fit for a log line. */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(not a URL)';
  }
}

export interface RunConnectorOptions {
  /** Where log lines go (default: stderr, one line each, with a timestamp). */
  log?: (line: string) => void;
  /** Stop gracefully on SIGTERM and SIGINT (default true). */
  handleSignals?: boolean;
  /** Reconnect backoff, for tests. */
  backoff?: { initialMs?: number; maxMs?: number };
}

const stderrLine = (line: string): void => { process.stderr.write(`${new Date().toISOString()} conduit-connector: ${line}\n`); };

function describeStatus(s: AgentStatus, loginName: string): string {
  if (s.databaseAccess) return `database access: granted (login "${loginName}"; ${s.pmsVersion ?? 'Bp Premier version unknown'})`;
  return `database access: REFUSED — SQL Server refuses the login "${loginName}" (error 18456); the practice has unticked this integration in Bp's "Setup third-party integrations"; requests fail until it is ticked again`;
}

/** Runs the agent until it is retired, refused or stopped; resolves with the process exit code. */
export async function runConnector(settings: ConnectorSettings, opts: RunConnectorOptions = {}): Promise<number> {
  const log = opts.log ?? stderrLine;
  let lastError: string | undefined;
  let previous: AgentState = 'idle';
  const onState = (state: AgentState): void => {
    const was = previous;
    previous = state;
    if (state === 'connecting') { if (was !== 'waiting') log(`connecting to ${safeUrl(settings.url)}`); return; }
    if (state === 'online') { log(`online: connected to ${safeUrl(settings.url)} as practice ${settings.practiceId}`); return; }
    if (state === 'waiting' && was === 'retiring') { log('the product did not record the retirement: the practice database is open again; reconnecting'); return; }
    if (state === 'waiting') { log(`not connected${lastError ? ` (${lastError})` : ''}; retrying with backoff`); lastError = undefined; return; }
    if (state === 'unauthorised') { log(`refused by the product: practice id or token not accepted (or this Connector was retired); not retrying`); return; }
    if (state === 'retiring') { log('shutdown asked by the product: the practice database is closed; waiting for the product to record the retirement'); return; }
    if (state === 'retired') { log('retired by the product: the practice database is closed; exiting and not restarting'); return; }
    if (state === 'stopped') log('stopped');
  };
  const agent = new ConnectorAgent({
    url: settings.url, practiceId: settings.practiceId, token: settings.token, databaseFile: settings.databaseFile,
    loginName: settings.loginName, statusIntervalMs: settings.statusIntervalMs,
    ...(opts.backoff ? { backoff: opts.backoff } : {}),
    // Socket errors (connection refused, handshake failures) carry no secrets; the last one goes on
    // the next "not connected" line. A failed access check is logged at once.
    log: (msg) => {
      const text = msg.replace(/^connector: /, '');
      if (text.startsWith('could not check')) log(text);
      else lastError = text;
    },
    onStateChange: onState,
    onStatusChange: (s) => log(describeStatus(s, settings.loginName)),
  });
  log(`starting: practice ${settings.practiceId}, database ${settings.databaseFile}, login "${settings.loginName}"`);
  try {
    agent.start();
  } catch (e) {
    log(`cannot open the practice database ${settings.databaseFile}: ${e instanceof Error ? e.message : String(e)}`);
    agent.stop();
    return EXIT_CODES.failure;
  }
  const signals: NodeJS.Signals[] = ['SIGTERM', 'SIGINT'];
  const onSignal = (sig: NodeJS.Signals): void => { log(`${sig}: stopping`); agent.stop(); };
  if (opts.handleSignals ?? true) for (const s of signals) process.on(s, onSignal);
  try {
    const end = await agent.done();
    if (end === 'unauthorised') return EXIT_CODES.unauthorised;
    return EXIT_CODES.ok;
  } finally {
    for (const s of signals) process.off(s, onSignal);
  }
}
