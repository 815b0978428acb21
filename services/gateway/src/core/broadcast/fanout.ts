// Broadcast fan-out on one gateway: a client's send goes to the local subscribers at once and to
// the bus for the other gateways; what the bus hands back is delivered to the local subscribers
// here, in Kafka order with its position for channels joined with `broadcast.recover`
// (docs/PROTOCOL.md §11). The events limit is checked per receiving channel, as in the reference
// (docs/PROTOCOL.md §9). The Gateway owns one and keeps its publish/receiveRemote/fanOut methods.
import { ErrorCodes } from '@realtime/errors';
import type { Vsn } from '@realtime/protocol';
import type { BroadcastBus } from '../../ports.ts';
import { fromDatabase, type OutboundBroadcast } from '../base/broadcast-message.ts';
import type { LogPosition } from '../base/log-position.ts';
import { messageOf } from '../base/messages.ts';
import { countDelivered, eventsThrottle } from '../admission/rates.ts';
import type { Channel } from '../channels/connection.ts';
import { channelKey } from '../channels/channel-key.ts';
import type { GatewayPorts } from '../context/gateway-ports.ts';
import { deliverOwnEcho, deliverPositioned, type EchoTarget } from '../recovery/broadcasts.ts';
import type { OwnSends } from '../recovery/own-sends.ts';

/** What the fan-out uses of the gateway (Gateway implements it). */
export interface BroadcastHost extends GatewayPorts {
  readonly registry: EchoTarget['registry'];
  shutdownChannel(channel: Channel, message: string): void;
  /** The tenant has sockets on this gateway (the fan-out delivery metric counts both cases). */
  hasSockets(tenantId: string): boolean;
}

export class BroadcastFanout {
  readonly #host: BroadcastHost;
  readonly #bus: Pick<BroadcastBus, 'publish'>;
  readonly #ownSends: OwnSends;
  #publishWarnedAt = -Infinity;
  #publishFailures = 0;

  constructor(host: BroadcastHost, bus: Pick<BroadcastBus, 'publish'>, ownSends: OwnSends) {
    this.#host = host;
    this.#bus = bus;
    this.#ownSends = ownSends;
  }

  /**
   * Delivers locally first, then hands the message to the bus for the other gateways without
   * waiting for it: while Kafka is slow or down a send lasts as long as the client retries, and
   * the sender's next frames, its ack and REST answers must not wait that long. The bus bounds
   * what it holds (kafka-broadcast-bus.ts); its failures are logged at most once a second.
   */
  publish(message: OutboundBroadcast, sender?: Channel): void {
    const g = this.#host;
    g.metrics.tenant(message.tenant).events++;
    g.metrics.fanoutDelivery.inc(g.hasSockets(message.tenant));
    this.fanOut(message, sender);
    // A recovering sender gets its own broadcasts from Kafka (self: false must still leave them out).
    if (sender?.recoverBroadcasts && !sender.options.self) this.#ownSends.remember(message.id, sender);
    this.#bus.publish(message).catch((err: unknown) => this.#publishFailed(message.tenant, err));
  }

  #publishFailed(tenant: string, err: unknown): void {
    this.#publishFailures++;
    const now = this.#host.clock.now();
    if (now - this.#publishWarnedAt < 1000) return;
    this.#host.log.warn({ code: ErrorCodes.UnableToHandleBroadcast, tenant, failures: this.#publishFailures, err: String(err) }, 'broadcasts not published to other gateways');
    this.#publishWarnedAt = now;
    this.#publishFailures = 0;
  }

  /**
   * A broadcast from the bus. Our own come back through Kafka too and were delivered when sent:
   * this is the one place they are dropped (the bus hands over every gateway's), except for channels
   * joined with `broadcast.recover`: they get every broadcast from Kafka, in its order, with its
   * position `at` (docs/PROTOCOL.md §11).
   */
  receiveRemote(message: OutboundBroadcast, at?: LogPosition): void {
    const g = this.#host;
    if (message.originNode === g.nodeId) {
      if (at) deliverOwnEcho(g, message, at, this.#ownSends.take(message.id));
      return;
    }
    g.metrics.fanoutDelivery.inc(g.hasSockets(message.tenant));
    this.fanOut(message, undefined, at);
  }

  fanOut(message: OutboundBroadcast, sender?: Channel, at?: LogPosition): void {
    const g = this.#host;
    const subscribers = g.registry.subscribers(channelKey(message.tenant, message.private, message.topic));
    if (!subscribers) return;
    const tenant = g.tenant(message.tenant);
    if (tenant && fromDatabase(message) && eventsThrottle(g, tenant)) {
      // docs/PROTOCOL.md §9: a database broadcast is consumed and dropped while the events limit is tripped
      g.metrics.rateLimitedDropped.inc('db_broadcast');
      return;
    }
    const frames = new Map<Vsn, string | Uint8Array | null>();
    const receivers: Channel[] = [];
    for (const channel of subscribers) {
      if (channel.recoverBroadcasts !== null) {
        // Kafka order only: local sends reach it when they come back from Kafka, with their position.
        if (at && deliverPositioned(channel, message, at)) receivers.push(channel);
        continue;
      }
      if (channel === sender && !channel.options.self) continue;
      if (message.metaId && channel.replayedIds?.has(message.metaId)) continue; // replayed already
      const vsn = channel.conn.vsn;
      let frame = frames.get(vsn); // one lookup per subscriber: the frame is built once per vsn
      if (frame === undefined) frames.set(vsn, (frame = channel.conn.wire.encodeBroadcast(message, `realtime:${message.topic}`)));
      if (frame !== null) {
        channel.conn.send(frame);
        receivers.push(channel);
      }
    }
    const delivered = receivers.length;
    g.metrics.eventsOut.inc(delivered);
    if (delivered > 0) g.metrics.tenantEvents.inc(message.tenant, 'out', delivered);
    g.usage.count(message.tenant, 'bytes_out', delivered * message.payload.byteLength);
    if (!tenant || delivered === 0) return;
    countDelivered(g, tenant, delivered);
    // The reference checks the limit in each channel that receives a frame: one that receives
    // while it is tripped shuts down (the frame itself was pushed).
    if (!eventsThrottle(g, tenant)) return;
    g.log.info({ code: ErrorCodes.MessagePerSecondRateLimitReached, tenant: tenant.externalId }, 'tenant over its message rate: receiving channels shut down');
    for (const channel of receivers) {
      if (!channel.conn.closed && channel.conn.channels.get(channel.topic) === channel) g.shutdownChannel(channel, messageOf(ErrorCodes.MessagePerSecondRateLimitReached));
    }
  }
}
