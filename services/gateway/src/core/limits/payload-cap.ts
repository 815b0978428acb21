// A broadcast or a presence meta crosses the gateways as one Kafka record, so a tenant's
// max_payload_size_in_kb (3000 by default, like the reference) can promise more than the broker's
// max.message.bytes (1 MiB by default) stores. The gateway clamps the tenant's limit to what fits,
// read from the topics at start-up, instead of refusing to start: the limit is tenant data that
// changes at run time, and a clamped limit answers with the limit's own error (docs/PROTOCOL.md §4)
// before anything is delivered, locally or remotely.

/** What a record adds to its payload (key, topic, event, ids, framing), generously. */
export const PAYLOAD_ENVELOPE_BYTES = 4096;

/** payloadTooLarge (broadcast-message.ts) lets through max_payload_size_in_kb·1000 + 500 bytes. */
const CHECK_SLACK_BYTES = 500;

/** The largest max_payload_size_in_kb whose payloads fit in records of `recordLimitBytes`. */
export function payloadCapKb(recordLimitBytes: number): number {
  return Math.floor((recordLimitBytes - PAYLOAD_ENVELOPE_BYTES - CHECK_SLACK_BYTES) / 1000);
}

/** The refusal to start when the broker cannot carry even a 1 KB payload. */
export function payloadCapError(recordLimits: Record<string, number>): string | null {
  const smallest = Math.min(...Object.values(recordLimits));
  return payloadCapKb(smallest) >= 1
    ? null
    : `Kafka max.message.bytes is ${smallest} (${JSON.stringify(recordLimits)}): too small for any broadcast; raise it above ${PAYLOAD_ENVELOPE_BYTES + CHECK_SLACK_BYTES + 1000}`;
}
