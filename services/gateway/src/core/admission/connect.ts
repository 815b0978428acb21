// WebSocket connect checks in the reference's order (docs/PROTOCOL.md §1.2): tenant → token present → JWT →
// role/exp → concurrent users → joins limiter, each locally and as the ratelimiter sees it across
// all gateways. The transport turns a refusal into its HTTP form.
import { errorDef, ErrorCodes, statusOf, type ErrorCode } from '@realtime/errors';
import { firstRefusal, joinsUnderLimit, refusal, step, tenantEnabled, usersUnderLimit, type Refusal } from './steps.ts';
import type { GatewayPorts } from '../context/gateway-ports.ts';
import type { Tenant } from '../base/tenant.ts';
import type { Claims, TokenFailure, TokenFailureKind } from '../auth/jwt.ts';

export type ConnectResult =
  | { ok: true; tenant: Tenant; token: string; claims: Claims }
  | { ok: false; status: number; code: ErrorCode; error: string };

/** The HTTP form of a refusal: the catalog's status of its code. */
const refuse = (r: Refusal): ConnectResult => ({ ok: false, status: errorDef(r.code).httpStatus ?? statusOf(ErrorCodes.HttpServerError), code: r.code, error: r.message });

// The connect form of each token failure (docs/PROTOCOL.md §1.2 table): the catalog message of its
// code unless named here (note "Token has expired" has no age here); invalid exp, iat or claims
// are refused as ErrorConnectingToWebsocket (500).
const connectMessages: Partial<Record<TokenFailureKind, string>> = {
  signer: 'Failed to generate JWT signer',
  expired: 'Token has expired',
  role_exp: 'Fields `role` and `exp` are required in JWT',
  not_yet_valid: 'Token is not valid yet',
};
const internalFailures: ReadonlySet<TokenFailureKind> = new Set(['exp_invalid', 'iat_invalid', 'claims']);

function tokenRefusal(failure: TokenFailure): Refusal {
  if (internalFailures.has(failure.kind)) return refusal(ErrorCodes.ErrorConnectingToWebsocket);
  return refusal(failure.code, connectMessages[failure.kind]);
}

export async function checkConnect(g: GatewayPorts, tenantId: string | null, token: string | null): Promise<ConnectResult> {
  const tenant = tenantId ? g.tenant(tenantId) : undefined;
  if (!tenant) return refuse(refusal(ErrorCodes.TenantNotFound));
  let claims: Claims = {};
  const refused = await firstRefusal([
    step('tenant enabled', () => tenantEnabled(tenant)),
    step('token present', () => (token ? null : refusal(ErrorCodes.MissingAPIKey))),
    step('token valid', async () => {
      const verified = await g.verify(token, tenant);
      if (verified.ok) {
        claims = verified.claims;
        return null;
      }
      return tokenRefusal(verified.failure);
    }),
    // Sockets without a channel count against no tenant limit (users are sockets with a channel), so
    // they are capped the same way: else one anon key could hold every connection slot of the
    // gateway (GATEWAY_MAX_CONNECTIONS) for all tenants.
    step('users under limit', () => {
      const sockets = g.socketCounts(tenant.externalId);
      return usersUnderLimit(g, tenant, Math.max(sockets.users, sockets.idle));
    }),
    step('joins under limit', () => joinsUnderLimit(g, tenant, g.limits.joinsTriggered(tenant.externalId, tenant.limits.maxJoinsPerSecond), ErrorCodes.JoinsRateLimitReached)),
  ]);
  if (refused) return refuse(refused);
  return { ok: true, tenant, token: token!, claims };
}
