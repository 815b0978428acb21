// vsn 1.0.0: JSON objects (docs/PROTOCOL.md §1.3).
//
//   client → server  {"topic": str, "event": str, "payload": any, "ref": str|null, "join_ref"?: str|null}
//                    the first four keys are required ([PX] socket/message.ex)
//   server → client  {"topic", "event", "payload", "ref"}, never a join_ref ([PX] v1_json_serializer.ex)
//
// There is no binary frame in 1.0.0. A UserBroadcast goes out as a `broadcast` event whose payload
// is {"type":"broadcast","event","payload","meta"?}; raw-binary payloads cannot be expressed and are
// skipped (docs/PROTOCOL.md §1.4 routing).
import { Events } from './events.ts';
import { broadcastPayload, isRef, parseJson } from './json.ts';
import { decodeError, type DecodeError, type Decoded, type Message, type Serializer, type UserBroadcast } from './types.ts';
import { VSN_1 } from './vsn.ts';

export function decodeV1(frame: string | Uint8Array): Decoded | DecodeError {
  if (typeof frame !== 'string') return decodeError('binary frames are not part of vsn 1.0.0');
  const parsed = parseJson(frame);
  if (!parsed.ok) return decodeError(parsed.reason);
  const v = parsed.value;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return decodeError('vsn 1.0.0 frame must be a JSON object');
  const o = v as Record<string, unknown>;
  if (typeof o.topic !== 'string') return decodeError('topic must be a string');
  if (typeof o.event !== 'string') return decodeError('event must be a string');
  if (!('payload' in o)) return decodeError('payload is required');
  if (!('ref' in o) || !isRef(o.ref)) return decodeError('ref must be a string or null');
  const joinRef = o.join_ref ?? null;
  if (!isRef(joinRef)) return decodeError('join_ref must be a string or null');
  return { type: 'message', message: { joinRef, ref: o.ref, topic: o.topic, event: o.event, payload: o.payload } };
}

export function encodeV1(msg: Message): string {
  return JSON.stringify({ topic: msg.topic, event: msg.event, payload: msg.payload ?? null, ref: msg.ref });
}

export function encodeUserBroadcastV1(b: UserBroadcast): string | null {
  if (b.encoding === 'binary') return null;
  return encodeV1({ joinRef: null, ref: null, topic: b.topic, event: Events.broadcast, payload: broadcastPayload(b) });
}

export const v1Serializer: Serializer = {
  vsn: VSN_1,
  decode: decodeV1,
  encode: encodeV1,
  encodeUserBroadcast: encodeUserBroadcastV1,
};
