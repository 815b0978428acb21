// Rounds keep each channel's order, hold one command per channel, and only let the offset before
// the first unfinished command be committed.
import { describe, expect, it } from 'vitest';
import { planRounds } from './rounds.ts';

describe('planRounds', () => {
  it('puts distinct channels in one round', () => {
    expect(planRounds(['a', 'b', 'c'])).toEqual([{ indices: [0, 1, 2], doneThrough: 2 }]);
  });

  it('puts the k-th command of a channel in round k and commits only the done prefix', () => {
    expect(planRounds(['a', 'b', 'a', 'c', 'a', 'b'])).toEqual([
      { indices: [0, 1, 3], doneThrough: 1 }, // index 2 (a's second) is not done yet
      { indices: [2, 5], doneThrough: 3 }, // index 4 (a's third) is not done yet
      { indices: [4], doneThrough: 5 },
    ]);
  });

  it('runs one channel strictly in order', () => {
    expect(planRounds(['a', 'a', 'a']).map((r) => r.indices)).toEqual([[0], [1], [2]]);
  });

  it('has nothing to do for an empty batch', () => {
    expect(planRounds([])).toEqual([]);
  });

  it('never lets a later round start before an earlier command of the same channel', () => {
    const keys = Array.from({ length: 200 }, (_, i) => `c${(i * 7919) % 13}`);
    const rounds = planRounds(keys);
    const roundOf = new Map<number, number>();
    rounds.forEach((r, n) => r.indices.forEach((i) => roundOf.set(i, n)));
    for (let i = 0; i < keys.length; i++) for (let j = i + 1; j < keys.length; j++) if (keys[i] === keys[j]) expect(roundOf.get(i)!).toBeLessThan(roundOf.get(j)!);
    rounds.forEach((r, n) => {
      const done = new Set(rounds.slice(0, n + 1).flatMap((x) => x.indices));
      for (let i = 0; i <= r.doneThrough; i++) expect(done.has(i)).toBe(true);
      if (r.doneThrough + 1 < keys.length) expect(done.has(r.doneThrough + 1)).toBe(false);
    });
  });
});
