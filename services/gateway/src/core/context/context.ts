// What a frame handler or a feature helper may use of the gateway: its ports (gateway-ports.ts)
// and the few operations on channels. They take this, not the Gateway class, so none of them
// imports gateway.ts; presence and Postgres Changes are seen through the narrow ports below, not
// their classes, which keeps this file low in the import graph (import-graph.test.ts checks it;
// docs/STYLE.md §2, §12). Gateway implements it.
import type { OutboundBroadcast } from '../base/broadcast-message.ts';
import type { Channel, Connection } from '../channels/connection.ts';
import type { GatewayPorts } from './gateway-ports.ts';
import type { Binding } from '../postgres-changes/bindings.ts';

export type { GatewayPorts } from './gateway-ports.ts';

/** Presence of a channel as its handlers drive it (presence/hub.ts PresenceHub implements it). */
export interface PresencePort {
  enable(channel: Channel): Promise<void>;
  track(channel: Channel, meta: Record<string, unknown>): Promise<void>;
  untrack(channel: Channel): Promise<void>;
}

/** Postgres Changes subscriptions of channels (postgres-changes/fanout.ts ChangeFanout implements it). */
export interface ChangesPort {
  subscribe(channel: Channel, bindings: Binding[], legacy?: boolean): void;
  unsubscribe(channel: Channel): void;
  /** The channel's subscription as registered, if any (its recovery matches history against it). */
  subscription(channel: Channel): { channel: Channel; bindings: Binding[]; legacy: boolean } | undefined;
}

/** Recovery on rejoin (core/recovery/recoveries.ts implements it; docs/PROTOCOL.md §11). */
export interface RecoveryPort {
  /** Runs the recovery of one stream of a channel joined with `recover` (its seam is in place). */
  start(channel: Channel, stream: 'broadcast' | 'postgres_changes'): Promise<void>;
  /** Before the channel is registered: its recovering streams queue live frames from the first one. */
  prepare(channel: Channel): void;
}

/**
 * Routes one inbound frame of a socket (core/handlers/index.ts); app.ts hands it to the gateway
 * at construction, so gateway.ts does not import the handlers. `release` frees the socket's queue
 * before the frame is done (broadcasts).
 */
export type Dispatch = (g: GatewayContext, conn: Connection, frame: string | Uint8Array, release?: () => void) => Promise<void>;

export interface GatewayContext extends GatewayPorts {
  readonly presence: PresencePort;
  readonly changes: ChangesPort;
  readonly recovery: RecoveryPort;

  addChannel(channel: Channel): void;
  removeChannel(channel: Channel): void;
  shutdownChannel(channel: Channel, message: string): void;
  publish(message: OutboundBroadcast, sender?: Channel): Promise<void>;
  detach(conn: Connection): void;
}
