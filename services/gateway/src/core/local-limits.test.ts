import { describe, expect, it } from 'vitest';
import { LocalLimits } from './local-limits.ts';
import { ManualClock } from './test-support.ts';

describe('local limits', () => {
  it('counts joins in a one-second window that slides', () => {
    const clock = new ManualClock();
    const limits = new LocalLimits(clock);
    expect(limits.tryJoin('acme', 2)).toBe(true);
    clock.advance(500);
    expect(limits.tryJoin('acme', 2)).toBe(true);
    expect(limits.tryJoin('acme', 2)).toBe(false); // refused attempts are not recorded
    expect(limits.joinsTriggered('acme', 2)).toBe(true);
    expect(limits.joinsTriggered('other', 2)).toBe(false);
    clock.advance(600); // the first join left the window
    expect(limits.joinsTriggered('acme', 2)).toBe(false);
    expect(limits.tryJoin('acme', 2)).toBe(true);
    expect(limits.tryJoin('acme', 2)).toBe(false);
  });

  it('averages amounts over five seconds, and reads the rate without recording', () => {
    const clock = new ManualClock();
    const limits = new LocalLimits(clock);
    expect(limits.tryAmount('events:acme', 10, 2)).toBe(true); // 10 in 5 s = 2/s
    expect(limits.rate('events:acme')).toBe(2);
    expect(limits.rate('events:acme')).toBe(2);
    expect(limits.tryAmount('events:acme', 1, 2)).toBe(false);
    clock.advance(3000);
    expect(limits.rate('events:acme')).toBeCloseTo(2.2);
    clock.advance(2500);
    expect(limits.rate('events:acme')).toBe(0);
    expect(limits.tryAmount('events:acme', 10, 2)).toBe(true);
  });

  it('costs the same per event however many came before (a million in one second)', () => {
    // The old limiter copied and summed the whole window on every call: a million events in a
    // second meant ~5·10^11 steps and this test never finished.
    const clock = new ManualClock();
    const limits = new LocalLimits(clock);
    let refused = 0;
    for (let i = 0; i < 1_000_000; i++) {
      if (i % 1000 === 0) clock.advance(1);
      if (!limits.tryAmount('events:acme', 1, 100_000)) refused++;
      if (!limits.tryJoin('acme', 1_000_000)) refused++;
    }
    expect(limits.rate('events:acme')).toBe(200_000);
    expect(refused).toBe(500_000); // everything past the 5 s average of 100k/s
  });
});
