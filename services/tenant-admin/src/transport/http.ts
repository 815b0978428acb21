// The management API (docs/PROTOCOL.md §8) over express 5. Only status codes and JSON shapes live here; the
// use cases are in core/tenant-service.ts.
import { ErrorCodes, HttpStatus, statusOf } from '@realtime/errors';
import express, { type ErrorRequestHandler, type Request, type Response } from 'express';
import type { Logger } from '@realtime/log';
import { scrape, type Registry } from '@realtime/metrics';
import { parseTenantBody } from '../core/tenant-input.ts';
import type { TenantService } from '../core/tenant-service.ts';
import type { ChangeHistory, ConnectedUsers } from '../ports.ts';
import type { ClusterJson } from '../core/api-schemas.ts';
import { requireApiToken, type ApiAuthOptions } from './auth.ts';
import { changesHandler } from './changes.ts';
import { openApiDocument } from './openapi.ts';
import { statusHandler } from './status.ts';

export interface HttpDeps {
  tenants: TenantService;
  changes: ChangeHistory;
  auth: ApiAuthOptions;
  registry: Registry;
  metricsJwtSecret: string;
  log: Logger;
  users: ConnectedUsers;
  node: string;
  startedAt: number;
  /** GET /api/cluster (core/cluster.ts). */
  cluster: () => Promise<ClusterJson>;
}

const notFound = (res: Response) => res.status(HttpStatus.NotFound).json({ message: 'not found' });
const param = (req: Request) => String(req.params.id);

export function createHttpApp(d: HttpDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');

  app.get('/healthcheck', (_req, res) => { res.type('text/plain').send('ok'); });
  const openapi = JSON.stringify(openApiDocument()); // built once: the schemas do not change at run time
  app.get('/api/openapi', (_req, res) => { res.type('application/json').send(openapi); });
  app.get('/status', statusHandler({ tenants: d.tenants, users: d.users, node: d.node, startedAt: d.startedAt }));
  app.get('/metrics', async (req, res) => {
    const out = await scrape(d.registry, req.headers.authorization, d.metricsJwtSecret);
    if (!out) return void res.status(HttpStatus.Forbidden).end();
    res.type(out.contentType).send(out.body);
  });

  const api = express.Router();
  api.use(requireApiToken(d.auth));
  api.use(express.json({ limit: '1mb' }));

  api.get('/tenants', async (_req, res) => { res.json({ data: await d.tenants.list() }); });
  api.get('/tenants/:id', async (req, res) => {
    const tenant = await d.tenants.get(param(req));
    if (!tenant) return void notFound(res);
    res.json({ data: tenant });
  });

  const upsert = (idFrom: (req: Request) => unknown) => async (req: Request, res: Response) => {
    const parsed = parseTenantBody(req.body);
    if (!parsed.ok) return void res.status(HttpStatus.UnprocessableEntity).json({ errors: parsed.errors });
    const id = idFrom(req);
    if (typeof id !== 'string' || id === '') return void res.status(HttpStatus.UnprocessableEntity).json({ errors: { external_id: ["can't be blank"] } });
    const result = await d.tenants.upsert(id, parsed.input);
    if (result.kind === 'invalid') return void res.status(HttpStatus.UnprocessableEntity).json({ errors: result.errors });
    d.log.info({ tenant: id, created: result.kind === 'created' }, 'tenant saved');
    // 201 once the tenant database is migrated (docs/PROTOCOL.md §8); 202 when that is still under way.
    if (result.kind === 'created') res.status(result.migrated ? HttpStatus.Created : HttpStatus.Accepted).location(`/api/tenants/${encodeURIComponent(id)}`);
    res.json({ data: result.tenant });
  };
  api.post('/tenants', upsert((req) => req.body?.tenant?.external_id));
  api.put('/tenants/:id', upsert(param));
  api.patch('/tenants/:id', upsert(param));

  api.delete('/tenants/:id', async (req, res) => {
    await d.tenants.delete(param(req));
    d.log.info({ tenant: param(req) }, 'tenant deleted');
    res.status(HttpStatus.NoContent).end();
  });
  for (const action of ['reload', 'shutdown'] as const) {
    api.post(`/tenants/:id/${action}`, async (req, res) => {
      if (!(await d.tenants[action](param(req)))) return void notFound(res);
      d.log.info({ tenant: param(req), action }, `tenant ${action} requested`);
      res.status(HttpStatus.NoContent).end();
    });
  }
  api.get('/tenants/:id/health', async (req, res) => {
    const health = await d.tenants.health(param(req));
    if (!health) return void notFound(res);
    res.json({ data: health });
  });
  api.get('/cluster', async (_req, res) => { res.set('cache-control', 'no-store').json({ data: await d.cluster() }); });
  api.get('/tenants/:id/replication', async (req, res) => {
    const replication = await d.tenants.replication(param(req));
    if (!replication) return void notFound(res);
    res.json({ data: replication });
  });
  api.get('/tenants/:id/changes', changesHandler({ tenants: d.tenants, changes: d.changes, log: d.log }));

  // The Inspector's cluster view may be served by a gateway on another origin. The admin token
  // travels in the Authorization header, never in a cookie, so any origin may ask.
  app.use('/api/cluster', (req, res, next) => {
    res.set({ 'access-control-allow-origin': '*', 'access-control-allow-headers': 'authorization' });
    if (req.method === 'OPTIONS') return void res.status(HttpStatus.NoContent).end();
    next();
  });
  app.use('/api', api);
  app.use(errorHandler(d.log));
  return app;
}

function errorHandler(log: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const status = typeof err?.status === 'number' && err.status >= HttpStatus.BadRequest && err.status < HttpStatus.InternalServerError ? err.status : statusOf(ErrorCodes.HttpServerError);
    if (status === statusOf(ErrorCodes.HttpServerError)) log.error({ code: ErrorCodes.HttpServerError, err: err instanceof Error ? err.message : String(err), path: req.path }, 'management API request failed');
    if (res.headersSent) return;
    res.status(status).json({ message: status === statusOf(ErrorCodes.HttpServerError) ? 'internal server error' : 'bad request' });
  };
}

