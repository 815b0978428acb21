// Recovery on rejoin, per gateway (docs/PROTOCOL.md §11). A channel joined with `recover`
// gets a seam per stream before it is registered (prepare), so its live frames queue from the
// first one; start() then reads what it missed from Kafka under this gateway's bounds (a slot of
// GATEWAY_RECOVERY_CONCURRENCY with a bounded wait, a deadline, a scan bound, the tenant's caps),
// sends it all or nothing, answers one `system` message and opens the seam.
import type { Logger } from '@realtime/log';
import type { Clock, RecoveryLog, TenantDatabases } from '../../ports.ts';
import type { Channel, RecoverRequest } from '../channels/connection.ts';
import { RECOVERY_DEFAULTS, type ChangeEvent } from '@realtime/schemas';
import type { LogStream, TenantDatabase } from '../../ports.ts';
import type { RecoveryPort } from '../context/context.ts';
import type { Tenant } from '../base/tenant.ts';
import type { GatewayMetrics } from '../metrics/metrics.ts';
import type { UsageMeter } from '../limits/usage.ts';
import type { LocalLimits } from '../limits/local-limits.ts';
import type { Subscriber } from '../postgres-changes/batch.ts';
import { positionText } from '../base/log-position.ts';
import { StreamSeam } from './seam.ts';
import { Semaphore } from './semaphore.ts';
import { OwnSends } from './own-sends.ts';
import { planRead } from './plan.ts';
import { sendPaced } from './paced-send.ts';
import { readBroadcastHistory } from './broadcasts.ts';
import { recoveryMessage, RecoveryFailure, RecoveryResults, type RecoveryStream, type RecoverySummary } from './result.ts';
import type { ReadBounds, ReadPlan, Recovered } from './read-bounds.ts';

export interface RecoverySettings {
  /** Recoveries reading at once (GATEWAY_RECOVERY_CONCURRENCY). */
  concurrency: number;
  /** Whole recovery, the wait for a slot included (GATEWAY_RECOVERY_TIMEOUT_MS). */
  timeoutMs: number;
  /** Partition bytes one recovery may scan (GATEWAY_RECOVERY_MAX_SCAN_BYTES). */
  maxScanBytes: number;
  /**
   * Bytes of recovered frames all recoveries of this gateway may hold while their clients read them
   * (paced, paced-send.ts): past it a recovery answers `unavailable`. Without it, clients that never
   * read could each keep a tenant cap's worth of frames for the whole timeout.
   */
  maxHeldBytes?: number;
}

export const DEFAULT_RECOVERY: RecoverySettings = { concurrency: 4, timeoutMs: 30_000, maxScanBytes: 256 * 1024 * 1024 };
const DEFAULT_MAX_HELD_BYTES = 128 * 1024 * 1024;
/** Recoveries waiting for a slot, per slot: past it a recovery is `unavailable` at once. */
const WAITING_PER_SLOT = 16;
/** How long a sent broadcast's channel is remembered for its echo from Kafka (self: false). */
const OWN_SEND_TTL_MS = 60_000;
const OWN_SEND_MAX = 100_000;

/** The tenant's caps (max_recovery_events / max_recovery_bytes; the snapshot's defaults when it is gone). */
export function recoveryCaps(tenant: Tenant | undefined): { events: number; bytes: number } {
  return {
    events: tenant?.limits.maxRecoveryEvents ?? RECOVERY_DEFAULTS.max_recovery_events,
    bytes: tenant?.limits.maxRecoveryBytes ?? RECOVERY_DEFAULTS.max_recovery_bytes,
  };
}

/** What recoveries need of the gateway. */
export interface RecoveryHost {
  readonly log: Logger;
  readonly metrics: GatewayMetrics;
  readonly clock: Clock;
  readonly databases: TenantDatabases;
  readonly changes: { subscription(channel: Channel): Subscriber | undefined };
  tenant(id: string): Tenant | undefined;
  /** Recovered frames count like other traffic: the tenant's usage and its events limits. */
  readonly usage: UsageMeter;
  readonly limits: LocalLimits;
  /** changes.ts readChangeHistory, handed in by gateway.ts (it sits above batch.ts: import-graph floors). */
  readChanges(stream: LogStream<ChangeEvent>, plan: ReadPlan, bounds: ReadBounds, h: { sub: Subscriber; db: TenantDatabase | null; observeRls(seconds: number): void }): Promise<Recovered>;
}

export class Recoveries implements RecoveryPort {
  readonly #host: RecoveryHost;
  readonly #log: RecoveryLog | null;
  readonly #settings: RecoverySettings;
  /** Bytes of recovered frames being handed to clients now (bounded by maxHeldBytes). */
  #held = 0;
  readonly #slots: Semaphore;
  readonly ownSends: OwnSends;

