import { describe, expect, it } from 'vitest';
import { BroadcastRate } from './broadcast-rate.ts';

const at = (seconds: number) => BigInt(Math.round(seconds * 1_000_000));

describe('BroadcastRate', () => {
  it('admits at most the limit per second of commit time, across transactions', () => {
    const rate = new BroadcastRate(100);
    expect(rate.admit(at(10.1), 60)).toBe(60);
    expect(rate.admit(at(10.5), 60)).toBe(40);
    expect(rate.admit(at(10.9), 1)).toBe(0);
    expect(rate.admit(at(11.0), 1_000_000)).toBe(100); // one huge transaction: one second's worth
  });

  it('gives no fresh allowance when the commit clock steps back', () => {
    const rate = new BroadcastRate(10);
    expect(rate.admit(at(20.5), 10)).toBe(10);
    expect(rate.admit(at(19.9), 10)).toBe(0);
    expect(rate.admit(at(21), 10)).toBe(10);
  });
});
