// The Postgres Changes part of a join (docs/PROTOCOL.md §3.2, §3.3, §3.5): the reply echoes the bindings at
// once; the subscription is checked afterwards and reported as a `system` message. With
// `postgres_changes_options.wait` the reply waits for the check, at most `timeout` (≤ 20 s).
import { ErrorCodes } from '@realtime/errors';
import type { GatewayContext } from '../context/context.ts';
import type { Channel } from '../channels/connection.ts';
import { isObject } from '../base/is-object.ts';
import { echoBindings } from '../postgres-changes/bindings.ts';
import { checkSubscription } from '../postgres-changes/subscribe.ts';
import { isLegacyJoin, legacyBinding } from '../postgres-changes/legacy.ts';

const MAX_WAIT_MS = 20_000;

export interface ChangesRequest {
  raw: unknown[];
  /** Hold the join reply this long for the subscription; null = do not wait. */
  waitMs: number | null;
  /** The legacy join form: one binding from the subtopic, changes sent as bare maps (legacy.ts). */
  legacy: boolean;
}

export function changesRequest(payload: unknown, subtopic: string): ChangesRequest {
  if (isLegacyJoin(payload)) return { raw: [legacyBinding(subtopic)], waitMs: null, legacy: true };
  const config = isObject(payload) && isObject(payload.config) ? payload.config : {};
  const raw = Array.isArray(config.postgres_changes) ? config.postgres_changes : [];
  const options = isObject(config.postgres_changes_options) ? config.postgres_changes_options : {};
  const wait = options.wait === true || options.wait === 'true';
  const timeout = Number(options.timeout ?? MAX_WAIT_MS);
  return { raw, waitMs: wait ? Math.min(Number.isFinite(timeout) && timeout > 0 ? timeout : MAX_WAIT_MS, MAX_WAIT_MS) : null, legacy: false };
}

export const joinReplyPayload = (request: ChangesRequest) => ({ postgres_changes: echoBindings(request.raw) });

/**
 * Checks the subscription and registers it if it is fine; resolves with a `report` that pushes the
 * outcome (a `system` message) and, for a retryable failure, schedules the next attempt. Split so
 * a waiting join can send its reply between the two.
 */
export async function subscribeChanges(g: GatewayContext, channel: Channel, request: ChangesRequest): Promise<() => void> {
  requests.set(channel, request);
  retries.get(channel)?.cancel(); // this check supersedes a pending retry
  const generation = (generations.get(channel) ?? 0) + 1;
  generations.set(channel, generation);
  const tenant = g.tenant(channel.conn.tenantId);
  const db = tenant ? g.databases.get(tenant) : null;
  const outcome = await checkSubscription(db, channel, request.raw);
  if (channel.conn.channels.get(channel.topic) !== channel) return () => {}; // left or replaced meanwhile
  // A newer check (a refresh that changed the role) started meanwhile: its outcome decides.
  if (generations.get(channel) !== generation) return () => {};
  const system = (status: 'ok' | 'error', message: string) =>
    channel.conn.push(channel, 'system', { extension: 'postgres_changes', status, message, channel: channel.subtopic });
  if (outcome.ok) {
    g.changes.subscribe(channel, outcome.bindings, request.legacy);
    return () => system('ok', 'Subscribed to PostgreSQL');
  }
  // Bindings the current role may not use deliver nothing (after a role change they did before).
  g.changes.unsubscribe(channel);
  return () => {
    g.log.info({ code: outcome.code, tenant: channel.conn.tenantId, topic: channel.topic, final: outcome.final }, 'postgres_changes subscription refused');
    system('error', outcome.message);
    if (outcome.final) return;
    const retry = g.clock.setTimeout(() => void subscribeChanges(g, channel, request).then((report) => report()), 5000 + Math.floor(Math.random() * 5000));
    // One cleanup per channel, however many retries: a database down for hours must not grow it.
    if (!retries.has(channel)) channel.cleanups.push(() => retries.get(channel)?.cancel());
    retries.set(channel, retry);
  };
}

/** The pending retry of each channel whose subscription failed with a retryable error. */
const retries = new WeakMap<Channel, { cancel(): void }>();
/** What each channel asked for, kept to check it again when its role changes. */
const requests = new WeakMap<Channel, ChangesRequest>();
/** How many checks each channel has started: only the newest one's outcome applies. */
const generations = new WeakMap<Channel, number>();

/**
 * A refreshed token changed the channel's role (docs/PROTOCOL.md §3.6): its bindings are checked again for
 * that role (published table, filter columns that exist and the role may SELECT, values that
 * cast) and subscribed with the new claims, or refused with the same `system` error as at join.
 */
export function resubscribeChanges(g: GatewayContext, channel: Channel): void {
  const request = requests.get(channel);
  if (!request || request.raw.length === 0) return;
  void subscribeChanges(g, channel, request).then((report) => report());
}

/** The subscription for a waiting join: its report, or the timeout reason after `ms`. */
export async function waitForChanges(g: GatewayContext, channel: Channel, request: ChangesRequest, ms: number): Promise<(() => void) | string> {
  let timer: { cancel(): void } | undefined;
  const timedOut = new Promise<string>((resolve) => {
    timer = g.clock.setTimeout(() => resolve(`${ErrorCodes.PostgresChangesSubscribeTimeout}: Timed out after ${ms}ms waiting for the postgres_changes subscription`), ms);
  });
  const result = await Promise.race([subscribeChanges(g, channel, request), timedOut]);
  timer?.cancel();
  return result;
}
