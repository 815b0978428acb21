// The decision rules with plain numbers: global sums across gateways, staleness, each limit's
// judgement (the reference's 5 s / 12-bucket rate counter, the byte bucket, the users gauge),
// lifting, refreshes, warm-up after an assignment, ownership and tombstones.
import { describe, expect, it } from 'vitest';
import type { LimitDecision, UsageReport } from '@realtime/schemas';
import { Aggregator, defaultTiming, type Emitted } from './aggregate.ts';
import type { PerLimit } from './limits.ts';

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

/** Ticks of the reference's rate counter: a counter starts with an empty bucket, then one per 5 s. */
const TICK = 5_000;

describe('global rates', () => {
  it('sums the latest window of every gateway: two under the limit alone, over it together', () => {
    const a = aggregator();
    expect(a.report(report('g1', T0, { connections: 6 }), T0).emitted).toEqual([]);
    const { emitted } = a.report(report('g2', T0 + 100, { connections: 5 }), T0 + 100);
    expect(brief(emitted)).toEqual([['concurrent_users', 'change', true, 11]]);
    expect(emitted[0]!.decision).toEqual({ tenant: 't1', limit: 'concurrent_users', throttled: true, rate: 11, max: 10, until: T0 + 100 + defaultTiming.ttlMs, decided_at: T0 + 100 });
  });

  it('adds every gateway\'s counts into one rate counter: each alone under the limit, together over it at the tick', () => {
    const a = aggregator();
    expect(a.report(report('g1', T0, { events_in: 600 }), T0).emitted).toEqual([]);
    expect(a.report(report('g2', T0 + 100, { events_in: 400 }), T0 + 100).emitted).toEqual([]); // nothing decided before a tick
    expect(brief(a.tick(T0 + TICK, all))).toEqual([['events_per_second', 'change', true, 100]]); // [1000, 0] → 1000 / 2 / 5
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
    expect(a.report(report('g1', T0, { events_in: 5000 }), T0 + defaultTiming.staleMs + 1)).toEqual({ outcome: 'stale', emitted: [] });
    a.report(report('g1', T0, { connections: 6 }), T0);
    a.report(report('g2', T0 + 2000, { connections: 3 }), T0 + 2000);
    expect(a.rates('t1', T0 + 2000)?.concurrent_users).toBe(9);
    expect(a.rates('t1', T0 + defaultTiming.staleMs + 1)?.concurrent_users).toBe(3);
    expect(a.tick(T0 + TICK, all)).toEqual([]); // the stale report's 5000 events were never counted
  });

  it('rejects a report without a window', () => {
    expect(aggregator().report(report('g1', T0, { events_in: 500 }, 0), T0).outcome).toBe('invalid');
    expect(aggregator().report(report('g1', T0, { events_in: -5 }), T0).outcome).toBe('invalid');
  });
});

