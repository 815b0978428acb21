// A follower's memory of delivered offsets: a re-read from an older committed offset is dropped,
// per partition, and a record not yet done (its handling threw, so kafkajs delivers it again) is not.
import { describe, expect, it } from 'vitest';
import { DeliveredOffsets } from './delivered-offsets.ts';

describe('DeliveredOffsets', () => {
  it('drops records at or below the last one done on their partition, and only on it', () => {
    const d = new DeliveredOffsets();
    expect(d.seen(0, '5')).toBe(false);
    for (const o of ['5', '6', '7']) d.done(0, o);
    expect(['4', '5', '6', '7'].map((o) => d.seen(0, o))).toEqual([true, true, true, true]);
    expect(d.seen(0, '8')).toBe(false);
    expect(d.seen(1, '5')).toBe(false);
  });

  it('does not go back when an older offset is done again', () => {
    const d = new DeliveredOffsets();
    d.done(2, '10');
    d.done(2, '3');
    expect(d.seen(2, '10')).toBe(true);
    expect(d.seen(2, '11')).toBe(false);
  });

  it('keeps offsets past 2^53 exact', () => {
    const d = new DeliveredOffsets();
    d.done(0, '9007199254740993');
    expect(d.seen(0, '9007199254740993')).toBe(true);
    expect(d.seen(0, '9007199254740994')).toBe(false);
  });
});
