// REST broadcast (docs/PROTOCOL.md §4 "REST"): validation and the message each form produces. The HTTP layer
// (transport/http.ts) only maps these results to status codes.
import { randomUUID } from 'node:crypto';
import { ErrorCodes, HttpStatus, statusOf } from '@realtime/errors';
import type { GatewayContext } from '../context/context.ts';
import type { Tenant } from '../base/tenant.ts';
import { isObject } from '../base/is-object.ts';
import { fieldLengthErrors, payloadTooLarge, type OutboundBroadcast } from '../base/broadcast-message.ts';
import { writeCheck } from '../admission/channel-policies.ts';
import { NO_HEADERS, type XHeaders } from '../base/x-headers.ts';
import { eventRate, rateThrottle } from '../admission/rates.ts';
import type { Throttle } from '../limits/global-limits.ts';
import type { Claims } from '../auth/jwt.ts';
import { scanBatch } from './batch-scan.ts';
import { MAX_JSON_DEPTH } from '@realtime/protocol';
import { messageOf } from '../base/messages.ts';

export type RestResult = { status: typeof HttpStatus.Accepted } | { status: number; body: object; headers?: Record<string, string> };

const ACCEPTED: RestResult = { status: HttpStatus.Accepted };

/** 429 with the reference's rate headers (docs/PROTOCOL.md §4 REST). */
function tooMany(t: Throttle): RestResult {
  return {
    status: HttpStatus.TooManyRequests, body: { message: 'You have exceeded your rate limit' },
    headers: { 'x-rate-rolling': String(Math.round(t.rate)), 'x-rate-limit': String(Math.round(t.max)), 'x-rate-limit-remaining': String(Math.max(0, Math.round(t.max - t.rate))) },
  };
}

const encoder = new TextEncoder();

/** 429 for a batch that may not be taken whole (docs/PROTOCOL.md §4 REST); nothing of it is sent. */
const batchTooLarge: RestResult = { status: HttpStatus.TooManyRequests, body: { message: 'Too many messages to broadcast, please reduce the batch size' } };

/**
 * Decides on the batch from its length alone, before any per-message work, so that the cost of a
 * refused batch does not grow with it. Like the reference: a tenant already over its rate is told
 * so; a batch that would take it over is too large. `maxBatch` bounds the work one request can
 * ask of this gateway whatever the tenant's limit.
 */
function admitBatch(g: GatewayContext, tenant: Tenant, size: number, maxBatch: number): RestResult | null {
  if (size > maxBatch) return batchTooLarge;
  const max = tenant.limits.maxEventsPerSecond;
  const rate = eventRate(g, tenant);
  if (rate > max) return tooMany({ rate, max });
  if (rate + size > max) return batchTooLarge;
  return null;
}

function message(g: GatewayContext, tenant: Tenant, fields: Pick<OutboundBroadcast, 'topic' | 'event' | 'private' | 'kind' | 'encoding' | 'payload' | 'metaId'>): OutboundBroadcast {
  return { ...fields, id: randomUUID(), tenant: tenant.externalId, originNode: g.nodeId, sentAt: g.clock.now() };
}

const invalidBody: RestResult = { status: HttpStatus.UnprocessableEntity, body: { errors: { messages: ['is invalid'] } } };

/**
 * POST /api/broadcast from its raw body: a batch over `maxBatch` messages or nested deeper than
 * MAX_JSON_DEPTH is refused before it is parsed (see batch-scan.ts), the rest parsed and handled.
 */
export async function batchBroadcastText(g: GatewayContext, tenant: Tenant, claims: Claims, text: string, maxBatch: number, headers: XHeaders = NO_HEADERS): Promise<RestResult> {
  const scan = scanBatch(text, maxBatch, MAX_JSON_DEPTH);
  if (scan === 'too_many') return batchTooLarge;
  if (scan === 'too_deep') return invalidBody;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return invalidBody;
  }
  return batchBroadcast(g, tenant, claims, body, maxBatch, headers);
}

/**
 * POST /api/broadcast: a batch of at most `maxBatch` JSON broadcasts. Private ones without the
 * write policy are skipped silently.
 */
