// The Halo general error envelope, {"error":{"status","statusText","message"}}, as one exception type.
import { STATUS_CODES } from 'node:http';

export class ApiError extends Error {
  constructor(readonly status: number, message: string, readonly headers: Record<string, string> = {}) {
    super(message);
    this.name = 'ApiError';
  }
}

export function envelope(status: number, message: string): { error: { status: number; statusText: string; message: string } } {
  return { error: { status, statusText: STATUS_CODES[status] ?? 'Error', message } };
}

export const MESSAGES = {
  missingKey: 'Access denied due to missing subscription key. Make sure to include subscription key when making requests to an API.',
  invalidKey: 'Access denied due to invalid subscription key. Make sure to provide a valid key for an active subscription.',
  siteNotFound: 'No site with this Halo GUID is known to this Cloud.',
  queryNotFound: 'No query with this id exists for this site and integrator.',
  siteOffline: 'Site could not be contacted, please try again later or contact a system administrator.',
  siteUnreachable: 'Site has not been heard from for more than two minutes; it is unreachable. Try again later.',
  siteDropped: 'Site lost its connection to the Cloud moments ago and has not reconnected yet; it is unreachable. Try again shortly.',
  storeDown: "The Cloud's database is not answering, so the request could not be completed. Try again shortly.",
  clusterDown: "The Cloud could not reach the node that holds this site's connection: its cluster bus is not answering. The site may be fine; the fault is in the Cloud. Try again shortly.",
} as const;
