// POST /webhooks/conduit: the Cloud's signed notifications; a registered query's result brings the
// changes made in the PMS to the change monitor. Answers 503 until a signing secret is set.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createWebhookHandler } from '@conduit/sdk';
import type { Monitor } from './monitor.js';

export class WebhookEndpoint {
  private handler: ReturnType<typeof createWebhookHandler> | undefined;

  constructor(private readonly monitor: Monitor, private readonly onError: (e: unknown) => void, secret?: string | readonly string[]) {
    if (secret) this.setSecret(secret);
  }

  /** Sets or rotates the signing secret (several are accepted while a rotation is under way). */
  setSecret(secret: string | readonly string[]): void {
    this.handler = createWebhookHandler({
      secret,
      onNotification: async (payload) => {
        if (payload.webhookSource === 'registered') await this.monitor.onResult(payload.siteId, payload.queryId);
      },
      onError: this.onError,
    });
  }

  handle(req: IncomingMessage, res: ServerResponse): void {
    if (!this.handler) {
      res.writeHead(503, { 'content-type': 'text/plain' }).end('webhook secret not configured');
      return;
    }
    this.handler(req, res);
  }
}
