// Small HTTP helpers shared by the booking server's pages: errors, forms, and sending a page.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { layout, type Page } from './chrome.js';
import type { Raw } from './html.js';

/** An error page with this status and a message for the person reading it. */
export class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/** Reads an urlencoded form body (64 KiB at most). */
export async function readForm(req: IncomingMessage, limit = 64 * 1024): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > limit) throw new HttpError(413, 'Form too large');
    chunks.push(c);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', 'referrer-policy': 'same-origin',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'",
};

/** Sends pages in the product's layout, and redirects after a form (303). */
export interface Pages {
  send(res: ServerResponse, status: number, title: string, body: Raw): void;
  show(res: ServerResponse, page: Page): void;
  redirect(res: ServerResponse, to: string): void;
}

export function pages(productName: string): Pages {
  const send = (res: ServerResponse, status: number, title: string, body: Raw): void => {
    res.writeHead(status, PAGE_HEADERS).end(layout(productName, title, body));
  };
  return {
    send,
    show: (res, page) => send(res, page.status ?? 200, page.title, page.body),
    redirect: (res, to) => {
      res.writeHead(303, { location: to }).end();
    },
  };
}

/** One part of the server's routing: serves the request and answers true, or answers false to pass it on. */
export type Route = (req: IncomingMessage, res: ServerResponse, url: URL, parts: string[]) => Promise<boolean>;
