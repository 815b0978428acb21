// A broadcast as the gateway core handles it, whatever its source (WebSocket, REST, Kafka).
// `kind` decides the wire form (docs/PROTOCOL.md §1.4 routing): a UserBroadcast goes to 2.0.0 sockets as
// binary kind 4; a JSON broadcast goes to everyone as a text frame.
import { binaryFieldTooLong, type FieldTooLong } from '@realtime/protocol';
export interface OutboundBroadcast {
  id: string;
  tenant: string;
  /** Subtopic, without the `realtime:` prefix. */
  topic: string;
  private: boolean;
  event: string;
  kind: 'user' | 'json';
  encoding: 'json' | 'binary';
  /** UTF-8 JSON text when encoding is json, raw bytes otherwise. */
  payload: Uint8Array;
  metaId: string | null;
  originNode: string;
  sentAt: number;
}

/** A broadcast from the tenant database (realtime.send): ingest-cdc publishes those. */
export function fromDatabase(message: OutboundBroadcast): boolean {
  return message.originNode.startsWith('ingest-cdc');
}

const decoder = new TextDecoder();
const parsed = new WeakMap<OutboundBroadcast, unknown>();

/** The JSON payload as a value, parsed once per message however many subscribers it has. */
export function jsonPayload(message: OutboundBroadcast): unknown {
  if (!parsed.has(message)) parsed.set(message, JSON.parse(decoder.decode(message.payload)));
  return parsed.get(message);
}

/** docs/PROTOCOL.md §4 size check: about the JSON size, against max_payload_size_in_kb·1000 + 500. */
export function payloadTooLarge(byteLength: number, maxPayloadSizeInKb: number): boolean {
  return byteLength > maxPayloadSizeInKb * 1000 + 500;
}

/** The REST error text of a too-long field (the length message of the reference's validations). */
function tooLongMessage(e: FieldTooLong): string {
  return `should be at most ${e.maxBytes} byte(s)`;
}

// docs/PROTOCOL.md §1.4: a broadcast whose subtopic, event or meta id a kind 4 frame cannot carry is refused
// where it enters (socket, REST: binaryFieldTooLong), never accepted and left to throw in the
// fan-out of every gateway.

/** REST form of the check: `{ topic: ["should be at most 246 byte(s)"] }`, or {} when the fields fit. */
export function fieldLengthErrors(m: { topic?: unknown; event?: unknown }): Record<string, string[]> {
  if (typeof m.topic !== 'string' || typeof m.event !== 'string') return {};
  const e = binaryFieldTooLong({ topic: m.topic, event: m.event });
  return e ? { [e.field]: [tooLongMessage(e)] } : {};
}
