// What the gateway core needs from the outside world. Adapters implement these; unit tests
// use in-memory fakes of them (never of ws, kafkajs or pg).
import type { Tenant } from './core/tenant.ts';
import type { OutboundBroadcast } from './core/broadcast-message.ts';

/** One client WebSocket, as the core sees it (hocuspocus's WebSocketLike). */
export interface ClientSocket {
  readonly id: string;
  send(frame: string | Uint8Array): void;
  close(code: number, reason?: string): void;
}

/** Tenants as learned from realtime.tenants (event-carried state), secrets decrypted. */
export interface TenantDirectory {
  get(externalId: string): Tenant | undefined;
  /** Called after a tenant changed or was deleted (`next` undefined). */
  onChange(listener: (previous: Tenant | undefined, next: Tenant | undefined) => void): void;
}

/** Carries broadcasts to the other gateways. Local delivery never waits for it. */
export interface BroadcastBus {
  publish(message: OutboundBroadcast): Promise<void>;
}

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): { cancel(): void };
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const t = setTimeout(fn, ms);
    t.unref?.();
    return { cancel: () => clearTimeout(t) };
  },
};
