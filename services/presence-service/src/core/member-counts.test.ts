import { describe, expect, it } from 'vitest';
import { MemberCounts } from './member-counts.ts';

describe('MemberCounts', () => {
  it('sums the last count of each channel', () => {
    const c = new MemberCounts();
    c.set('a', 0, 2);
    c.set('b', 1, 3);
    c.set('a', 0, 1);
    expect(c.total).toBe(4);
    c.set('b', 1, 0);
    expect(c.total).toBe(1);
  });

  it('drops the channels of revoked partitions, keeps the others', () => {
    const c = new MemberCounts();
    c.set('a', 0, 2);
    c.set('b', 1, 3);
    c.set('c', 2, 5);
    c.retain([0, 2]);
    expect(c.total).toBe(7);
    c.retain([]);
    expect(c.total).toBe(0);
  });
});
