// Broadcasts of channels joined with `broadcast.recover` (docs/PROTOCOL.md §11): they come in
// Kafka order only, each with its position in `meta.position`, live (live.ts: the gateway's fan-out
// hands them here) and recovered (readBroadcastHistory, the range [start, E) of the channel's partition).
import type { Channel } from '../channels/connection.ts';
import { channelKey } from '../channels/channel-key.ts';
import type { GatewayMetrics } from '../metrics/metrics.ts';
import type { Vsn } from '@realtime/protocol';
import type { LogStream } from '../../ports.ts';
import type { OutboundBroadcast } from '../base/broadcast-message.ts';
import { positionText, type LogPosition } from '../base/log-position.ts';
import { HistoryScan } from './history-scan.ts';
import type { ReadBounds, ReadPlan, Recovered } from './read-bounds.ts';

/** Frames with a position, encoded once per message and wire version however many channels get them. */
const encoded = new WeakMap<OutboundBroadcast, Map<Vsn, string | Uint8Array | null>>();

export function positionedFrame(channel: Channel, message: OutboundBroadcast, at: LogPosition): string | Uint8Array | null {
  let frames = encoded.get(message);
  if (!frames) encoded.set(message, (frames = new Map()));
  const vsn = channel.conn.vsn;
  if (!frames.has(vsn)) frames.set(vsn, encode(channel, message, positionText('b', at)));
  return frames.get(vsn) ?? null;
}

function encode(channel: Channel, message: OutboundBroadcast, position: string): string | Uint8Array | null {
  try {
    return channel.conn.wire.encodeBroadcast(message, `realtime:${message.topic}`, position);
  } catch {
    // A meta id near the binary field's 255 bytes leaves no room for the position: sent without it.
    return channel.conn.wire.encodeBroadcast(message, `realtime:${message.topic}`);
  }
}

/** A message from realtime.messages that the channel's `broadcast.replay` sent from the database already (its meta id is the row id). */
const replayedAlready = (channel: Channel, message: OutboundBroadcast) => message.metaId !== null && channel.replayedIds?.has(message.metaId) === true;

/** A live broadcast for a recovering channel: through its seam, with its position. */
export function deliverPositioned(channel: Channel, message: OutboundBroadcast, at: LogPosition): boolean {
  if (replayedAlready(channel, message)) return false;
  const frame = positionedFrame(channel, message, at);
  if (frame === null || !channel.recoverBroadcasts) return false;
  channel.recoverBroadcasts.live(frame, at.offset);
  return true;
}

/**
 * One of this gateway's own broadcasts back from Kafka: only recovering channels take it (the
 * others had it when it was sent), except the channel that sent it with `self: false`.
 */
export function deliverOwnEcho(g: EchoTarget, message: OutboundBroadcast, at: LogPosition, sender: Channel | undefined): void {
  const subscribers = g.registry.subscribers(channelKey(message.tenant, message.private, message.topic));
  if (!subscribers) return;
  let delivered = 0;
  for (const channel of subscribers) {
    if (channel.recoverBroadcasts === null || channel === sender) continue;
    if (deliverPositioned(channel, message, at)) delivered++;
  }
  if (delivered === 0) return;
  g.metrics.eventsOut.inc(delivered);
  g.metrics.tenantEvents.inc(message.tenant, 'out', delivered);
  g.usage.count(message.tenant, 'bytes_out', delivered * message.payload.byteLength);
  g.usage.count(message.tenant, 'events_out', delivered);
  const max = g.tenant(message.tenant)?.limits.maxEventsPerSecond;
  if (max !== undefined) g.limits.count('events', message.tenant, max, delivered);
}

export interface EchoTarget {
  registry: { subscribers(key: string): ReadonlySet<Channel> | undefined };
  metrics: Pick<GatewayMetrics, 'eventsOut' | 'tenantEvents'>;
  usage: { count(tenant: string, kind: 'bytes_out' | 'events_out', n: number): void };
  limits: { count(name: 'events', tenant: string, limit: number, n: number): void };
  tenant(id: string): { limits: { maxEventsPerSecond: number } } | undefined;
}

/** The channel's broadcasts in [start, E), as frames, within the tenant's caps and the scan bound. */
export async function readBroadcastHistory(channel: Channel, stream: LogStream<OutboundBroadcast>, plan: ReadPlan, bounds: ReadBounds): Promise<Recovered> {
  const out: Recovered = { frames: [], bytes: 0, last: null };
  const scan = new HistoryScan(bounds.maxScanBytes);
  await stream.read(plan.start, plan.end, (r) => {
    if (scan.count(r.bytes)) return 'stop';
    if (!r.own || !r.value) return;
    out.last = r.offset;
    const m = r.value;
    if (plan.sinceMs !== null && m.sentAt < plan.sinceMs) return;
    if (replayedAlready(channel, m)) return;
    const frame = positionedFrame(channel, m, { partition: stream.partition, offset: r.offset });
    if (frame === null) return; // a binary broadcast a 1.0.0 socket cannot receive, as live
    out.bytes += m.payload.byteLength;
    out.frames.push(frame);
    if (out.frames.length > bounds.events || out.bytes > bounds.bytes) return scan.tooLarge('More missed messages than the tenant allows a recovery');
  }, bounds);
  scan.rethrow();
  return out;
}
