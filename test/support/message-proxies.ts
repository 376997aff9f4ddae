// Loopback proxies that lose one message on purpose, to test what happens when an answer (or a
// request) never arrives: a WebSocket proxy between a Connector agent and the booking server's
// /connector endpoint, and an HTTP proxy between an integrator's SDK and the Cloud. Each message is
// shown to a rule that says whether to pass it on or to cut the connection instead of passing it.
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer, type RawData } from 'ws';

export type Verdict = 'pass' | 'cut';

/** WebSocket proxy: agent <-> proxy <-> target. `fromAgent` / `fromServer` decide per text message. */
export class WsCutProxy {
  fromAgent: (text: string) => Verdict = () => 'pass';
  fromServer: (text: string) => Verdict = () => 'pass';
  cuts = 0;
  private readonly wss: WebSocketServer;

  private constructor(private readonly target: string) {
    this.wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    this.wss.on('connection', (agent) => this.join(agent));
  }

  static async start(target: string): Promise<WsCutProxy> {
    const p = new WsCutProxy(target);
    await new Promise<void>((r) => p.wss.once('listening', () => r()));
    return p;
  }

  get url(): string {
    return `ws://127.0.0.1:${(this.wss.address() as AddressInfo).port}/connector`;
  }

  private join(agent: WebSocket): void {
    const server = new WebSocket(this.target);
    const early: string[] = [];
    const cut = (): void => {
      this.cuts++;
      agent.terminate();
      server.terminate();
    };
    agent.on('message', (d: RawData) => {
      const text = String(d);
      if (this.fromAgent(text) === 'cut') return cut();
      if (server.readyState === WebSocket.OPEN) server.send(text);
      else early.push(text);
    });
    server.on('open', () => { for (const t of early.splice(0)) server.send(t); });
    server.on('message', (d: RawData) => {
      const text = String(d);
      if (this.fromServer(text) === 'cut') return cut();
      agent.send(text);
    });
    // Pass a close on with its code (4401, 4410 tell the agent to stop); anything else ends both.
    const closeCode = (code: number): number => (code >= 4000 || code === 1000 ? code : 1000);
    agent.on('close', (code) => server.close(closeCode(code)));
    server.on('close', (code) => { if (agent.readyState === WebSocket.OPEN) agent.close(closeCode(code)); });
    agent.on('error', () => undefined);
    server.on('error', () => agent.terminate());
  }

  close(): Promise<void> {
    for (const c of this.wss.clients) c.terminate();
    return new Promise((r) => this.wss.close(() => r()));
  }
}

/** What the HTTP proxy does with a request: pass it, drop it unsent, or send it and drop its answer. */
export type HttpVerdict = 'pass' | 'drop-request' | 'drop-response';

/** HTTP proxy in front of `target` (http://host:port). `rule` sees each request with its body. */
export class HttpCutProxy {
  rule: (method: string, path: string, body: string) => HttpVerdict = () => 'pass';
  dropped = 0;
  private readonly server: Server;

  private constructor(private readonly target: URL) {
    this.server = createServer((req, res) => void this.handle(req, res));
  }

  static async start(target: string): Promise<HttpCutProxy> {
    const p = new HttpCutProxy(new URL(target));
    await new Promise<void>((r) => p.server.listen(0, '127.0.0.1', () => r()));
    return p;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req as AsyncIterable<Buffer>) chunks.push(c);
    const body = Buffer.concat(chunks);
    const verdict = this.rule(req.method ?? 'GET', req.url ?? '/', body.toString('utf8'));
    if (verdict === 'drop-request') {
      this.dropped++;
      req.socket.destroy();
      return;
    }
    const up = httpRequest({ host: this.target.hostname, port: this.target.port, method: req.method, path: req.url, headers: { ...req.headers, host: this.target.host } }, (answer) => {
      const parts: Buffer[] = [];
      answer.on('data', (c: Buffer) => parts.push(c));
      answer.on('end', () => {
        if (verdict === 'drop-response') {
          this.dropped++;
          req.socket.destroy();
          return;
        }
        res.writeHead(answer.statusCode ?? 502, answer.headers).end(Buffer.concat(parts));
      });
    });
    up.on('error', () => req.socket.destroy());
    up.end(body);
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }
}