describe('each limit', () => {
  it('joins: a page joining 150 channels at once stays under 20/s·…, a burst of 10 s worth trips at the tick (>=)', () => {
    const a = aggregator();
    a.report(report('g1', T0, { joins: 150 }), T0);
    expect(a.tick(T0 + TICK, all)).toEqual([]); // [150, 0] → 15/s under 20
    a.report(report('g1', T0 + TICK + 1000, { joins: 300 }), T0 + TICK + 1000);
    expect(brief(a.tick(T0 + 2 * TICK, all))).toEqual([['joins_per_second', 'change', true, 30]]); // [300, 150, 0] → 450 / 3 / 5
  });

  it('events: events_in and events_out (every frame delivered) count alike', () => {
    const a = aggregator();
    a.report(report('g1', T0, { events_in: 100, events_out: 900 }), T0);
    expect(brief(a.tick(T0 + TICK, all))).toEqual([['events_per_second', 'change', true, 100]]);
  });

  it('presence: throttles while the average is above the maximum (>), not on it', () => {
    const a = aggregator();
    a.report(report('g1', T0, { presence_events: 500 }), T0);
    expect(a.tick(T0 + TICK, all)).toEqual([]); // 500 / 2 / 5 = 50: on the maximum
    a.report(report('g1', T0 + TICK + 10, { presence_events: 260 }), T0 + TICK + 10);
    expect(brief(a.tick(T0 + 2 * TICK, all))).toEqual([['presence_events_per_second', 'change', true, 760 / 3 / 5]]);
  });

  it('bytes: a token bucket whose burst admits the largest message; a stream above the rate overdraws it', () => {
    const a = new Aggregator();
    a.setTenant('t1', { ...maxima, bytes_per_second: 100_000 }, 3_000_500);
    expect(a.report(report('g1', T0, { bytes_in: 600_000 }), T0).emitted).toEqual([]); // one 600 KB message
    expect(a.report(report('g1', T0 + 1000, { bytes_in: 2_600_000 }), T0 + 1000).emitted.map((e) => [e.limit, e.decision?.throttled])).toEqual([['bytes_per_second', true]]);
    // the bucket refills at 100 KB/s: back above zero within a second or two
    expect(brief(a.tick(T0 + 3000, all)).map(([l, k, t]) => [l, k, t])).toEqual([['bytes_per_second', 'change', false]]);
  });

  it('concurrent_users: connections summed across gateways throttle at the maximum', () => {
    const a = aggregator();
    a.report(report('g1', T0, { connections: 5 }), T0);
    expect(a.report(report('g2', T0, { connections: 4 }), T0).emitted).toEqual([]);
    expect(brief(a.report(report('g2', T0 + 1000, { connections: 5 }), T0 + 1000).emitted)).toEqual([['concurrent_users', 'change', true, 10]]);
  });

  it('counts neither bytes_out nor channels', () => {
    const a = aggregator();
    a.report(report('g1', T0, { bytes_out: 10_000_000, channels: 1000 }), T0);
    expect(a.tick(T0 + TICK, all)).toEqual([]);
  });

  it('decides each limit on its own', () => {
    const a = aggregator();
    a.report(report('g1', T0, { joins: 210, events_in: 5 }), T0);
    expect(brief(a.tick(T0 + TICK, all))).toEqual([['joins_per_second', 'change', true, 21]]);
  });
});

/** A tenant whose events limit tripped at T0 + TICK (1000 events: [1000, 0] → 100/s). */
function tripped() {
  const a = aggregator();
  a.report(report('g1', T0, { events_in: 1000 }), T0);
  expect(brief(a.tick(T0 + TICK, all))).toEqual([['events_per_second', 'change', true, 100]]);
  return a;
}

describe('lifting', () => {
  it('lifts at the first tick whose average is under the maximum, and holds it while the average sits on it', () => {
    const a = tripped();
    a.report(report('g1', T0 + TICK + 10, { events_in: 500 }), T0 + TICK + 10);
    expect(brief(a.tick(T0 + 2 * TICK, all))).toEqual([['events_per_second', 'refresh', true, 100]]); // [500, 1000, 0] → 100
    const lifted = a.tick(T0 + 3 * TICK, all); // [0, 500, 1000, 0] → 75
    expect(brief(lifted)).toEqual([['events_per_second', 'change', false, 75]]);
    expect(lifted[0]!.decision?.until).toBeNull();
  });

  it('lifts when the tenant\'s maximum is raised, at the next tick', () => {
    const a = tripped();
    a.setTenant('t1', { ...maxima, events_per_second: 200 });
    expect(brief(a.tick(T0 + TICK + 10, all))).toEqual([]);
    expect(brief(a.tick(T0 + 2 * TICK, all))).toEqual([['events_per_second', 'change', false, 1000 / 3 / 5]]);
  });

  it('waits warmupMs after an assignment, and a counter\'s first tick, before lifting; throttles and refreshes meanwhile', () => {
    const a = aggregator();
    a.observe('t1', 'joins_per_second', decision('joins_per_second', true, T0 - 500));
    a.assigned(T0);
    a.report(report('g1', T0 + 100, { events_in: 1000 }), T0 + 100);
    expect(brief(a.tick(T0 + 800, all))).toEqual([['joins_per_second', 'refresh', true, 0]]);
    expect(brief(a.tick(T0 + defaultTiming.warmupMs, all))).toEqual([['joins_per_second', 'refresh', true, 0]]); // warm, but no tick yet
    expect(brief(a.tick(T0 + 100 + TICK, all))).toEqual([['events_per_second', 'change', true, 100], ['joins_per_second', 'change', false, 0]]);
  });

  it('never throttles a tenant whose gateways together stay under every limit', () => {
    let seed = 42;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    const a = aggregator();
    const gateways = ['g1', 'g2', 'g3', 'g4'];
    // each gateway reports consecutive one-second windows with under max/4 per second
    const share = (max: number) => Math.floor(((max - 1) / gateways.length) * random());
    for (let second = 1; second <= 300; second++) {
      for (const [i, g] of gateways.entries()) {
        const now = T0 + second * 1000 + i * 37;
        const r = report(g, now, {
          connections: Math.floor(((maxima.concurrent_users - 1) / 4) * random()),
          events_in: share(maxima.events_per_second), joins: share(maxima.joins_per_second),
          presence_events: share(maxima.presence_events_per_second), bytes_in: share(maxima.bytes_per_second),
        });
        expect(a.report(r, now).emitted).toEqual([]);
        expect(a.tick(now, all)).toEqual([]);
      }
    }
  });
});

