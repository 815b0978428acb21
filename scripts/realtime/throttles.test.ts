// Which realtime.limits decisions still throttle: throttled ones whose `until` has not passed.
import { describe, expect, it } from 'vitest';
import type { LimitDecision } from '@realtime/schemas';
import { currentThrottles } from './throttles.ts';

const now = Date.UTC(2026, 0, 1, 12);
const decision = (fields: Partial<LimitDecision>): LimitDecision => ({
  tenant: 'acme', limit: 'events_per_second', throttled: true, rate: 14, max: 10, until: null, decided_at: now - 1000, ...fields,
});

describe('currentThrottles', () => {
  it('keeps throttles without an end or ending later, sorted by tenant and limit', () => {
    const got = currentThrottles([
      decision({ tenant: 'zeta' }),
      decision({ limit: 'joins_per_second', until: now + 5000 }),
      decision({}),
      decision({ tenant: 'lifted', throttled: false }),
      decision({ tenant: 'expired', until: now - 1 }),
    ], now);
    expect(got.map((t) => `${t.tenant} ${t.limit}`)).toEqual(['acme events_per_second', 'acme joins_per_second', 'zeta events_per_second']);
    expect(got[1]).toMatchObject({ rate: 14, max: 10, until: new Date(now + 5000).toISOString(), decided_at: new Date(now - 1000).toISOString() });
  });
});
