// WebSocket connect checks in the reference's order (docs/PROTOCOL.md §1.2): tenant → token present → JWT →
// role/exp → concurrent users → joins limiter, each locally and as the ratelimiter sees it across
// all gateways. The transport turns a refusal into its HTTP form.
import { ErrorCodes, type ErrorCode } from '@realtime/errors';
import type { GatewayContext } from './context.ts';
import type { Tenant } from './tenant.ts';
import type { Claims, TokenFailureKind } from './jwt.ts';

export type ConnectResult =
  | { ok: true; tenant: Tenant; token: string; claims: Claims }
  | { ok: false; status: number; code: ErrorCode; error: string };

const refuse = (status: number, code: ErrorCode, error: string): ConnectResult => ({ ok: false, status, code, error });

// The connect form of each token failure (docs/PROTOCOL.md §1.2 table): note "Token has expired" has no age here.
const tokenErrors: Record<TokenFailureKind, [number, string]> = {
  missing: [401, 'The token provided is not a valid JWT'],
  malformed: [401, 'The token provided is not a valid JWT'],
  signature: [401, 'Failed to validate JWT signature'],
  signer: [401, 'Failed to generate JWT signer'],
  expired: [401, 'Token has expired'],
  role_exp: [401, 'Fields `role` and `exp` are required in JWT'],
  exp_invalid: [500, 'Error connecting to Realtime'],
  iat_invalid: [500, 'Error connecting to Realtime'],
  claims: [500, 'Error connecting to Realtime'],
  not_yet_valid: [401, 'Token is not valid yet'],
};

export async function checkConnect(g: GatewayContext, tenantId: string | null, token: string | null): Promise<ConnectResult> {
  const tenant = tenantId ? g.tenant(tenantId) : undefined;
  if (!tenant) return refuse(404, ErrorCodes.TenantNotFound, 'Tenant not found');
  if (tenant.suspend) return refuse(403, ErrorCodes.RealtimeDisabledForTenant, 'Realtime was disabled for this tenant');
  if (!token) return refuse(401, ErrorCodes.MissingAPIKey, 'API key is missing');
  const verified = await g.verify(token, tenant);
  if (!verified.ok) {
    const [status, error] = tokenErrors[verified.failure.kind];
    return refuse(status, status === 500 ? ErrorCodes.ErrorConnectingToWebsocket : verified.failure.code, error);
  }
  // Sockets without a channel count against no tenant limit (users are sockets with a channel), so
  // they are capped the same way: else one anon key could hold every connection slot of the
  // gateway (GATEWAY_MAX_CONNECTIONS) for all tenants.
  const sockets = g.socketCounts(tenant.externalId);
  const max = tenant.limits.maxConcurrentUsers;
  if (sockets.users >= max || sockets.idle >= max || g.throttled(tenant.externalId, 'concurrent_users')) {
    g.metrics.rateLimited.inc('concurrent_users');
    return refuse(429, ErrorCodes.ConnectionRateLimitReached, 'Too many connected users');
  }
  if (g.limits.joinsTriggered(tenant.externalId, tenant.limits.maxJoinsPerSecond) || g.throttled(tenant.externalId, 'joins_per_second')) {
    g.metrics.rateLimited.inc('joins_per_second');
    return refuse(429, ErrorCodes.JoinsRateLimitReached, 'Too many joins per second');
  }
  return { ok: true, tenant, token, claims: verified.claims };
}
