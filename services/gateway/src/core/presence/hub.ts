// Presence on one gateway (docs/PROTOCOL.md §5). The state lives in Redis, owned by presence-service; this hub
// sends track/untrack commands, reads a snapshot when a channel enables presence, and relays the
// diffs presence-service publishes to the local channels of that topic.
//
// Snapshot and diffs meet through versions: a channel registers for diffs first, buffers them
// while the snapshot is read, and then passes on only diffs newer than the snapshot (a new Redis
// epoch resets the count). Duplicated diffs are dropped the same way.
//
// A new epoch means Redis lost its data: the clients' state no longer matches it (an update or an
// untrack applied to the empty Redis has no leave for the meta the clients still show), so the
// channel re-reads the snapshot and sends it as a new presence_state, which realtime-js turns into
// the joins and leaves that make the client match. The same happens to a channel whose snapshot
// could not be read (Redis down at join) as soon as an epoch is known again.
//
// Leaves (untrack, leaving the channel, closing the socket) are retried when their send fails
// (leaves.ts): a member must not outlive its presence because one Kafka send failed.
//
// Liveness: the hub renews this node's key every NODE_RENEW_MS; when the epoch it gets back
// changes (Redis lost its data) or the key had lapsed (presence-service may have declared this
// node down), it re-asserts every presence it tracks.
import { memberId, NODE_RENEW_MS, type Snapshot } from '@realtime/presence';
import type { PresenceCommand, PresenceDiff } from '@realtime/schemas';
import type { Logger } from '@realtime/log';
import { ErrorCodes, RealtimeError } from '@realtime/errors';
import type { Clock, PresenceBackend } from '../../ports.ts';
import type { Channel } from '../channels/connection.ts';
import { uuidV1 } from './uuid-v1.ts';
import { channelKey } from '../channels/channel-key.ts';
import type { ChannelPresence, Tracked } from '../channels/presence-state.ts';
import { newPhxRef } from './refs.ts';
export type { ChannelPresence, Tracked } from '../channels/presence-state.ts';
import { LeaveRetries, type LeaveOutcome, type LeaveRetryOptions } from './leaves.ts';

/** Diffs one channel keeps while its snapshot is read (a slow Redis must not grow memory); past
 *  it they are dropped and the snapshot is read again, which contains them. */
export const MAX_BUFFERED_DIFFS = 1000;
/** Snapshot reads one heartbeat starts for channels of an old epoch: after Redis lost its data, a
 *  gateway with many channels re-reads them over a few beats, not all at once. */
const RESYNCS_PER_BEAT = 2000;

export interface HubDeps {
  node: string;
  backend: PresenceBackend;
  clock: Clock;
  log: Logger;
  onDiff?: (delivered: number, tenant: string) => void;
  onLeaveRetry?: (outcome: LeaveOutcome) => void;
  leaveRetry?: LeaveRetryOptions;
  resyncsPerBeat?: number;
}

export class PresenceHub {
  readonly #d: HubDeps;
  readonly #channels = new Map<string, Set<Channel>>();
  readonly #tracking = new Set<Channel>();
  #epoch: string | null = null;
  #renewed = false;
  #reassertNextBeat = false;
  #timer: { cancel(): void } | null = null;
  readonly #leaves: LeaveRetries;

  constructor(deps: HubDeps) {
    this.#d = deps;
    this.#leaves = new LeaveRetries({ send: (c) => deps.backend.send(c), clock: deps.clock, log: deps.log, onOutcome: deps.onLeaveRetry, options: deps.leaveRetry });
  }

  /** Leaves waiting to be sent again. */
  get pendingLeaves(): number {
    return this.#leaves.size;
  }

  /** Presence on for this channel: register for diffs, then send the snapshot as presence_state. */
  async enable(channel: Channel): Promise<void> {
    if (channel.presence) return;
    const state: ChannelPresence = { key: channel.options.presenceKey || uuidV1(), tracked: null, ready: false, buffer: [], version: 0, epoch: '', calls: [] };
    channel.presence = state;
    let set = this.#channels.get(channel.key);
    if (!set) this.#channels.set(channel.key, (set = new Set()));
    set.add(channel);
    await this.#sync(channel, state);
  }

