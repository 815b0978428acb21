// HTTP routes of the gateway (express): REST broadcast, health, metrics. Everything is also
// served under /realtime/v1 (the API-gateway form, docs/PROTOCOL.md §1.1).
import express, { type Request, type Response, type NextFunction } from 'express';
import type { Registry } from '@realtime/metrics';
import { scrape } from '@realtime/metrics';
import { parseJson } from '@realtime/protocol';
import type { Middleware } from '@realtime/inspector';
import { ErrorCodes, HttpStatus, statusOf } from '@realtime/errors';
import type { GatewayContext } from '../core/context/context.ts';
import type { Tenant } from '../core/base/tenant.ts';
import { tenantFromHost } from '../core/base/tenant.ts';
import type { Claims } from '../core/auth/jwt.ts';
import { InflightBudget, type InflightLimits } from '../core/limits/inflight.ts';
import { batchBroadcastText, singleBroadcast, type RestResult } from '../core/broadcast/rest.ts';
import { xHeaders } from '../core/base/x-headers.ts';
import { messageOf } from '../core/base/messages.ts';

export interface HttpOptions {
  /** True once a restart drain began: /healthcheck answers 503 so the load balancer stops sending clients. */
  draining?: () => boolean;
  registry: Registry;
  metricsJwtSecret: string;
  maxBodyBytes: number;
  /** Most messages in one POST /api/broadcast. */
  maxBatchMessages: number;
  /** Budgets of REST body bytes held at once (all tenants, one tenant). */
  inflight: InflightLimits;
  /** The Inspector's routes (GATEWAY_INSPECTOR), mounted as they are. */
  inspector?: Middleware;
}

type Authed = Request & { tenant?: Tenant; claims?: Claims };

export function createHttpApp(g: GatewayContext, options: HttpOptions): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.use((req, res, next) => {
    res.setHeader('access-control-allow-origin', '*');
    res.setHeader('access-control-allow-headers', 'authorization, apikey, content-type, x-client-info');
    if (req.method === 'OPTIONS') return void res.status(HttpStatus.NoContent).end();
    if (req.url.startsWith('/realtime/v1/')) req.url = req.url.slice('/realtime/v1'.length);
    next();
  });
  if (options.inspector) app.use(options.inspector);
  app.get('/healthcheck', (_req, res) => {
    if (options.draining?.()) return void res.status(HttpStatus.ServiceUnavailable).type('text/plain').send('draining');
    res.type('text/plain').send('ok');
  });
  // Needs a known tenant Host, like the reference: tests poll it to know a gateway learned a tenant.
  app.get('/api/ping', (req, res) => {
    if (!g.tenant(tenantFromHost(req.headers.host) ?? '')) return void res.status(statusOf(ErrorCodes.TenantNotFound)).json({ message: messageOf(ErrorCodes.TenantNotFound) });
    res.json({ message: 'Success' });
  });
  app.get('/metrics', async (req, res) => {
    const result = await scrape(options.registry, req.headers.authorization, options.metricsJwtSecret);
    if (!result) return void res.status(HttpStatus.Forbidden).end();
    res.type(result.contentType).send(result.body);
  });

  const auth = authenticate(g);
  const admit = admitBody(g, new InflightBudget(options.inflight), options.maxBodyBytes);
  // Read as text: the core looks at the batch's size and depth before it pays for JSON.parse.
  // No inflating: a compressed body would hold many times the bytes it reserved in the budget.
  const text = express.text({ limit: options.maxBodyBytes, type: () => true, inflate: false });
  app.post('/api/broadcast', auth, admit, text, async (req: Authed, res) => {
    const body = typeof req.body === 'string' ? req.body : '';
    send(res, await batchBroadcastText(g, req.tenant!, req.claims!, body, options.maxBatchMessages, xHeaders(req.headers)));
  });
  app.post('/api/broadcast/:topic/events/:event', auth, admit, express.raw({ limit: options.maxBodyBytes, type: () => true, inflate: false }), async (req: Authed, res) => {
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (type && type !== 'application/json' && type !== 'application/octet-stream') {
      return void res.status(HttpStatus.UnsupportedMediaType).json({ error: 'Unsupported Media Type. Use application/json or application/octet-stream' });
    }
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const encoding = type === 'application/octet-stream' ? 'binary' : 'json';
    if (encoding === 'json' && !isJson(body)) return void res.status(HttpStatus.UnprocessableEntity).json({ errors: { payload: ['is invalid'] } });
    const isPrivate = req.query.private === 'true';
    send(res, await singleBroadcast(g, req.tenant!, req.claims!, String(req.params.topic), String(req.params.event), isPrivate, body, encoding, xHeaders(req.headers)));
  });
  app.use((err: Error & { status?: number; type?: string }, _req: Request, res: Response, _next: NextFunction) => {
    if (err.type === 'entity.too.large') return void res.status(HttpStatus.PayloadTooLarge).json({ message: 'Payload too large' });
    if (err.status === HttpStatus.BadRequest) return void res.status(HttpStatus.UnprocessableEntity).json({ errors: { messages: ['is invalid'] } });
    // A compressed body or an unknown charset: the client's mistake, not a failure of ours to log.
    if (err.status === HttpStatus.UnsupportedMediaType) return void res.status(HttpStatus.UnsupportedMediaType).json({ message: 'Unsupported content encoding or charset' });
    g.log.error({ err: String(err) }, 'http handler failed');
    res.status(statusOf(ErrorCodes.HttpServerError)).json({ message: 'Internal server error' });
  });
  return app;
}

