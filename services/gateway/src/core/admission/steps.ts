// Admission: the checks a connect (docs/PROTOCOL.md §1.2) and a join (docs/PROTOCOL.md §3.3) run,
// as small named steps in one ordered list each. A step passes (null) or refuses with a catalog
// code; the message comes from the catalog unless the step knows a more precise one. connect.ts
// and handlers/join.ts share the tenant and limit steps and differ only where the reference does.
import { errorDef, ErrorCodes, type ErrorCode } from '@realtime/errors';
import type { GatewayPorts } from '../context/gateway-ports.ts';
import type { Tenant } from '../base/tenant.ts';

export interface Refusal {
  code: ErrorCode;
  message: string;
  /** The whole reply reason when it is not `<code>: <message>` (joins). */
  reason?: string;
}

export type Verdict = Refusal | null;

/** One check of an admission list; `check` runs only when every step before it passed. */
export interface Step {
  readonly name: string;
  readonly check: () => Verdict | Promise<Verdict>;
}

export const step = (name: string, check: Step['check']): Step => ({ name, check });

/** A refusal with the catalog's message for its code (or the given one). */
export function refusal(code: ErrorCode, message: string = errorDef(code).message ?? ''): Refusal {
  return { code, message };
}

/** Runs the steps in order and stops at the first refusal. A synchronous step is not awaited. */
export async function firstRefusal(steps: readonly Step[]): Promise<Verdict> {
  for (const s of steps) {
    const pending = s.check();
    const verdict = pending instanceof Promise ? await pending : pending;
    if (verdict) return verdict;
  }
  return null;
}

// The steps both lists use.

export const tenantEnabled = (tenant: Tenant): Verdict => (tenant.suspend ? refusal(ErrorCodes.RealtimeDisabledForTenant) : null);

/**
 * `users` is what counts against max_concurrent_users here (docs/PROTOCOL.md §9); the
 * ratelimiter's throttle says whether the tenant is over it across all gateways.
 */
export function usersUnderLimit(g: GatewayPorts, tenant: Tenant, users: number): Verdict {
  if (users < tenant.limits.maxConcurrentUsers && !g.throttled(tenant.externalId, 'concurrent_users')) return null;
  g.metrics.rateLimited.inc('concurrent_users');
  return refusal(ErrorCodes.ConnectionRateLimitReached);
}

/** `tripped` reads (connect) or counts (join) this gateway's joins counter; `code` is the caller's form. */
export function joinsUnderLimit(g: GatewayPorts, tenant: Tenant, tripped: boolean, code: typeof ErrorCodes.JoinsRateLimitReached | typeof ErrorCodes.ClientJoinRateLimitReached): Verdict {
  if (!tripped && !g.throttled(tenant.externalId, 'joins_per_second')) return null;
  g.metrics.rateLimited.inc('joins_per_second');
  return refusal(code);
}
