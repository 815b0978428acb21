import { describe, expect, it } from 'vitest';
import { sampleRecords } from '@realtime/testing/samples';
import { payloadTooLarge } from '../base/broadcast-message.ts';
import { PAYLOAD_ENVELOPE_BYTES, payloadCapError, payloadCapKb } from './payload-cap.ts';
import { tenantFromSnapshot } from '../base/tenant.ts';

const KAFKA_DEFAULT = 1_048_588;

describe('max_payload_size_in_kb clamped to what Kafka stores', () => {
  it('a payload that passes the clamped check fits in one record with its envelope', () => {
    const cap = payloadCapKb(KAFKA_DEFAULT);
    expect(cap).toBe(1043);
    const largestAccepted = cap * 1000 + 500;
    expect(payloadTooLarge(largestAccepted, cap)).toBe(false);
    expect(largestAccepted + PAYLOAD_ENVELOPE_BYTES).toBeLessThanOrEqual(KAFKA_DEFAULT);
  });

  it("the default 3000 KB tenant gets the broker's cap; a smaller tenant limit stays", () => {
    const big = tenantFromSnapshot({ ...sampleRecords.TenantSnapshot, max_payload_size_in_kb: 3000 }, (v) => v, payloadCapKb(KAFKA_DEFAULT));
    expect(big.limits.maxPayloadSizeInKb).toBe(1043);
    // before, 2 MB passed the check and then failed in Kafka, after local delivery
    expect(payloadTooLarge(2_000_000, big.limits.maxPayloadSizeInKb)).toBe(true);
    const small = tenantFromSnapshot({ ...sampleRecords.TenantSnapshot, max_payload_size_in_kb: 100 }, (v) => v, payloadCapKb(KAFKA_DEFAULT));
    expect(small.limits.maxPayloadSizeInKb).toBe(100);
  });

  it('refuses to start only when the broker cannot carry a 1 KB payload', () => {
    expect(payloadCapError({ a: KAFKA_DEFAULT, b: 65_536 })).toBeNull();
    expect(payloadCapError({ a: KAFKA_DEFAULT, b: 2000 })).toMatch(/max.message.bytes is 2000/);
  });
});
