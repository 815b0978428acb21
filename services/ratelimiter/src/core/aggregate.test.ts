// The decision rules with plain numbers: global sums across gateways, staleness, each limit's
// comparison, lifting, refreshes, warm-up after an assignment, ownership and tombstones.
import { describe, expect, it } from 'vitest';
import type { LimitDecision, UsageReport } from '@realtime/schemas';
import { Aggregator, defaultTiming, type Emitted } from './aggregate.ts';
import { limitNames, type PerLimit } from './limits.ts';

const T0 = 1_763_800_000_000;
const maxima: PerLimit = { concurrent_users: 10, events_per_second: 100, joins_per_second: 20, presence_events_per_second: 50, bytes_per_second: 10_000 };
const all = () => true;

/** Gateway `node`'s window of `ms` ending at `end`; counts default to zero. */
function report(node: string, end: number, counts: Partial<UsageReport> = {}, ms = 1000): UsageReport {
  return {
    tenant: 't1', node, window_start: end - ms, window_ms: ms,
    connections: 0, channels: 0, joins: 0, events_in: 0, events_out: 0, presence_events: 0, bytes_in: 0, bytes_out: 0, ...counts,
  };
}

function aggregator(m: PerLimit = maxima) {
  const a = new Aggregator();
  a.setTenant('t1', m);
  return a;
}

const brief = (e: Emitted[]) => e.map((x) => [x.limit, x.kind, x.decision?.throttled ?? null, x.decision?.rate ?? null]);

describe('global rates', () => {
  it('sums the latest window of every gateway: two under the limit alone, over it together', () => {
    const a = aggregator();
    expect(a.report(report('g1', T0, { events_in: 60 }), T0).emitted).toEqual([]);
    const { emitted } = a.report(report('g2', T0 + 100, { events_in: 60 }), T0 + 100);
    expect(brief(emitted)).toEqual([['events_per_second', 'change', true, 120]]);
    expect(emitted[0]!.decision).toEqual({ tenant: 't1', limit: 'events_per_second', throttled: true, rate: 120, max: 100, until: T0 + 100 + defaultTiming.ttlMs, decided_at: T0 + 100 });
  });

  it('makes per-second rates of counts over windows of any length, and sums gauges as they are', () => {
    const a = aggregator();
    a.report(report('g1', T0, { events_in: 30, connections: 4 }, 500), T0);
    a.report(report('g2', T0, { events_in: 90, connections: 3 }, 2000), T0);
    expect(a.rates('t1', T0)).toMatchObject({ events_per_second: 60 + 45, concurrent_users: 7 });
  });

  it('keeps only the newest window of a gateway: a newer one replaces it, an older one is ignored', () => {
    const a = aggregator();
    a.report(report('g1', T0, { events_in: 80 }), T0);
    expect(a.report(report('g1', T0 + 1000, { events_in: 70 }), T0 + 1000).emitted).toEqual([]);
    expect(a.report(report('g1', T0 + 500, { events_in: 500 }), T0 + 1000)).toEqual({ outcome: 'superseded', emitted: [] });
    expect(a.rates('t1', T0 + 1000)?.events_per_second).toBe(70);
  });

  it('ignores a report whose window ended more than staleMs ago, and drops a gateway that stops reporting', () => {
    const a = aggregator();
    expect(a.report(report('g1', T0, { events_in: 500 }), T0 + defaultTiming.staleMs + 1)).toEqual({ outcome: 'stale', emitted: [] });
    a.report(report('g1', T0, { events_in: 60 }), T0);
    a.report(report('g2', T0 + 2000, { events_in: 30 }), T0 + 2000);
    expect(a.rates('t1', T0 + 2000)?.events_per_second).toBe(90);
    expect(a.rates('t1', T0 + defaultTiming.staleMs + 1)?.events_per_second).toBe(30);
  });

  it('rejects a report without a window', () => {
    expect(aggregator().report(report('g1', T0, { events_in: 500 }, 0), T0).outcome).toBe('invalid');
    expect(aggregator().report(report('g1', T0, { events_in: -5 }), T0).outcome).toBe('invalid');
  });
});

