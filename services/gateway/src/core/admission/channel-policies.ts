// Private channels (docs/PROTOCOL.md §7): read is checked at join and again on every token refresh, write
// lazily at the first send (or track) and cached until the next refresh. Both ask the tenant's
// policies on realtime.messages through the TenantDatabase port; when the database cannot answer
// the answer is "no", never "yes". Policies may read the caller's x- headers (request.headers);
// those are fixed per socket (x-headers.ts), so caching answers per channel stays correct.
// As in the reference, a policy that raises (RlsPolicyError) is logged and answered like a denied
// read, and a missing realtime.messages partition is told to the client as MissingPartition.
import { errorCodeOf, errorDef, ErrorCodes, joinErrorReason, type ErrorCode } from '@realtime/errors';
import type { PolicyExtension } from '../../ports.ts';
import type { GatewayPorts } from '../context/gateway-ports.ts';
import type { Tenant } from '../base/tenant.ts';
import type { Claims } from '../auth/jwt.ts';
import type { Channel } from '../channels/connection.ts';
import { identityOf } from '../auth/identity.ts';
import { timed } from '../metrics/metrics.ts';
import type { XHeaders } from '../base/x-headers.ts';

export type ReadCheck = { ok: true; read: Set<PolicyExtension> } | { ok: false; code: ErrorCode; reason: string };

export async function checkRead(g: GatewayPorts, tenant: Tenant, subtopic: string, claims: Claims, headers: XHeaders, presence: boolean): Promise<ReadCheck> {
  const db = g.databases.get(tenant);
  const unreachable = { ok: false as const, code: ErrorCodes.UnableToSetPolicies, reason: joinErrorReason(ErrorCodes.UnableToSetPolicies) };
  if (!db) return unreachable;
  try {
    const read = await timed((s) => g.metrics.authorizationCheck.observe('read', s, tenant.externalId), () => db.channelRead(subtopic, identityOf(claims, headers), presence ? ['broadcast', 'presence'] : ['broadcast']));
    if (read.size > 0) return { ok: true, read };
    return { ok: false, code: ErrorCodes.Unauthorized, reason: `${ErrorCodes.Unauthorized}: You do not have permissions to read from this Channel topic: ${subtopic}` };
  } catch (err) {
    const code = errorCodeOf(err);
    if (code === ErrorCodes.RlsPolicyError) {
      g.log.warn({ code, tenant: tenant.externalId, topic: subtopic, err: String(err) }, 'a read policy raised an error');
      return { ok: false, code, reason: `${ErrorCodes.Unauthorized}: You do not have permissions to read from this Channel topic: ${subtopic}` };
    }
    if (code === ErrorCodes.MissingPartition) {
      g.log.error({ code, tenant: tenant.externalId, err: String(err) }, 'realtime.messages has no partition for the probe row');
      return { ok: false, code, reason: joinErrorReason(code) };
    }
    g.log.warn({ code: ErrorCodes.UnableToSetPolicies, tenant: tenant.externalId, err: String(err) }, 'channel read policy check failed');
    return unreachable;
  }
}

/** May this channel send (broadcast) or track (presence)? Public channels always may. */
export function mayWrite(g: GatewayPorts, channel: Channel, extension: PolicyExtension): Promise<boolean> {
  if (!channel.options.private) return Promise.resolve(true);
  let answer = channel.policies.write.get(extension);
  if (!answer) {
    answer = writeCheck(g, channel.conn.tenantId, channel.subtopic, channel.claims, channel.conn.headers, extension);
    channel.policies.write.set(extension, answer);
  }
  return answer;
}

/** Write check outside a channel (REST broadcast to a private topic). */
export async function writeCheck(g: GatewayPorts, tenantId: string, subtopic: string, claims: Claims, headers: XHeaders, extension: PolicyExtension): Promise<boolean> {
  const tenant = g.tenant(tenantId);
  const db = tenant ? g.databases.get(tenant) : null;
  if (!db) return false;
  try {
    return await timed((s) => g.metrics.authorizationCheck.observe('write', s, tenantId), () => db.channelWrite(subtopic, identityOf(claims, headers), extension));
  } catch (err) {
    const code = errorCodeOf(err);
    const logged = code === ErrorCodes.RlsPolicyError || code === ErrorCodes.MissingPartition ? code : ErrorCodes.UnableToSetPolicies;
    g.log.warn({ code: logged, tenant: tenantId, topic: subtopic, err: String(err) }, 'channel write policy check failed');
    return false;
  }
}

/**
 * After a token refresh: forget cached writes, read again. Returns null when the channel may stay,
 * else the message it is shut down with (the reference's texts for each failure).
 */
export async function recheckRead(g: GatewayPorts, channel: Channel): Promise<string | null> {
  channel.policies.write.clear();
  const revoked = `You no longer have permission to read from this Channel topic: ${channel.subtopic}`;
  const tenant = g.tenant(channel.conn.tenantId);
  if (!tenant) return revoked;
  const result = await checkRead(g, tenant, channel.subtopic, channel.claims, channel.conn.headers, channel.options.presenceEnabled);
  if (!result.ok) {
    if (result.code === ErrorCodes.Unauthorized) return revoked;
    if (result.code === ErrorCodes.RlsPolicyError) return `You do not have permissions to read from this Channel topic: ${channel.subtopic}`;
    return errorDef(ErrorCodes.UnableToConnectToProject).message!;
  }
  channel.policies.read.clear();
  for (const e of result.read) channel.policies.read.add(e);
  return null;
}