  /** Reads the snapshot, sends it as presence_state, then the diffs buffered meanwhile. */
  async #sync(channel: Channel, state: ChannelPresence): Promise<void> {
    state.ready = false;
    let snapshot: Snapshot | null = null;
    try {
      snapshot = await this.#d.backend.snapshot({ tenant: channel.conn.tenantId, private: channel.options.private, topic: channel.subtopic });
    } catch (err) {
      this.#d.log.warn({ code: ErrorCodes.UnableToHandlePresence, tenant: channel.conn.tenantId, err: String(err) }, 'presence snapshot unavailable');
    }
    if (channel.presence !== state) return; // left meanwhile
    if (snapshot) {
      state.version = snapshot.version;
      state.epoch = snapshot.epoch;
    }
    state.ready = true;
    state.stale = snapshot === null;
    // the client needs a first presence_state (an empty one if Redis is down); later, only a real one
    if ((snapshot || !state.synced) && readable(channel)) channel.conn.push(channel, 'presence_state', snapshot?.state ?? {});
    state.synced = true;
    if (state.overflowed) {
      state.overflowed = false;
      state.buffer.length = 0;
      if (snapshot) return this.#sync(channel, state);
      return; // stale: the next heartbeat reads it again
    }
    for (const diff of state.buffer.splice(0)) this.#deliver(channel, diff, false);
  }

  /** Channels whose state belongs to another epoch than Redis's current one, or whose last
   *  snapshot read failed: sync them again. */
  #resyncOutside(epoch: string): void {
    let budget = this.#d.resyncsPerBeat ?? RESYNCS_PER_BEAT;
    for (const set of this.#channels.values()) {
      for (const channel of set) {
        const state = channel.presence;
        if (!state?.ready || (state.epoch === epoch && !state.stale)) continue;
        if (budget-- <= 0) return; // the next beat goes on
        void this.#sync(channel, state);
      }
    }
  }

  /** Tracks (or updates) the channel's presence. An identical re-track changes nothing. */
  async track(channel: Channel, meta: Record<string, unknown>): Promise<void> {
    const state = channel.presence!;
    const metaJson = JSON.stringify(meta);
    if (state.tracked && state.tracked.metaJson === metaJson) return;
    const previous = state.tracked;
    const next: Tracked = { key: state.key, metaJson, phxRef: newPhxRef(this.#d.node) };
    state.tracked = next;
    this.#tracking.add(channel);
    this.#leaves.cancel(this.#member(channel));
    try {
      await this.#d.backend.send(this.#command(channel, 'TRACK', next));
    } catch (err) {
      // Not tracked: put back what presence-service still has, so that the same track sent again
      // is not taken for an identical re-track, and an untracked member (whose waiting leave the
      // track cancelled) gets its leave again.
      if (channel.presence === state && state.tracked === next) {
        state.tracked = previous;
        if (!previous) {
          this.#tracking.delete(channel);
          void this.#leaves.leave(this.#member(channel), this.#command(channel, 'UNTRACK', null));
        }
      }
      throw new RealtimeError(ErrorCodes.UnableToTrackPresence, 'presence track not sent', { cause: err, details: { tenant: channel.conn.tenantId } });
    }
  }

  /** Resolves once the leave was sent or queued for another send (leaves.ts). */
  async untrack(channel: Channel): Promise<void> {
    const state = channel.presence;
    if (!state?.tracked) return;
    state.tracked = null;
    this.#tracking.delete(channel);
    await this.#leaves.leave(this.#member(channel), this.#command(channel, 'UNTRACK', null));
  }

  /** The channel is gone (leave, close, shutdown): its presence leaves. */
  remove(channel: Channel): void {
    const state = channel.presence;
    if (!state) return;
    channel.presence = null;
    const set = this.#channels.get(channel.key);
    set?.delete(channel);
    if (set?.size === 0) this.#channels.delete(channel.key);
    if (state.tracked) {
      this.#tracking.delete(channel);
      void this.#leaves.leave(this.#member(channel), this.#command(channel, 'UNTRACK', null));
    }
  }

  /** A diff from presence-service, for every local channel of its topic. */
  receive(diff: PresenceDiff): void {
    const set = this.#channels.get(channelKey(diff.tenant, diff.private, diff.topic));
    if (!set) return;
    let delivered = 0;
    // parsed once, however many local channels; a diff that does not parse is dropped here, logged,
    // instead of failing the consumer of realtime.presence.events for every tenant
    let payload: object;
    try {
      payload = { joins: JSON.parse(diff.joins_json), leaves: JSON.parse(diff.leaves_json) };
    } catch (err) {
      this.#d.log.error({ code: ErrorCodes.UnableToHandlePresence, tenant: diff.tenant, err: String(err) }, 'presence diff that does not parse dropped');
      return;
    }
    // Every channel of the set has the same topic: one frame per wire codec (vsn), not per channel.
    const frames = new Map<Channel['conn']['wire'], string | Uint8Array>();
    const frame = (channel: Channel) => {
      let f = frames.get(channel.conn.wire);
      if (f === undefined) frames.set(channel.conn.wire, (f = diffFrame(channel, payload)));
      return f;
    };
    for (const channel of set) {
      const state = channel.presence!;
      if (state.ready) {
        if (this.#deliver(channel, diff, true, frame)) delivered++;
      } else if (state.buffer.length < MAX_BUFFERED_DIFFS) state.buffer.push(diff);
      else state.overflowed = true;
    }
    this.#d.onDiff?.(delivered, diff.tenant);
  }

  start(): void {
    const beat = async () => {
      try {
        const renewal = await this.#d.backend.heartbeat(this.#d.node);
        const { epoch } = renewal;
        const lapsed = renewal.lapsed && this.#renewed; // a new node's first renewal finds no key: nothing to redo
        this.#renewed = true;
        // Any epoch not seen before while tracking (also the first one: it may be a Redis that came
        // back empty before this node ever saw the old epoch) means re-assert; identical re-asserts
        // change nothing. So does a lapsed liveness key (same epoch: a failover lost the key's
        // last write, or Redis was out longer than NODE_TTL_MS): presence-service may have sent
        // NODE_DOWN for this node. A NODE_DOWN it read before this renewal may still be on its way
        // and land after the re-assert, so the next beat re-asserts once more.
        const again = this.#reassertNextBeat;
        this.#reassertNextBeat = lapsed;
        if (((epoch !== '' && epoch !== this.#epoch) || lapsed || again) && this.#tracking.size > 0) await this.#reassert(lapsed || again ? 'liveness key lapsed' : 'state lost');
        if (epoch !== '') this.#epoch = epoch;
        if (epoch !== '') this.#resyncOutside(epoch);
      } catch (err) {
        this.#d.log.warn({ code: ErrorCodes.UnableToHandlePresence, err: String(err) }, 'presence heartbeat failed');
      }
      this.#timer = this.#d.clock.setTimeout(() => void beat(), NODE_RENEW_MS);
    };
    void beat();
  }

  /** Waiting leaves are dropped too: once this node's liveness key expires, presence-service
   *  removes all of its members (NODE_DOWN). */
  stop(): void {
    this.#timer?.cancel();
    this.#leaves.stop();
  }

  async #reassert(why: string): Promise<void> {
    this.#d.log.info({ presences: this.#tracking.size }, `presence ${why}: re-asserting`);
    await Promise.all([...this.#tracking].map((ch) => (ch.presence?.tracked ? this.#d.backend.send(this.#command(ch, 'REASSERT', ch.presence.tracked)) : undefined)));
  }

  #deliver(channel: Channel, diff: PresenceDiff, resync = true, frame: (channel: Channel) => string | Uint8Array = (c) => diffFrame(c, { joins: JSON.parse(diff.joins_json), leaves: JSON.parse(diff.leaves_json) })): boolean {
    const state = channel.presence!;
    if (resync && diff.epoch !== '' && diff.epoch !== state.epoch) {
      state.buffer.push(diff);
      void this.#sync(channel, state);
      return false;
    }
    if (diff.epoch !== '') { // v1 writers: no version, no filtering
      if (diff.epoch === state.epoch && diff.version <= state.version) return false; // in the snapshot, or seen
      state.epoch = diff.epoch;
      state.version = diff.version;
    }
    if (!readable(channel)) return false;
    channel.conn.send(frame(channel));
    return true;
  }

  #member(channel: Channel): string {
    return memberId(this.#d.node, channel.conn.id, channel.joinRef);
  }

  #command(channel: Channel, op: PresenceCommand['op'], tracked: Tracked | null): PresenceCommand {
    return {
      tenant: channel.conn.tenantId, topic: channel.subtopic, private: channel.options.private, op,
      node: this.#d.node, connection_id: channel.conn.id, join_ref: channel.joinRef,
      key: tracked?.key ?? null, meta_json: tracked?.metaJson ?? null, phx_ref: tracked?.phxRef ?? null, at: this.#d.clock.now(),
    };
  }
}

const diffFrame = (channel: Channel, payload: object) => channel.conn.wire.encode({ joinRef: null, ref: null, topic: channel.topic, event: 'presence_diff', payload });

/** Private channels see presence only with the presence read policy (docs/PROTOCOL.md §7). */
const readable = (channel: Channel) => !channel.options.private || channel.policies.read.has('presence');
