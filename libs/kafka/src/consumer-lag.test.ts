import { describe, expect, it } from 'vitest';
import { consumerLag } from './consumer-lag.ts';

describe('consumerLag', () => {
  it('sums end − committed over the partitions the group committed on', () => {
    const ends = [{ partition: 0, high: '10' }, { partition: 1, high: '7' }, { partition: 2, high: '3' }];
    expect(consumerLag(ends, [{ partition: 0, offset: '4' }, { partition: 1, offset: '7' }, { partition: 2, offset: '-1' }])).toBe(6);
  });

  it('counts a partition without a commit, or committed past a truncated end, as 0', () => {
    expect(consumerLag([{ partition: 0, high: '5' }], [])).toBe(0);
    expect(consumerLag([{ partition: 0, high: '5' }], [{ partition: 0, offset: '9' }])).toBe(0);
  });

  it('keeps 64-bit offsets exact', () => {
    expect(consumerLag([{ partition: 0, high: '9007199254741000' }], [{ partition: 0, offset: '9007199254740000' }])).toBe(1000);
  });
});