  constructor(host: RecoveryHost, log: RecoveryLog | null, settings: RecoverySettings = DEFAULT_RECOVERY) {
    this.#host = host;
    this.#log = log;
    this.#settings = settings;
    this.#slots = new Semaphore(settings.concurrency, settings.concurrency * WAITING_PER_SLOT);
    this.ownSends = new OwnSends({ ttlMs: OWN_SEND_TTL_MS, max: OWN_SEND_MAX, now: () => host.clock.now() });
  }

  /** Before the channel is registered: a buffering seam per recovering stream (a fresh one sends at once). */
  prepare(channel: Channel): void {
    const caps = recoveryCaps(this.#host.tenant(channel.conn.tenantId));
    const seam = (request: RecoverRequest | null) => (request ? new StreamSeam((f) => channel.conn.send(f), { frames: caps.events, bytes: caps.bytes }, request.kind !== 'fresh') : null);
    channel.recoverBroadcasts = seam(channel.options.recoverBroadcasts);
    channel.recoverChanges = seam(channel.options.recoverChanges);
  }

  async start(channel: Channel, stream: RecoveryStream): Promise<void> {
    const seam = (stream === 'broadcast' ? channel.recoverBroadcasts : channel.recoverChanges) as StreamSeam | null;
    const request = stream === 'broadcast' ? channel.options.recoverBroadcasts : channel.options.recoverChanges;
    if (!seam || !request) return;
    const started = performance.now();
    let summary: RecoverySummary;
    let frames: Array<string | Uint8Array> = [];
    let floor = -1n;
    if (request.kind === 'fresh') summary = { result: RecoveryResults.complete, recovered: 0, position: null, message: 'Positions on; nothing to recover' };
    else {
      try {
        const read = await this.#bounded(channel, seam, (bounds) => this.#read(channel, stream, request, bounds));
        if (seam.overflowed) throw new RecoveryFailure(RecoveryResults.tooLarge, 'Too many live messages arrived while recovering');
        if (this.#held + frameBytes(read.frames) > (this.#settings.maxHeldBytes ?? DEFAULT_MAX_HELD_BYTES)) {
          throw new RecoveryFailure(RecoveryResults.unavailable, 'The gateway is sending too many recoveries at once; retry later');
        }
        ({ frames, floor } = read);
        summary = { result: RecoveryResults.complete, recovered: frames.length, position: read.position, message: `Recovered ${frames.length} missed ${stream === 'broadcast' ? 'messages' : 'changes'}` };
      } catch (err) {
        const failure = seam.overflowed ? new RecoveryFailure(RecoveryResults.tooLarge, 'Too many live messages arrived while recovering')
          : err instanceof RecoveryFailure ? err : new RecoveryFailure(RecoveryResults.unavailable, `The history could not be read: ${(err as Error).message}`);
        summary = { result: failure.result, recovered: 0, position: request.kind === 'position' ? request.text : null, message: failure.message };
        if (failure.result === RecoveryResults.unavailable) this.#warn(channel, stream, err);
      }
    }
    const wanted = () => !channel.conn.closed && channel.conn.channels.get(channel.topic) === channel;
    const held = frameBytes(frames);
    this.#held += held;
    try {
      if (wanted()) await this.#deliver(channel, stream, frames, wanted);
    } finally {
      this.#held -= held;
    }
    if (seam.overflowed && summary.result === RecoveryResults.complete) {
      // Live frames overflowed the seam while the client read the recovered ones: some after E are gone.
      summary = { result: RecoveryResults.tooLarge, recovered: 0, position: request.kind === 'position' ? request.text : null, message: 'Too many live messages arrived while recovering' };
      floor = -1n;
    }
    this.#host.metrics.recoveries.inc(stream, summary.result);
    this.#host.metrics.recoveryDuration.observe(stream, (performance.now() - started) / 1000);
    if (!wanted()) return; // left meanwhile
    channel.conn.push(channel, 'system', recoveryMessage(channel.subtopic, stream, summary));
    seam.open(floor);
  }

  #warnedAt = -Infinity;
  #unwarned = 0;
  /** At most one line a second: a storm of rejoins must not become a storm of log lines. */
  #warn(channel: Channel, stream: RecoveryStream, err: unknown): void {
    this.#unwarned++;
    const now = this.#host.clock.now();
    if (now - this.#warnedAt < 1000) return;
    const code = (err as { code?: string }).code; // a Kafka or tenant database failure carries its catalog code
    this.#host.log.warn({ ...(code ? { code } : {}), tenant: channel.conn.tenantId, topic: channel.topic, stream, recoveries: this.#unwarned, err: String(err) }, 'recovery unavailable');
    this.#warnedAt = now;
    this.#unwarned = 0;
  }

  /** A slot, a deadline and an abort (the channel leaving, the seam overflowing) around one read. */
  async #bounded<T>(channel: Channel, seam: StreamSeam, work: (bounds: ReadBounds) => Promise<T>): Promise<T> {
    const abort = new AbortController();
    const timer = this.#host.clock.setTimeout(() => abort.abort(new RecoveryFailure(RecoveryResults.unavailable, 'The history could not be read in time')), this.#settings.timeoutMs);
    seam.onOverflow = () => abort.abort(new RecoveryFailure(RecoveryResults.tooLarge, 'Too many live messages arrived while recovering'));
    channel.cleanups.push(() => abort.abort(new RecoveryFailure(RecoveryResults.unavailable, 'The channel left')));
    const slot = this.#slots.acquire(channel.conn.tenantId); // at most the tenant's share (semaphore.ts)
    try {
      if (!slot) throw new RecoveryFailure(RecoveryResults.unavailable, 'The gateway is recovering too many channels (or too many of this tenant\'s); retry later');
      const release = await untilAborted(slot, abort.signal).catch((err: unknown) => {
        void slot.then((r) => r()); // the slot came too late: hand it on
        throw err;
      });
      try {
        const caps = recoveryCaps(this.#host.tenant(channel.conn.tenantId));
        return await untilAborted(work({ ...caps, maxScanBytes: this.#settings.maxScanBytes, signal: abort.signal, timeoutMs: this.#settings.timeoutMs }), abort.signal);
      } finally {
        release();
      }
    } finally {
      timer.cancel();
      seam.onOverflow = () => {};
    }
  }

  async #read(channel: Channel, stream: RecoveryStream, request: Exclude<RecoverRequest, { kind: 'fresh' }>, bounds: ReadBounds) {
    if (!this.#log) throw new RecoveryFailure(RecoveryResults.unavailable, 'This gateway has no Kafka history to recover from');
    const tenant = channel.conn.tenantId;
    if (stream === 'broadcast') {
      const log = await this.#log.broadcasts(tenant, channel.options.private, channel.subtopic);
      const plan = await planRead(log, request, 'b', bounds);
      const got = await readBroadcastHistory(channel, log, plan, bounds);
      return { frames: got.frames, floor: plan.end, position: got.last !== null ? positionText('b', { partition: log.partition, offset: got.last }) : plan.given };
    }
    const sub = this.#host.changes.subscription(channel);
    if (!sub) throw new RecoveryFailure(RecoveryResults.unavailable, 'The postgres_changes subscription is not in place');
    const t = this.#host.tenant(tenant);
    const log = await this.#log.changes(tenant);
    const plan = await planRead(log, request, 'c', bounds);
    const got = await this.#host.readChanges(log, plan, bounds, { sub, db: t ? this.#host.databases.get(t) : null, observeRls: (s) => this.#host.metrics.rlsCheck.observe(s) });
    return { frames: got.frames, floor: plan.end, position: got.last !== null ? positionText('c', { partition: log.partition, offset: got.last }) : plan.given };
  }

  /** Paced by the client's reading (paced-send.ts), the seam still holding live frames meanwhile. */
  async #deliver(channel: Channel, stream: RecoveryStream, frames: Array<string | Uint8Array>, wanted: () => boolean): Promise<void> {
    if (frames.length === 0) return;
    const { bytes, sent } = await sendPaced(channel.conn, frames, this.#host.clock, this.#settings.timeoutMs, wanted);
    const tenant = channel.conn.tenantId;
    const m = this.#host.metrics;
    m.recoveredFrames.inc(stream, sent);
    m.eventsOut.inc(sent);
    m.tenantEvents.inc(tenant, 'out', sent);
    if (stream === 'postgres_changes') m.tenant(tenant).dbEvents += sent;
    this.#host.usage.count(tenant, 'bytes_out', bytes);
    this.#host.usage.count(tenant, 'events_out', sent);
    const max = this.#host.tenant(tenant)?.limits.maxEventsPerSecond;
    // as fanOut (countDelivered) and the change fan-out (delivered) count theirs
    if (max !== undefined && sent > 0) this.#host.limits.count(stream === 'broadcast' ? 'events' : 'db_events', tenant, max, sent);
  }
}

const frameBytes = (frames: ReadonlyArray<string | Uint8Array>) => frames.reduce((n, f) => n + (typeof f === 'string' ? f.length : f.byteLength), 0);

/** `work`, or the abort's reason as soon as the signal fires. */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
