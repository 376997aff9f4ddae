// What the query side needs from webhooks: an event to deliver, durably, at least once.
export interface WebhookEvent {
  integratorId: string;
  siteId: string;
  queryId: string;
  source: 'async' | 'registered';
  /** When the query completed (ISO 8601). */
  occurredAt: string;
}

export interface WebhookEmitter {
  /** Stores the event in the outbox (if the integrator has a webhook) and returns; delivery is separate. */
  enqueue(event: WebhookEvent): Promise<void>;
}
