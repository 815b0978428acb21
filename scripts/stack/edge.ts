// The local stack's single origin (http://localhost:4000, like the reference): /api/tenants,
// /api/openapi, /api/cluster and /status go to tenant-admin, everything else (WebSocket upgrades included) to the gateways, round-robin.
// Only for local development; in production a load balancer or ingress plays this part.
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import { connect } from 'node:net';
import type { Duplex } from 'node:stream';

export interface EdgeOptions {
  port: number;
  adminPort: number;
  gatewayPorts: number[];
}

export function startEdge({ port, adminPort, gatewayPorts }: EdgeOptions): Promise<Server> {
  let next = 0;
  const pick = (url: string | undefined) => {
    const path = (url ?? '/').replace(/^\/realtime\/v1(?=\/)/, '');
    if (path.startsWith('/api/tenants') || /^\/(api\/openapi|api\/cluster|status)(\?|$)/.test(path)) return adminPort;
    next = (next + 1) % gatewayPorts.length;
    return gatewayPorts[next]!;
  };
  const server = createServer((req, res) => {
    const upstream = request({ host: '127.0.0.1', port: pick(req.url), method: req.method, path: req.url, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: 'upstream unavailable' }));
    });
    req.pipe(upstream);
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const upstream = connect(pick(req.url), '127.0.0.1', () => {
      const lines = [`${req.method} ${req.url} HTTP/1.1`];
      for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
      upstream.write(lines.join('\r\n') + '\r\n\r\n');
      if (head.length) upstream.write(head);
      upstream.pipe(socket).pipe(upstream);
    });
    const end = () => { upstream.destroy(); socket.destroy(); };
    upstream.on('error', end);
    socket.on('error', end);
  });
  return new Promise((resolve, reject) => server.once('error', reject).listen(port, () => resolve(server)));
}
