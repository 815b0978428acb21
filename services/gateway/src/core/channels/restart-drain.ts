// A rolling restart (docs/PROTOCOL.md §2 "Rolling restart"): on SIGTERM the gateway first stops
// being ready and refuses new sockets, then closes the open ones a batch at a time over
// GATEWAY_DRAIN_WINDOW_MS. Closed all at once, every client of the gateway would reconnect in the
// same second and land on the other gateways as one wave; spread out, they arrive gradually.
import { ErrorCodes, errorDef } from '@realtime/errors';
import type { Logger } from '@realtime/log';
import type { Connection } from './connection.ts';
import { messageOf } from '../base/messages.ts';

/** What a drain needs of the gateway (core/gateway.ts implements it). */
export interface DrainableGateway {
  readonly log: Logger;
  openConnections(): Connection[];
  detach(conn: Connection): void;
}

/** Batches are this far apart: fine enough to spread a reconnect wave, coarse enough to be cheap. */
export const DRAIN_TICK_MS = 100;

/** The reference's restart close code (1012, "service restart"), from the catalog. */
export const RESTART_CLOSE_CODE = errorDef(ErrorCodes.RealtimeRestarting).closeCode ?? 1012;

export type Sleep = (ms: number) => Promise<void>;

const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export class RestartDrain {
  readonly #gateway: DrainableGateway;
  readonly #sleep: Sleep;
  #run: Promise<void> | null = null;

  constructor(gateway: DrainableGateway, sleep: Sleep = realSleep) {
    this.#gateway = gateway;
    this.#sleep = sleep;
  }

  /** True from the first call of run(): readiness fails and upgrades are refused from then on. */
  get draining(): boolean {
    return this.#run !== null;
  }

  /** Closes every open socket over `windowMs`; a second call returns the first call's promise. */
  run(windowMs: number): Promise<void> {
    this.#run ??= this.#drain(windowMs);
    return this.#run;
  }

  async #drain(windowMs: number): Promise<void> {
    const g = this.#gateway;
    const conns = g.openConnections();
    g.log.info({ code: ErrorCodes.RealtimeRestarting, sockets: conns.length, windowMs, closeCode: RESTART_CLOSE_CODE }, 'gateway restarting: closing sockets over the drain window');
    // Evenly paced: a few sockets are closed one at a time across the whole window, many in
    // batches of equal size every DRAIN_TICK_MS. The last close is one interval before the end.
    const n = conns.length;
    const ticks = Math.max(1, Math.min(n, Math.ceil(windowMs / DRAIN_TICK_MS)));
    for (let tick = 0; tick < ticks; tick++) {
      if (tick > 0) await this.#sleep(windowMs / ticks);
      for (const conn of conns.slice(Math.floor((tick * n) / ticks), Math.floor(((tick + 1) * n) / ticks))) restart(g, conn);
    }
  }
}

/**
 * The restart's close: the catalog's notice, then 1012. No `phx_close`: realtime-js would mark its
 * channels closed and not rejoin them after the reconnect, which is the whole point of the close.
 */
function restart(g: DrainableGateway, conn: Connection): void {
  if (conn.closed) return; // it went away by itself during the window
  disconnectWithNotice(g, conn, messageOf(ErrorCodes.RealtimeRestarting), RESTART_CLOSE_CODE, 'server restarting');
}

/**
 * A server-side disconnect that clients recover from (a restart, a tenant drain): a `system`
 * notice on every channel, then the socket's close with `closeCode`.
 */
export function disconnectWithNotice(g: Pick<DrainableGateway, 'detach'>, conn: Connection, message: string, closeCode: number, reason: string): void {
  for (const channel of conn.channels.values()) {
    conn.push(channel, 'system', { extension: 'system', status: 'ok', message, channel: channel.subtopic });
  }
  g.detach(conn);
  conn.socket.close(closeCode, reason);
}
