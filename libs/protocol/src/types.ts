// The shapes every codec produces or consumes. Wire layouts live in the codec files
// (v1.ts, v2.ts, binary.ts); docs/PROTOCOL.md §1.3, §1.4.

/** A Phoenix frame, whatever the vsn. `payload` is the parsed JSON value. */
export interface Message {
  joinRef: string | null;
  ref: string | null;
  topic: string;
  event: string;
  payload: unknown;
}

export type PayloadEncoding = 'binary' | 'json';

/** Binary kind 3, client → server (2.0.0 `send({type:'broadcast'})`). `event` is the user event. */
export interface UserBroadcastPush {
  joinRef: string | null;
  ref: string | null;
  topic: string;
  event: string;
  metadata: Record<string, unknown> | null;
  encoding: PayloadEncoding;
  /** Raw payload bytes; for `json` they are UTF-8 JSON text. */
  payload: Uint8Array;
}

/** Binary kind 4, server → client; 1.0.0 sockets get it as a JSON `broadcast` instead. */
export interface UserBroadcast {
  topic: string;
  event: string;
  metadata: Record<string, unknown> | null;
  encoding: PayloadEncoding;
  payload: Uint8Array;
}

/** A frame that could not be decoded. Decoders return it and never throw (docs/PROTOCOL.md §1.4: drop, keep the socket). */
export interface DecodeError {
  type: 'error';
  reason: string;
}

export type Decoded =
  | { type: 'message'; message: Message }
  | { type: 'user_broadcast_push'; push: UserBroadcastPush };

export type Vsn = '1.0.0' | '2.0.0';

/** One per vsn; pick it with `serializerFor(vsn)`. */
export interface Serializer {
  readonly vsn: Vsn;
  decode(frame: string | Uint8Array): Decoded | DecodeError;
  encode(msg: Message): string;
  /** `null` when this vsn cannot carry the broadcast (raw binary to 1.0.0). */
  encodeUserBroadcast(b: UserBroadcast): string | Uint8Array | null;
}

export function decodeError(reason: string): DecodeError {
  return { type: 'error', reason };
}

export function isDecodeError(value: unknown): value is DecodeError {
  return typeof value === 'object' && value !== null && (value as { type?: unknown }).type === 'error';
}
