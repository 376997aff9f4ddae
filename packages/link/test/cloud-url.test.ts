// The Link's WebSocket address: TLS whenever the Cloud's address asks for it, and the address's path kept
// as a prefix (a Cloud behind a reverse proxy under a path).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { linkSocketUrl } from '../src/cloud-url.js';

test('an https:// or wss:// Cloud is reached over wss://, an http:// or ws:// one over ws://', () => {
  assert.equal(linkSocketUrl('https://conduit.example.com'), 'wss://conduit.example.com/link/v1/connect');
  assert.equal(linkSocketUrl('wss://conduit.example.com'), 'wss://conduit.example.com/link/v1/connect');
  assert.equal(linkSocketUrl('http://127.0.0.1:8080'), 'ws://127.0.0.1:8080/link/v1/connect');
  assert.equal(linkSocketUrl('ws://127.0.0.1:8080/'), 'ws://127.0.0.1:8080/link/v1/connect');
});

test("the Cloud address's path is kept as the prefix; a query or fragment is dropped", () => {
  assert.equal(linkSocketUrl('https://example.com/conduit'), 'wss://example.com/conduit/link/v1/connect');
  assert.equal(linkSocketUrl('https://example.com/conduit/'), 'wss://example.com/conduit/link/v1/connect');
  assert.equal(linkSocketUrl('https://example.com:8443/a/b?x=1#y'), 'wss://example.com:8443/a/b/link/v1/connect');
});
