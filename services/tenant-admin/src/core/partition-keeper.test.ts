import { describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { createLogger } from '@realtime/log';
import { startPartitionKeeper, type PartitionKeeperDeps } from './partition-keeper.ts';
import type { DbTarget } from '../ports.ts';

const db = (host: string): DbTarget => ({ host, port: 5432, database: 'd', user: 'u', password: 'p' });

function keeperWith(ensure: (t: DbTarget, at: Date) => Promise<void>, over: Partial<PartitionKeeperDeps> = {}) {
  const lines: Array<Record<string, unknown>> = [];
  const log = createLogger({ service: 'test', destination: new Writable({ write: (c, _e, cb) => { lines.push(JSON.parse(String(c))); cb(); } }) });
  const results: boolean[] = [];
  const keeper = startPartitionKeeper({
    targets: async () => ['a', 'down', 'b', 'hangs', 'c'].map((id) => ({ externalId: id, db: db(id) })),
    partitions: { ensure },
    now: () => new Date('2030-01-08T00:00:00Z'),
    log, intervalMs: 3_600_000, timeoutMs: 50, concurrency: 2,
    onResult: (ok) => results.push(ok),
    ...over,
  });
  return { keeper, lines, results };
}

describe('partition keeper', () => {
  it('visits every tenant with its clock; a failing or hanging database is logged, counted and skipped', async () => {
    const seen: string[] = [];
    const { keeper, lines, results } = keeperWith(async (t, at) => {
      expect(at.toISOString()).toBe('2030-01-08T00:00:00.000Z');
      if (t.host === 'down') throw new Error('connection refused');
      if (t.host === 'hangs') await new Promise(() => {});
      seen.push(t.host);
    });
    try {
      const result = await keeper.runOnce();
      expect(result.ok.sort()).toEqual(['a', 'b', 'c']);
      expect(result.failed.sort()).toEqual(['down', 'hangs']);
      expect(seen.sort()).toEqual(['a', 'b', 'c']);
      expect(lines.filter((l) => l.code === 'PartitionCreationFailed').map((l) => l.tenant).sort()).toEqual(['down', 'hangs']);
    } finally {
      await keeper.stop();
    }
    expect(results.filter((ok) => !ok)).toHaveLength(2);
  });
});