/** Tenant from Host; JWT from `Authorization: Bearer`, else the `apikey` header (docs/PROTOCOL.md §4 REST). */
function authenticate(g: GatewayContext) {
  return async (req: Authed, res: Response, next: NextFunction) => {
    const tenant = g.tenant(tenantFromHost(req.headers.host) ?? '');
    if (!tenant) return void res.status(HttpStatus.Unauthorized).json({ message: 'Tenant not found in database' });
    if (tenant.suspend) return void res.status(HttpStatus.Forbidden).json({ message: 'Tenant is suspended' });
    const bearer = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const apikey = req.headers.apikey;
    const verified = await g.verify(bearer ?? (typeof apikey === 'string' ? apikey : null), tenant);
    if (!verified.ok) return void res.status(HttpStatus.Unauthorized).json({ message: 'Unauthorized' });
    req.tenant = tenant;
    req.claims = verified.claims;
    next();
  };
}

/**
 * Reserves the body's declared size (the body limit when it declares none) in the in-flight
 * budget before the body is read, and frees it when the response is done or the client goes away.
 * Past the budget: 429 in the reference's plug form, the body never read.
 */
function admitBody(g: GatewayContext, budget: InflightBudget, maxBodyBytes: number) {
  return (req: Authed, res: Response, next: NextFunction) => {
    const declared = Number(req.headers['content-length']);
    const bytes = Number.isSafeInteger(declared) && declared >= 0 ? Math.min(declared, maxBodyBytes) : maxBodyBytes;
    const tenant = req.tenant!.externalId;
    if (!budget.tryReserve(tenant, bytes)) {
      g.metrics.restBusy.inc();
      res.setHeader('connection', 'close'); // the unread body is not drained
      return void res.status(HttpStatus.TooManyRequests).json({ message: 'Too many requests' });
    }
    g.metrics.restInflightBytes.inc(bytes);
    res.once('close', () => {
      budget.release(tenant, bytes);
      g.metrics.restInflightBytes.dec(bytes);
    });
    next();
  };
}

function send(res: Response, result: RestResult): void {
  if (!('body' in result)) return void res.status(result.status).end();
  if (result.headers) res.set(result.headers);
  res.status(result.status).json(result.body);
}

// Too deep is invalid too: 1.0.0 sockets get the payload re-encoded, which would overflow the stack.
function isJson(body: Buffer): boolean {
  return parseJson(body.toString('utf8')).ok;
}
