// A loopback TCP proxy between a Link and the Cloud, to cut the Link's connection without touching
// either process: `cut()` resets every current connection (both ends see it at once, as when a router
// drops state and answers RST); `blackhole()` silently stops forwarding on every current connection
// and never closes it (as when a cable is pulled or a NAT entry expires: no FIN, no RST, just silence).
// New connections made afterwards are forwarded normally, so the Link can reconnect.
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export class CrashProxy {
  private readonly server: Server;
  private pairs: { link: Socket; cloud: Socket }[] = [];
  private readonly dead: Socket[] = [];

  private constructor(private readonly targetPort: number) {
    this.server = createServer((link) => {
      const cloud = connect(this.targetPort, '127.0.0.1');
      link.on('error', () => undefined);
      cloud.on('error', () => undefined);
      link.pipe(cloud);
      cloud.pipe(link);
      const pair = { link, cloud };
      this.pairs.push(pair);
      const forget = (): void => void (this.pairs = this.pairs.filter((p) => p !== pair));
      link.once('close', forget);
      cloud.once('close', forget);
    });
  }

  static async start(targetPort: number): Promise<CrashProxy> {
    const p = new CrashProxy(targetPort);
    await new Promise<void>((r) => p.server.listen(0, '127.0.0.1', r));
    return p;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  get connections(): number {
    return this.pairs.length;
  }

  cut(): void {
    for (const { link, cloud } of this.pairs.splice(0)) {
      link.resetAndDestroy();
      cloud.resetAndDestroy();
    }
  }

  blackhole(): void {
    for (const { link, cloud } of this.pairs.splice(0)) {
      link.unpipe(cloud);
      cloud.unpipe(link);
      // Swallow whatever still arrives; with the pipes gone, no end or close is passed on.
      for (const s of [link, cloud]) {
        s.on('data', () => undefined);
        this.dead.push(s);
      }
    }
  }

  async close(): Promise<void> {
    for (const { link, cloud } of this.pairs.splice(0)) {
      link.destroy();
      cloud.destroy();
    }
    for (const s of this.dead.splice(0)) s.destroy();
    await new Promise((r) => this.server.close(r));
  }
}
