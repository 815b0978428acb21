// Every service's config schema, by the name docker-compose, k8s and the docs use for it.
import { gatewayConfig } from '../services/gateway/src/config.ts';
import { tenantAdminConfig } from '../services/tenant-admin/src/config.ts';
import { ingestCdcConfig } from '../services/ingest-cdc/src/config.ts';
import { presenceConfig } from '../services/presence-service/src/config.ts';
import { ratelimiterConfig } from '../services/ratelimiter/src/config.ts';

export const serviceConfigs = {
  gateway: gatewayConfig,
  'tenant-admin': tenantAdminConfig,
  'ingest-cdc': ingestCdcConfig,
  'presence-service': presenceConfig,
  ratelimiter: ratelimiterConfig,
} as const;

export type ServiceName = keyof typeof serviceConfigs;

/** The env variable that carries each service's listen port. */
export const listenPortVar: Record<ServiceName, string> = {
  gateway: 'GATEWAY_LISTEN_PORT',
  'tenant-admin': 'TENANT_ADMIN_LISTEN_PORT',
  'ingest-cdc': 'INGEST_CDC_LISTEN_PORT',
  'presence-service': 'PRESENCE_LISTEN_PORT',
  ratelimiter: 'RATELIMITER_LISTEN_PORT',
};
