// The machine's HTTP ceiling: a bare node:http server on loopback that reads the request body and
// answers a fixed small JSON. Run as its own process: `bare-server.ts <port>`; prints its port when ready.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const BODY = Buffer.from(JSON.stringify({ status: 'successful', result: { rows: 1, data: Buffer.from('[{"InternalID":42}]').toString('base64') } }));

const server = createServer((req, res) => {
  req.on('data', () => undefined);
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': BODY.length });
    res.end(BODY);
  });
});
server.keepAliveTimeout = 72_000;
server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  console.log(`bare http listening on ${(server.address() as AddressInfo).port}`);
});
const stop = (): void => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
