// Paces background (async and registered) uploads on the Cloud socket: at most `windowBytes` of them
// are in the socket at once, so an immediate query's result, sent directly, never waits behind more
// than that. Order is kept: a page's chunks, then its page message, then the completion.
import type { WebSocket } from 'ws';

type Item = { data: Buffer | string };

export class Uploader {
  private queue: Item[] = [];
  private inFlight = 0;

  constructor(private readonly socket: () => WebSocket | undefined, private readonly windowBytes = 128 * 1024) {}

  send(data: Buffer | string): void {
    this.queue.push({ data });
    this.pump();
  }

  /** Drops what is waiting (the connection closed). */
  clear(): void {
    this.queue = [];
    this.inFlight = 0;
  }

  private pump(): void {
    const ws = this.socket();
    if (!ws || ws.readyState !== ws.OPEN) return;
    while (this.queue.length > 0 && this.inFlight < this.windowBytes) {
      const { data } = this.queue.shift()!;
      const n = typeof data === 'string' ? Buffer.byteLength(data) : data.length;
      this.inFlight += n;
      ws.send(data, () => {
        this.inFlight = Math.max(0, this.inFlight - n);
        this.pump();
      });
    }
  }
}
