// Prometheus metrics (prom-client): one Registry per service instance, so two services in one test
// process never share series. Names are realtime_*, series start at zero (docs/STYLE.md §8), and
// /metrics is protected by a Bearer JWT signed with METRICS_JWT_SECRET (docs/PROTOCOL.md §10).
import client from 'prom-client';
import { jwtVerify } from 'jose';

export { client };
export type Registry = client.Registry;

export function createRegistry(service: string, collectDefaults = true): client.Registry {
  const registry = new client.Registry();
  registry.setDefaultLabels({ service });
  if (collectDefaults) client.collectDefaultMetrics({ register: registry, prefix: 'realtime_process_' });
  return registry;
}

/** True when `authorization` is `Bearer <JWT signed with secret>` (exp checked if present). */
export async function metricsAuthorized(authorization: string | undefined, secret: string): Promise<boolean> {
  const token = /^Bearer\s+(.+)$/i.exec(authorization ?? '')?.[1];
  if (!token || !secret) return false;
  try {
    await jwtVerify(token, new TextEncoder().encode(secret));
    return true;
  } catch {
    return false;
  }
}

/** Renders the registry if authorized: the caller maps `null` to HTTP 403. */
export async function scrape(registry: client.Registry, authorization: string | undefined, secret: string) {
  if (!(await metricsAuthorized(authorization, secret))) return null;
  return { contentType: registry.contentType, body: await registry.metrics() };
}

export { consumerLagGauge, consumerRecordsSkippedCounter } from './shared-series.ts';

export { startOpsServer, type OpsServer, type OpsServerOptions } from './ops-server.ts';
