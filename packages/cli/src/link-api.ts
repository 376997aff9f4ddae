// The running Link's local API (the one its "Setup third-party integrations" page uses), found
// through the `<state file>.ui.json` the Link writes when it starts its page.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

export interface LinkUi {
  url: string;
  token: string;
}

export const uiInfoFile = (stateFile: string): string => `${resolve(stateFile)}.ui.json`;

export function readLinkUi(stateFile: string): LinkUi {
  const file = uiInfoFile(stateFile);
  if (!existsSync(file)) throw new Error(`no running Link found for ${stateFile} (missing ${file}); is the Link running?`);
  return JSON.parse(readFileSync(file, 'utf8')) as LinkUi;
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
