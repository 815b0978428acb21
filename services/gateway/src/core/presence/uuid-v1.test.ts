import { describe, expect, it } from 'vitest';
import { uuidV1Generator } from './uuid-v1.ts';

const fixed = (ms: () => number, bytes: number[]) => ({ now: ms, random: () => Uint8Array.from(bytes) });

describe('uuidV1Generator', () => {
  it('matches the RFC 9562 v1 example (2022-02-22 19:22:22 UTC, clock seq 0x33C8, node 9F6BDECED846)', () => {
    const next = uuidV1Generator(fixed(() => Date.UTC(2022, 1, 22, 19, 22, 22), [0x9f, 0x6b, 0xde, 0xce, 0xd8, 0x46, 0x33, 0xc8]));
    expect(next()).toBe('c232ab00-9414-11ec-b3c8-9f6bdeced846');
  });

  it('has version 1, the RFC variant and a multicast node id', () => {
    const id = uuidV1Generator()();
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-1[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(parseInt(id.slice(24, 26), 16) & 1).toBe(1);
  });

  it('gives distinct, increasing timestamps within one millisecond, and past 10,000 of them', () => {
    const next = uuidV1Generator(fixed(() => 1_700_000_000_000, [2, 0, 0, 0, 0, 0, 0, 0]));
    const stamp = (id: string) => BigInt(`0x${id.slice(15, 18)}${id.slice(9, 13)}${id.slice(0, 8)}`);
    const ids = Array.from({ length: 10_050 }, next);
    expect(new Set(ids).size).toBe(ids.length);
    for (let i = 1; i < ids.length; i++) expect(stamp(ids[i]!) > stamp(ids[i - 1]!)).toBe(true);
  });

  it('changes the clock sequence when the clock goes back', () => {
    let now = 2_000;
    const next = uuidV1Generator(fixed(() => now, [2, 0, 0, 0, 0, 0, 0x00, 0x05]));
    const first = next();
    now = 1_000;
    const second = next();
    expect(first.slice(19, 23)).toBe('8005');
    expect(second.slice(19, 23)).toBe('8006');
  });
});
