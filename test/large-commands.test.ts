// A command travels to the Link in one WebSocket frame, and a frame over what the Link takes closes its
// connection, failing every query in flight at the practice. Commands up to the request limit must reach
// the Link; anything the Link could not take is refused at the Cloud, and the practice stays connected.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { System, rowsOf } from './support/system.js';

let sys: System;
let disconnects = 0;
before(async () => {
  sys = await System.start();
  sys.link!.on('disconnected', () => disconnects++);
});
after(async () => {
  await sys.close();
});

/** A reader query whose text is about `bytes` long: one long string literal, measured by the database. */
const longSelect = (bytes: number): { text: string; literal: number } => {
  const literal = bytes - 40;
  return { text: `SELECT LEN('${'x'.repeat(literal)}') AS N`, literal };
};

test('a command over 1 MiB (and under the 4 MB request limit) runs at the practice', { timeout: 30_000 }, async () => {
  const { text, literal } = longSelect(3 * 1024 * 1024);
  const slow = sys.immediate({ text: 'SELECT COUNT(*) AS N FROM BPS_Patients a, BPS_Patients b WHERE a.InternalID < 400 AND b.InternalID < 400' });
  const res = await sys.immediate({ text });
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(rowsOf(res), [{ N: literal }]);
  assert.equal((await slow).status, 200, 'a query in flight at the same practice is not disturbed');
  assert.equal(disconnects, 0, 'the Link kept its connection');
});

test('a frame the Link could not take is not sent: the query gets 413 and the practice stays connected', { timeout: 30_000 }, async () => {
  // As if the site's Link took only 256 KiB: the route's own check measures against the Link's version,
  // so this reaches the last line of defence, the session, which must not send it.
  const session = sys.cloud.gateway.session(sys.siteId)!;
  const real = session.maxFrameBytes;
  Object.defineProperty(session, 'maxFrameBytes', { value: 256 * 1024 });
  try {
    const res = await sys.immediate({ text: longSelect(300 * 1024).text });
    assert.equal(res.status, 413, res.text);
    assert.equal(res.json.errorDetails.errorType, 'http');
    assert.match(res.json.errorDetails.errorMessage, /larger than this practice's Conduit Link takes/);
    const small = await sys.immediate({ text: longSelect(200 * 1024).text });
    assert.equal(small.status, 200, small.text);
  } finally {
    Object.defineProperty(session, 'maxFrameBytes', { value: real });
  }
  assert.equal(disconnects, 0, 'the Link kept its connection');
  const after = await sys.immediate({ text: 'SELECT 1 AS N' });
  assert.equal(after.status, 200);
});

test('a registered query that would make the site\'s registered set larger than its Link takes is refused with 413', { timeout: 30_000 }, async () => {
  const session = sys.cloud.gateway.session(sys.siteId)!;
  const site = await sys.cloud.store.site(sys.siteId);
  const body = (bytes: number): Record<string, unknown> => ({
    name: 'big', registeredQueryType: 'query', frequency: 60, duration: 3600,
    registerCommand: { command: { text: longSelect(bytes).text } },
  });
  const path = `/integrator/sites/${sys.siteId}/queries/registered`;
  // Three of 3 MB fit in no Link's frame of 8 MiB: the third is refused, and the first two still reach the Link.
  assert.equal((await sys.api('POST', path, body(3 * 1024 * 1024))).status, 202);
  assert.equal((await sys.api('POST', path, body(3 * 1024 * 1024))).status, 202);
  const third = await sys.api('POST', path, body(3 * 1024 * 1024));
  assert.equal(third.status, 413, third.text);
  assert.match(third.json.error.message, new RegExp(`Conduit Link \\(${site!.linkVersion.replace(/\./g, '\\.')}\\) takes at most`));
  const listed = await sys.api('GET', path);
  assert.equal(listed.json.registeredQueries.length, 2);
  assert.equal(session, sys.cloud.gateway.session(sys.siteId), 'the same connection');
  assert.equal(disconnects, 0, 'the Link kept its connection');
  for (const r of listed.json.registeredQueries as { id: string }[]) assert.equal((await sys.api('DELETE', `${path}/${r.id}`)).status, 204);
});
