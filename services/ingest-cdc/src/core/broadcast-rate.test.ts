import { describe, expect, it } from 'vitest';
import { BroadcastRate } from './broadcast-rate.ts';

const at = (seconds: number) => BigInt(Math.round(seconds * 1_000_000));

describe('BroadcastRate (the reference rate counter on commit time)', () => {
  it('lets a burst through, then drops everything from the tick that trips until one under the limit', () => {
    const rate = new BroadcastRate(10);
    expect(rate.admit(at(100.1), 60)).toBe(60); // 6 s worth at once: no tick yet
    expect(rate.admit(at(100.5), 60)).toBe(60);
    expect(rate.admit(at(105.1), 1)).toBe(0); // tick at 105.1: [120, 0] → 12/s >= 10
    expect(rate.admit(at(109.9), 5)).toBe(0);
    expect(rate.admit(at(115.1), 1)).toBe(1); // [0, 0, 120, 0] → 6/s
  });

  it('counts a clock that steps back at the latest commit time', () => {
    const rate = new BroadcastRate(10);
    expect(rate.admit(at(20.5), 100)).toBe(100);
    expect(rate.admit(at(19.9), 10)).toBe(10);
    expect(rate.admit(at(25.5), 1)).toBe(0); // [110, 0] → 11/s
  });

  it('admits at most a full window of the limit in one tick (a million realtime.send calls)', () => {
    const rate = new BroadcastRate(100);
    expect(rate.admit(at(11.0), 1_000_000)).toBe(6_000);
    expect(rate.admit(at(11.1), 1)).toBe(0);
  });
});
