export type { DecodeError, Decoded, Message, PayloadEncoding, Serializer, UserBroadcast, UserBroadcastPush, Vsn } from './types.ts';
export { decodeError, isDecodeError } from './types.ts';
export { CHANNEL_TOPIC_PREFIX, closeMessage, errorMessage, Events, PHOENIX_TOPIC, reply, ReplyReasons, type EventName, type ReplyStatus } from './events.ts';
export { parseVsn, VSN_1, VSN_2 } from './vsn.ts';
export {
  BinaryKinds,
  decodeUserBroadcast,
  decodeUserBroadcastPush,
  EncodingBytes,
  encodeUserBroadcast,
  encodeUserBroadcastPush,
  metadataText,
} from './binary.ts';
export { broadcastPayload, MAX_JSON_DEPTH, nestsDeeperThan, parseJson } from './json.ts';
export { decodeV1, encodeUserBroadcastV1, encodeV1, v1Serializer } from './v1.ts';
export { decodeV2, encodeV2, v2Serializer, type V2Serializer } from './v2.ts';
export { serializerFor } from './serializer.ts';
export { binaryFieldTooLong, MAX_SUBTOPIC_BYTES, type FieldTooLong } from './binary-limits.ts';
