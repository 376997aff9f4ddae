// Webhook URL templates: an absolute http(s) URL with optional {siteId}, {queryId} and {source} placeholders.
import type { WebhookEvent } from './types.js';

export const MAX_WEBHOOK_URL_LENGTH = 2048;
const PLACEHOLDERS = ['siteId', 'queryId', 'source'] as const;

/** Throws an Error saying what is wrong, or returns the template unchanged (trimmed). */
export function validateUrlTemplate(template: string): string {
  const t = template.trim();
  if (!t) throw new Error('webhook URL is empty');
  if (t.length > MAX_WEBHOOK_URL_LENGTH) throw new Error(`webhook URL is longer than ${MAX_WEBHOOK_URL_LENGTH} characters`);
  for (const m of t.matchAll(/\{([^{}]*)\}/g)) {
    if (!(PLACEHOLDERS as readonly string[]).includes(m[1]!)) {
      throw new Error(`unknown placeholder {${m[1]}} in webhook URL (allowed: ${PLACEHOLDERS.map((p) => `{${p}}`).join(', ')})`);
    }
  }
  let url: URL;
  try {
    url = new URL(expand(t, { siteId: 'site', queryId: 'query', source: 'async' }));
  } catch {
    throw new Error('webhook URL is not an absolute URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error('webhook URL must use http or https');
  // Credentials in the URL would be a secret stored in clear; the signature is how receivers authenticate us.
  if (url.username || url.password) throw new Error('webhook URL must not contain a user name or password');
  return t;
}

function expand(template: string, v: Record<(typeof PLACEHOLDERS)[number], string>): string {
  return template.replace(/\{(siteId|queryId|source)\}/g, (_, k: (typeof PLACEHOLDERS)[number]) => encodeURIComponent(v[k]));
}

/** The URL for one event: each placeholder replaced by the event's value, percent-encoded. */
export function expandUrlTemplate(template: string, event: Pick<WebhookEvent, 'siteId' | 'queryId' | 'source'>): string {
  return expand(template, { siteId: event.siteId, queryId: event.queryId, source: event.source });
}
