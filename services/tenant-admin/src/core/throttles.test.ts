import { describe, expect, it } from 'vitest';
import type { LimitDecision } from '@realtime/schemas';
import { ThrottleTable } from './throttles.ts';

const decision = (tenant: string, limit: string, throttled: boolean, until: number | null): LimitDecision =>
  ({ tenant, limit, throttled, rate: 10, max: 5, until, decided_at: 0 });

describe('ThrottleTable', () => {
  it('lists the limits in force, forgets expired ones and tombstones', () => {
    const t = new ThrottleTable();
    t.apply('acme:events_per_second', decision('acme', 'events_per_second', true, 2000));
    t.apply('acme:joins_per_second', decision('acme', 'joins_per_second', true, null));
    t.apply('acme:bytes_per_second', decision('acme', 'bytes_per_second', false, null));
    expect(t.throttled('acme', 1000)).toEqual(['events_per_second', 'joins_per_second']);
    expect(t.throttled('acme', 3000)).toEqual(['joins_per_second']); // past `until`
    t.apply('acme:joins_per_second', null);
    expect(t.throttled('acme', 3000)).toEqual([]);
    expect(t.throttled('nobody', 0)).toEqual([]);
  });
});