describe('each limit', () => {
  const cases: [keyof UsageReport, (typeof limitNames)[number]][] = [
    ['events_in', 'events_per_second'], ['joins', 'joins_per_second'], ['presence_events', 'presence_events_per_second'], ['bytes_in', 'bytes_per_second'],
  ];
  for (const [field, limit] of cases) {
    it(`${limit}: ${field} at the maximum passes, above it throttles`, () => {
      const a = aggregator();
      expect(a.report(report('g1', T0, { [field]: maxima[limit] }), T0).emitted).toEqual([]);
      expect(brief(a.report(report('g1', T0 + 1000, { [field]: maxima[limit] + 1 }), T0 + 1000).emitted)).toEqual([[limit, 'change', true, maxima[limit] + 1]]);
    });
  }

  it('concurrent_users: connections summed across gateways throttle at the maximum', () => {
    const a = aggregator();
    a.report(report('g1', T0, { connections: 5 }), T0);
    expect(a.report(report('g2', T0, { connections: 4 }), T0).emitted).toEqual([]);
    expect(brief(a.report(report('g2', T0 + 1000, { connections: 5 }), T0 + 1000).emitted)).toEqual([['concurrent_users', 'change', true, 10]]);
  });

  it('counts events_in, not events_out or bytes_out', () => {
    const a = aggregator();
    expect(a.report(report('g1', T0, { events_out: 10_000, bytes_out: 10_000_000, channels: 1000 }), T0).emitted).toEqual([]);
  });

  it('decides each limit on its own', () => {
    const a = aggregator();
    const e = a.report(report('g1', T0, { joins: 21, bytes_in: 20_000, events_in: 5 }), T0).emitted;
    expect(brief(e)).toEqual([['joins_per_second', 'change', true, 21], ['bytes_per_second', 'change', true, 20_000]]);
  });
});

describe('lifting', () => {
  it('lifts once the rate is back under the maximum, and holds it while the rate sits on it', () => {
    const a = aggregator();
    a.report(report('g1', T0, { events_in: 150 }), T0);
    expect(a.report(report('g1', T0 + 500, { events_in: 100 }), T0 + 500).emitted).toEqual([]);
    const lifted = a.report(report('g1', T0 + 1000, { events_in: 99 }), T0 + 1000).emitted;
    expect(brief(lifted)).toEqual([['events_per_second', 'change', false, 99]]);
    expect(lifted[0]!.decision?.until).toBeNull();
  });

  it('lifts on a tick when the gateways that pushed it over stop reporting', () => {
    const a = aggregator();
    a.report(report('g1', T0, { events_in: 150 }), T0);
    expect(brief(a.tick(T0 + defaultTiming.staleMs, all))).toEqual([['events_per_second', 'refresh', true, 150]]);
    expect(brief(a.tick(T0 + defaultTiming.staleMs + 1, all))).toEqual([['events_per_second', 'change', false, 0]]);
    expect(a.tick(T0 + 60_000, all)).toEqual([]);
  });

  it('lifts when the tenant\'s maximum is raised', () => {
    const a = aggregator();
    a.report(report('g1', T0, { events_in: 150 }), T0);
    a.setTenant('t1', { ...maxima, events_per_second: 200 });
    expect(brief(a.tick(T0 + 10, all))).toEqual([['events_per_second', 'change', false, 150]]);
  });

  it('waits warmupMs after an assignment before lifting, but throttles and refreshes meanwhile', () => {
    const a = aggregator();
    a.observe('t1', 'joins_per_second', decision('joins_per_second', true, T0 - 500));
    a.assigned(T0);
    a.report(report('g1', T0 + 100, { events_in: 150 }), T0 + 100);
    expect(brief(a.tick(T0 + 800, all))).toEqual([['joins_per_second', 'refresh', true, 0]]);
    expect(brief(a.tick(T0 + defaultTiming.warmupMs, all))).toEqual([['events_per_second', 'refresh', true, 150], ['joins_per_second', 'change', false, 0]]);
  });

  it('never throttles a tenant whose global usage stays under every limit', () => {
    let seed = 42;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    const a = aggregator();
    const gateways = ['g1', 'g2', 'g3', 'g4'];
    // each gateway's per-second share stays under max/4, whatever its window length
    const share = (max: number, ms: number) => Math.floor((((max - 1) / gateways.length) * random() * ms) / 1000);
    let peak = 0;
    for (let step = 0; step < 2000; step++) {
      const now = T0 + step * 37;
      const ms = 250 + Math.floor(random() * 1750);
      const r = report(gateways[step % 4]!, now - Math.floor(random() * 4000), {
        connections: Math.floor(((maxima.concurrent_users - 1) / 4) * random()),
        events_in: share(maxima.events_per_second, ms), joins: share(maxima.joins_per_second, ms),
        presence_events: share(maxima.presence_events_per_second, ms), bytes_in: share(maxima.bytes_per_second, ms),
      }, ms);
      expect(a.report(r, now).emitted).toEqual([]);
      expect(a.tick(now, all)).toEqual([]);
      peak = Math.max(peak, a.rates('t1', now)?.events_per_second ?? 0);
    }
    expect(peak).toBeGreaterThan(maxima.events_per_second / 2); // the sums did come close
  });
});

