// One client socket: its tenant, connect token, wire version and joined channels. Frames out go
// through the serializer of the socket's vsn, so the core never builds wire bytes itself.
import type { ClientSocket } from '../ports.ts';
import type { Claims } from './jwt.ts';
import type { Channel } from './channel.ts';
import { wireFor, type Wire } from './wire.ts';
import type { Vsn } from '@realtime/protocol';

export class Connection {
  readonly socket: ClientSocket;
  readonly tenantId: string;
  readonly vsn: Vsn;
  readonly wire: Wire;
  readonly token: string;
  readonly claims: Claims;
  readonly channels = new Map<string, Channel>();
  closed = false;

  constructor(socket: ClientSocket, tenantId: string, vsn: Vsn, token: string, claims: Claims) {
    this.socket = socket;
    this.tenantId = tenantId;
    this.vsn = vsn;
    this.wire = wireFor(vsn);
    this.token = token;
    this.claims = claims;
  }

  get id(): string {
    return this.socket.id;
  }

  send(frame: string | Uint8Array | null): void {
    if (frame !== null && !this.closed) this.socket.send(frame);
  }

  /** A reply to a client push: echoes its join_ref and ref (spec §1.4). */
  reply(topic: string, joinRef: string | null, ref: string | null, status: 'ok' | 'error', response: unknown): void {
    this.send(this.wire.encode({ joinRef, ref, topic, event: 'phx_reply', payload: { status, response } }));
  }

  /** A push from the channel process: carries the channel join_ref and ref null. */
  push(channel: Channel, event: string, payload: unknown): void {
    this.send(this.wire.encode({ joinRef: channel.joinRef, ref: null, topic: channel.topic, event, payload }));
  }
}
