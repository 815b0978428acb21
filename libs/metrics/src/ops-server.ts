// The small HTTP server of the back-end services (ingest-cdc, presence-service, ratelimiter):
// GET /healthcheck (200 `ok`, or 503 with the reason `unhealthy()` gives) and GET /metrics behind
// the METRICS_JWT_SECRET Bearer token (docs/PROTOCOL.md §10). The gateway and tenant-admin serve these from
// their own HTTP apps.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { scrape, type Registry } from './index.ts';

export interface OpsServerOptions {
  port: number;
  registry: Registry;
  metricsJwtSecret: string;
  /** A reason when the service can no longer do its work (then /healthcheck answers 503). */
  unhealthy?: () => string | null;
}

export interface OpsServer {
  port: number;
  close(): Promise<void>;
}

export async function startOpsServer(o: OpsServerOptions): Promise<OpsServer> {
  const server = createServer(async (req, res) => {
    if (req.url === '/healthcheck') {
      const reason = o.unhealthy?.() ?? null;
      return void res.writeHead(reason ? 503 : 200, { 'content-type': 'text/plain' }).end(reason ?? 'ok');
    }
    if (req.url === '/metrics') {
      const result = await scrape(o.registry, req.headers.authorization, o.metricsJwtSecret);
      return void (result ? res.writeHead(200, { 'content-type': result.contentType }).end(result.body) : res.writeHead(403).end());
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(o.port, resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