describe('publishing', () => {
  it('re-publishes a throttle every refreshMs with a new until, and nothing in between', () => {
    const a = aggregator();
    a.report(report('g1', T0, { events_in: 150 }), T0);
    expect(a.tick(T0 + defaultTiming.refreshMs - 1, all)).toEqual([]);
    const [refresh] = a.tick(T0 + defaultTiming.refreshMs, all);
    expect(refresh?.kind).toBe('refresh');
    expect(refresh?.decision).toMatchObject({ throttled: true, decided_at: T0 + defaultTiming.refreshMs, until: T0 + defaultTiming.refreshMs + defaultTiming.ttlMs });
    expect(a.tick(T0 + defaultTiming.refreshMs + 100, all)).toEqual([]);
  });

  it('decides nothing for a tenant it does not know', () => {
    const a = new Aggregator();
    expect(a.report(report('g1', T0, { events_in: 10_000, connections: 10_000 }), T0)).toEqual({ outcome: 'counted', emitted: [] });
    expect(a.tick(T0, all)).toEqual([]);
  });

  it('tombstones every key of a deleted tenant, once', () => {
    const a = aggregator();
    a.report(report('g1', T0, { events_in: 150 }), T0);
    a.observe('t1', 'joins_per_second', decision('joins_per_second', false, T0 - 5000));
    a.setTenant('t1', null);
    expect(brief(a.tick(T0 + 10, all))).toEqual([['events_per_second', 'tombstone', null, null], ['joins_per_second', 'tombstone', null, null]]);
    expect(a.tick(T0 + 20, all)).toEqual([]);
  });

  it('leaves tenants it does not own to their owner, and forgets their windows', () => {
    const a = aggregator();
    a.report(report('g1', T0, { events_in: 150 }), T0);
    a.setTenant('t1', null);
    expect(a.tick(T0 + 2000, () => false)).toEqual([]);
    a.setTenant('t1', maxima);
    expect(a.rates('t1', T0 + 2000)).toBeUndefined();
  });

  it('lifts a throttle read back from realtime.limits (a restart) once the tenant is idle', () => {
    const a = aggregator();
    a.observe('t1', 'concurrent_users', decision('concurrent_users', true, T0 - 60_000));
    expect(brief(a.tick(T0, all))).toEqual([['concurrent_users', 'change', false, 0]]);
  });

  it('does not let an older echo of its own record undo a newer decision', () => {
    const a = aggregator();
    a.report(report('g1', T0, { events_in: 150 }), T0);
    a.observe('t1', 'events_per_second', decision('events_per_second', false, T0 - 1));
    expect(a.tick(T0 + 10, all)).toEqual([]);
    a.observe('t1', 'events_per_second', null);
    a.observe('t1', 'no_such_limit', decision('events_per_second', true, T0));
    expect(brief(a.tick(T0 + 20, all))).toEqual([['events_per_second', 'change', true, 150]]);
  });
});

function decision(limit: string, throttled: boolean, at: number): LimitDecision {
  return { tenant: 't1', limit, throttled, rate: 0, max: 1, until: null, decided_at: at };
}
