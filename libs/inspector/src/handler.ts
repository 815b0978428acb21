// The Inspector's routes, as a plain Node middleware (req, res, next) so any HTTP server can mount
// it: express in the gateway (services/gateway/src/transport/http.ts). Everything it serves is
// static except /inspector/config.json, which offers the page a default tenant and, for the local
// stack only, the tenant's public anon key (never a service key or a secret).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { bundler, webDir } from './bundle.ts';

export interface InspectorOptions {
  /** Tenant the page preselects ('' for none). */
  tenant: string;
  /** A public anon token the page may offer for that tenant ('' for none). */
  anonKey: string;
  /** Told when the page's script cannot be built (the page then answers 500). */
  onError: (err: unknown) => void;
}

export type Middleware = (req: IncomingMessage, res: ServerResponse, next: () => void) => void;

// The page talks to tenant hosts (ws:, http:) and tenant-admin, possibly on other origins.
const headers = {
  'content-security-policy': "default-src 'self'; connect-src *; img-src 'self' data:; style-src 'self'; script-src 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

export function createInspector(options: InspectorOptions): Middleware {
  const script = bundler();
  const file = (name: string) => () => readFile(join(webDir, name), 'utf8');
  const routes: Record<string, { type: string; body: () => Promise<string> }> = {
    '/inspector': { type: 'text/html; charset=utf-8', body: file('index.html') },
    '/inspector/new': { type: 'text/html; charset=utf-8', body: file('index.html') },
    '/inspector/inspector.css': { type: 'text/css; charset=utf-8', body: file('inspector.css') },
    '/inspector/app.js': { type: 'text/javascript; charset=utf-8', body: script },
    '/inspector/config.json': {
      type: 'application/json',
      body: async () => JSON.stringify({ tenant: options.tenant || null, anonKey: options.anonKey || null }),
    },
  };
  return (req, res, next) => {
    const path = (req.url ?? '/').split('?')[0]!.replace(/\/+$/, '');
    const route = routes[path];
    if (!route || (req.method !== 'GET' && req.method !== 'HEAD')) return next();
    route.body().then((body) => {
      res.writeHead(200, { ...headers, 'content-type': route.type });
      res.end(req.method === 'HEAD' ? undefined : body);
    }, (err: unknown) => {
      options.onError(err);
      res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('The Inspector could not be built; see the server log.\n');
    });
  };
}
