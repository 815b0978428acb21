// The gateway's ways of closing a socket on its own: a slow reader past its outgoing bound, a
// frame flood, and a socket left without channels (docs/PROTOCOL.md §2). Each counts and logs why,
// then has the gateway detach the socket before closing it.
import { ErrorCodes } from '@realtime/errors';
import type { Logger } from '@realtime/log';
import type { Clock } from '../../ports.ts';
import type { GatewayMetrics } from '../metrics/metrics.ts';
import type { Connection } from './connection.ts';

/** Shown to a slow reader on each of its channels before its socket closes (docs/PROTOCOL.md §3.5 shape). */
export const SLOW_READER_MESSAGE = 'Client is not reading its messages fast enough: outgoing buffer full';

/** What the guards use of the gateway (Gateway implements it). */
export interface SocketHost {
  readonly metrics: Pick<GatewayMetrics, 'slowClientsDisconnected' | 'socketsClosed'>;
  readonly log: Logger;
  readonly clock: Clock;
  detach(conn: Connection): void;
}

/** Past its outgoing bound: tell each channel why (best effort, past the bound), then close. */
export function dropSlowReader(g: SocketHost, conn: Connection): void {
  if (conn.closed) return;
  g.metrics.slowClientsDisconnected.inc();
  g.log.warn({ code: ErrorCodes.ChannelShutdown, tenant: conn.tenantId, buffered: conn.socket.bufferedAmount }, 'slow client disconnected');
  for (const channel of conn.channels.values()) {
    const payload = { extension: 'system', status: 'error', message: SLOW_READER_MESSAGE, channel: channel.subtopic };
    const frame = conn.wire.encode({ joinRef: channel.joinRef, ref: null, topic: channel.topic, event: 'system', payload });
    if (frame !== null) conn.socket.send(frame);
  }
  // No phx_close: the client reconnects and rejoins once it reads again.
  g.detach(conn);
  conn.socket.close(1013, 'slow client: outgoing buffer full');
}

export function closeSocket(g: SocketHost, conn: Connection, code: number, reason: string, metric: 'frame_flood' | 'no_channels'): void {
  g.metrics.socketsClosed.inc(metric);
  g.log.info({ code: ErrorCodes.ChannelShutdown, tenant: conn.tenantId, reason }, 'socket closed');
  g.detach(conn);
  conn.socket.close(code, reason);
}

/** docs/PROTOCOL.md §2: a socket that stays without channels for the timeout is closed. */
export function armReaper(g: SocketHost, conn: Connection): void {
  conn.reaper?.cancel();
  conn.reaper = g.clock.setTimeout(() => {
    conn.reaper = null;
    if (!conn.closed && conn.channels.size === 0) closeSocket(g, conn, 1000, 'no channels', 'no_channels');
  }, conn.limits.noChannelTimeoutMs);
}