export async function batchBroadcast(g: GatewayContext, tenant: Tenant, claims: Claims, body: unknown, maxBatch: number, headers: XHeaders = NO_HEADERS): Promise<RestResult> {
  const list = isObject(body) ? body.messages : undefined;
  if (!Array.isArray(list) || list.length === 0) return { status: HttpStatus.UnprocessableEntity, body: { errors: { messages: ["can't be blank"] } } };
  const refused = admitBatch(g, tenant, list.length, maxBatch);
  if (refused) return refused;
  const errors: Array<Record<string, string[]>> = [];
  const accepted: OutboundBroadcast[] = [];
  for (const item of list) {
    const e: Record<string, string[]> = {};
    const m = isObject(item) ? item : {};
    if (typeof m.topic !== 'string' || !m.topic) e.topic = ["can't be blank"];
    if (typeof m.event !== 'string' || !m.event) e.event = ["can't be blank"];
    if (!isObject(m.payload)) e.payload = ["can't be blank"];
    Object.assign(e, fieldLengthErrors(m)); // a kind 4 frame must be able to carry topic and event
    const payload = encoder.encode(JSON.stringify(m.payload ?? null));
    if (!e.payload && payloadTooLarge(payload.byteLength, tenant.limits.maxPayloadSizeInKb)) e.payload = [messageOf(ErrorCodes.PayloadSizeExceeded)];
    errors.push(e);
    if (Object.keys(e).length === 0) {
      const metaId = typeof m.id === 'string' ? m.id : null;
      accepted.push(message(g, tenant, { topic: m.topic as string, event: m.event as string, private: m.private === true, kind: 'json', encoding: 'json', payload, metaId }));
    }
  }
  if (errors.some((e) => Object.keys(e).length > 0)) return { status: HttpStatus.UnprocessableEntity, body: { errors: { messages: errors } } };
  let bytes = 0;
  for (const m of accepted) {
    g.metrics.payloadSize.observe(m.payload.byteLength, tenant.externalId, 'broadcast');
    bytes += m.payload.byteLength;
  }
  const throttle = rateThrottle(g, tenant, bytes, accepted.length); // counted once for the whole batch
  if (throttle) return tooMany(throttle);
  const writable = new Map<string, Promise<boolean>>(); // one policy check per private topic
  const allowed = await Promise.all(accepted.map((m) => {
    if (!m.private) return true;
    if (!writable.has(m.topic)) writable.set(m.topic, writeCheck(g, tenant.externalId, m.topic, claims, headers, 'broadcast'));
    return writable.get(m.topic)!;
  }));
  await Promise.all(accepted.filter((_, i) => allowed[i]).map((m) => g.publish(m)));
  return ACCEPTED;
}

/** POST /api/broadcast/:topic/events/:event: the body is the payload, delivered as a UserBroadcast. */
export async function singleBroadcast(
  g: GatewayContext, tenant: Tenant, claims: Claims, topic: string, event: string, isPrivate: boolean, payload: Uint8Array, encoding: 'json' | 'binary',
  headers: XHeaders = NO_HEADERS,
): Promise<RestResult> {
  const lengthErrors = fieldLengthErrors({ topic, event });
  if (Object.keys(lengthErrors).length > 0) return { status: HttpStatus.UnprocessableEntity, body: { errors: lengthErrors } };
  if (isPrivate && !(await writeCheck(g, tenant.externalId, topic, claims, headers, 'broadcast'))) return { status: statusOf(ErrorCodes.Unauthorized), body: { message: 'Unauthorized' } };
  if (payloadTooLarge(payload.byteLength, tenant.limits.maxPayloadSizeInKb)) {
    return { status: statusOf(ErrorCodes.PayloadSizeExceeded), body: { errors: { payload: [messageOf(ErrorCodes.PayloadSizeExceeded)] } } };
  }
  g.metrics.payloadSize.observe(payload.byteLength, tenant.externalId, 'broadcast');
  const throttle = rateThrottle(g, tenant, payload.byteLength);
  if (throttle) return tooMany(throttle);
  await g.publish(message(g, tenant, { topic, event, private: isPrivate, kind: 'user', encoding, payload, metaId: null }));
  return ACCEPTED;
}
