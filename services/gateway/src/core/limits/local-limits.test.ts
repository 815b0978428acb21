import { describe, expect, it } from 'vitest';
import { LocalLimits } from './local-limits.ts';
import { ManualClock } from '../../../test/support.ts';

describe('local limits (the reference rate counter: 5 s ticks, 12 buckets)', () => {
  it('admits a page joining 150 channels at once under 100 joins/s: a burst is averaged', () => {
    const clock = new ManualClock();
    const limits = new LocalLimits(clock);
    for (let i = 0; i < 150; i++) expect(limits.tryJoin('acme', 100)).toBe(true);
    clock.advance(5_000);
    expect(limits.rate('joins', 'acme', 100)).toBe(15); // [150, 0] → 150 / 2 / 5
    expect(limits.joinsTriggered('acme', 100)).toBe(false);
    expect(limits.tryJoin('acme', 100)).toBe(true);
  });

  it('refuses sustained joins above the limit from the tick that trips it, and lifts at a tick under it', () => {
    const clock = new ManualClock();
    const limits = new LocalLimits(clock);
    let refusedAt = -1;
    for (let ms = 0; ms < 20_000 && refusedAt < 0; ms += 50) { // 20 joins/s against 10
      if (!limits.tryJoin('acme', 10)) refusedAt = ms;
      clock.advance(50);
    }
    expect(refusedAt).toBe(5_000); // [100, 0] → 10/s: tripped (>=)
    expect(limits.joinsTriggered('other', 10)).toBe(false);
    expect(limits.tryJoin('acme', 10)).toBe(false); // refused joins are not counted
    clock.advance(5_000); // [0, 100, 0] → 6.7/s
    expect(limits.tryJoin('acme', 10)).toBe(true);
  });

  it('refuses presence while the average is above the limit (>), counting only admitted ones', () => {
    const clock = new ManualClock();
    const limits = new LocalLimits(clock);
    for (let i = 0; i < 101; i++) expect(limits.tryPresence('acme', 10)).toBe(true);
    clock.advance(5_000); // 101 / 2 / 5 = 10.1
    expect(limits.tryPresence('acme', 10)).toBe(false);
  });

  it('lets a single large message through the byte bucket, not a stream above the rate', () => {
    const clock = new ManualClock();
    const limits = new LocalLimits(clock);
    const burst = 3_000_500;
    expect(limits.tryBytes('acme', 600_000, 100_000, burst)).toBe(true);
    for (let i = 0; i < 4; i++) expect(limits.tryBytes('acme', 600_000, 100_000, burst)).toBe(true);
    expect(limits.tryBytes('acme', 600_000, 100_000, burst)).toBe(false); // 3 MB spent
    clock.advance(1_000);
    expect(limits.tryBytes('acme', 100_000, 100_000, burst)).toBe(true);
    expect(limits.tryBytes('acme', 1_000, 100_000, burst)).toBe(false); // 500 B left
  });

  it('costs the same per event however many came before (a million in one second)', () => {
    const clock = new ManualClock();
    const limits = new LocalLimits(clock);
    let refused = 0;
    for (let i = 0; i < 1_000_000; i++) {
      if (i % 1000 === 0) clock.advance(1);
      limits.count('events', 'acme', 100_000);
      if (!limits.tryJoin('acme', 1_000_000)) refused++;
    }
    clock.advance(5_000);
    expect(limits.rate('events', 'acme', 100_000)).toBe(100_000); // 1M / 2 buckets / 5 s
    expect(limits.triggered('events', 'acme', 100_000)).toBe(true);
    expect(refused).toBe(0);
  });
});