describe('publishing', () => {
  it('re-publishes a throttle every refreshMs with a new until, and nothing in between', () => {
    const a = tripped();
    expect(a.tick(T0 + TICK + defaultTiming.refreshMs - 1, all)).toEqual([]);
    const [refresh] = a.tick(T0 + TICK + defaultTiming.refreshMs, all);
    expect(refresh?.kind).toBe('refresh');
    expect(refresh?.decision).toMatchObject({ throttled: true, decided_at: T0 + TICK + defaultTiming.refreshMs, until: T0 + TICK + defaultTiming.refreshMs + defaultTiming.ttlMs });
    expect(a.tick(T0 + TICK + defaultTiming.refreshMs + 100, all)).toEqual([]);
  });

  it('decides nothing for a tenant it does not know', () => {
    const a = new Aggregator();
    expect(a.report(report('g1', T0, { events_in: 10_000, connections: 10_000 }), T0)).toEqual({ outcome: 'counted', emitted: [] });
    expect(a.tick(T0 + TICK, all)).toEqual([]);
  });

  it('tombstones every key of a deleted tenant, once', () => {
    const a = tripped();
    a.observe('t1', 'joins_per_second', decision('joins_per_second', false, T0 - 5000));
    a.setTenant('t1', null);
    expect(brief(a.tick(T0 + TICK + 10, all))).toEqual([['events_per_second', 'tombstone', null, null], ['joins_per_second', 'tombstone', null, null]]);
    expect(a.tick(T0 + TICK + 20, all)).toEqual([]);
  });

  it('leaves tenants it does not own to their owner, and forgets their windows and counters', () => {
    const a = aggregator();
    a.report(report('g1', T0, { events_in: 1000 }), T0);
    a.setTenant('t1', null);
    expect(a.tick(T0 + 2000, () => false)).toEqual([]);
    a.setTenant('t1', maxima);
    expect(a.rates('t1', T0 + 2000)).toBeUndefined();
    expect(a.tick(T0 + TICK, all)).toEqual([]); // the 1000 events went with the counter
  });

  it('lifts a throttle read back from realtime.limits (a restart) once the tenant is idle', () => {
    const a = aggregator();
    a.observe('t1', 'concurrent_users', decision('concurrent_users', true, T0 - 60_000));
    a.observe('t1', 'events_per_second', decision('events_per_second', true, T0 - 60_000));
    expect(brief(a.tick(T0, all))).toEqual([['concurrent_users', 'change', false, 0], ['events_per_second', 'change', false, 0]]);
  });

  it('does not let an older echo of its own record undo a newer decision', () => {
    const a = tripped();
    a.observe('t1', 'events_per_second', decision('events_per_second', false, T0 - 1));
    expect(a.tick(T0 + TICK + 10, all)).toEqual([]);
    a.observe('t1', 'events_per_second', null);
    a.observe('t1', 'no_such_limit', decision('events_per_second', true, T0));
    expect(brief(a.tick(T0 + TICK + 20, all))).toEqual([['events_per_second', 'change', true, 100]]);
  });
});

function decision(limit: string, throttled: boolean, at: number): LimitDecision {
  return { tenant: 't1', limit, throttled, rate: 0, max: 1, until: null, decided_at: at };
}
