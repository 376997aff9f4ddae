// The running Link's local API (the one its "Setup third-party integrations" page uses), found
// through the `<state file>.ui.json` the Link writes when it starts its page.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { accountName } from './file-access.js';

export interface LinkUi {
  url: string;
  token: string;
}

export const uiInfoFile = (stateFile: string): string => `${resolve(stateFile)}.ui.json`;

export function readLinkUi(stateFile: string): LinkUi {
  const file = uiInfoFile(stateFile);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new Error(`no running Link found for ${stateFile} (missing ${file}); is the Link running?`, { cause: e });
    // A Link run as a service keeps its state folder to its own account: not "no Link", but not this account's to read.
    if (code === 'EACCES' || code === 'EPERM') {
      throw new Error(`the account "${accountName()}" may not read ${file}, where the running Link leaves its address: run this command as the account the Link runs as (a Link run as a service: see docs/link-service.md)`, { cause: e });
    }
    throw e;
  }
  return JSON.parse(text) as LinkUi;
}

export async function callLink(ui: LinkUi, method: string, path: string, body?: unknown): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(new URL(path, ui.url), {
      method,
      headers: { 'x-conduit-token': ui.token, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
  } catch {
    throw new Error(`the Link at ${ui.url} is not answering; is it running?`);
  }
  // A page left by a Link that has stopped, whose port another program (or another Link) now holds.
  const stale = `the Link for this state file is not at ${ui.url} (${uiInfoFileNote}); is it running? Start it, or give its --state`;
  if (res.status === 401 || res.status === 421) throw new Error(stale);
  let json: { error?: unknown };
  try {
    json = (await res.json()) as { error?: unknown };
  } catch {
    throw new Error(stale);
  }
  if (!res.ok) throw new Error(typeof json.error === 'string' ? json.error : `the Link answered HTTP ${res.status}`);
  return json;
}

const uiInfoFileNote = 'its address is read from <state file>.ui.json, which a Link that did not stop cleanly leaves behind';
