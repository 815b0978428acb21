// vsn 2.0.0 (docs/PROTOCOL.md §1.4).
//
//   text, both ways   [join_ref: str|null, ref: str|null, topic: str, event: str, payload: any]
//                     exactly five elements; anything else is MalformedWebSocketMessage and dropped
//   binary in         kind 3 user_broadcast_push (layout in binary.ts)
//   binary out        kind 4 user_broadcast (layout in binary.ts); never Phoenix kinds 0/1/2,
//                     which realtime-js cannot decode
import { decodeUserBroadcastPush, encodeUserBroadcast } from './binary.ts';
import { isRef, parseJson } from './json.ts';
import { decodeError, type DecodeError, type Decoded, type Message, type Serializer, type UserBroadcast } from './types.ts';
import { VSN_2 } from './vsn.ts';

export function decodeV2(frame: string | Uint8Array): Decoded | DecodeError {
  if (typeof frame !== 'string') {
    const push = decodeUserBroadcastPush(frame);
    return 'type' in push ? push : { type: 'user_broadcast_push', push };
  }
  const parsed = parseJson(frame);
  if (!parsed.ok) return decodeError(parsed.reason);
  const v = parsed.value;
  if (!Array.isArray(v) || v.length !== 5) return decodeError('vsn 2.0.0 frame must be a 5-element array');
  const [joinRef, ref, topic, event, payload] = v as unknown[];
  if (!isRef(joinRef)) return decodeError('join_ref must be a string or null');
  if (!isRef(ref)) return decodeError('ref must be a string or null');
  if (typeof topic !== 'string') return decodeError('topic must be a string');
  if (typeof event !== 'string') return decodeError('event must be a string');
  return { type: 'message', message: { joinRef, ref, topic, event, payload } };
}

export function encodeV2(msg: Message): string {
  return JSON.stringify([msg.joinRef, msg.ref, msg.topic, msg.event, msg.payload]);
}

export interface V2Serializer extends Serializer {
  encodeUserBroadcast(b: UserBroadcast): Uint8Array;
}

export const v2Serializer: V2Serializer = {
  vsn: VSN_2,
  decode: decodeV2,
  encode: encodeV2,
  encodeUserBroadcast,
};
