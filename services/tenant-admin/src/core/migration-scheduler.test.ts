import { describe, expect, it, vi } from 'vitest';
import { Writable } from 'node:stream';
import { createLogger } from '@realtime/log';
import { createMigrationScheduler } from './migration-scheduler.ts';

const conn = { host: 'h', port: 5432, database: 'd', user: 'u', password: 'p' };

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const log = createLogger({ service: 'test', destination: new Writable({ write: (c, _e, cb) => { lines.push(JSON.parse(String(c))); cb(); } }) });
  return { log, lines };
}

describe('migration scheduler', () => {
  it('retries a failing migration with growing delays, logging MigrationsFailedToRun, until it succeeds', async () => {
    vi.useFakeTimers();
    try {
      const { log, lines } = capture();
      let calls = 0;
      const migrate = vi.fn(async () => {
        if (++calls < 3) throw new Error('connection refused');
        return 1;
      });
      const s = createMigrationScheduler(migrate, log, 100, 1000);
      s.schedule('acme', conn);
      await vi.advanceTimersByTimeAsync(0);
      expect(migrate).toHaveBeenCalledTimes(1);
      await vi.advanceTimersByTimeAsync(100);
      expect(migrate).toHaveBeenCalledTimes(2);
      await vi.advanceTimersByTimeAsync(200);
      expect(migrate).toHaveBeenCalledTimes(3);
      const failures = lines.filter((l) => l.code === 'MigrationsFailedToRun');
      expect(failures.map((l) => l.retryInMs)).toEqual([100, 200]);
      expect(JSON.stringify(lines)).not.toContain('"p"'); // no password in the logs
      s.close();
    } finally {
      vi.useRealTimers();
    }
  });

  it('stops retrying once closed, and a new schedule replaces a pending retry', async () => {
    vi.useFakeTimers();
    try {
      const migrate = vi.fn(async () => { throw new Error('down'); });
      const s = createMigrationScheduler(migrate, capture().log, 100, 1000);
      s.schedule('acme', conn);
      s.schedule('acme', conn);
      await vi.advanceTimersByTimeAsync(0);
      expect(migrate).toHaveBeenCalledTimes(2);
      await vi.advanceTimersByTimeAsync(100);
      expect(migrate).toHaveBeenCalledTimes(3); // only the newest schedule retries
      s.close();
      await vi.advanceTimersByTimeAsync(10_000);
      expect(migrate).toHaveBeenCalledTimes(3);
    } finally {
      vi.useRealTimers();
    }
  });

  it('forgets a tenant once migrated or cancelled: a deleted tenant is not retried', async () => {
    vi.useFakeTimers();
    try {
      const migrate = vi.fn(async (c: typeof conn) => { if (c.host === 'gone') throw new Error('down'); return 1; });
      const s = createMigrationScheduler(migrate, capture().log, 100, 1000);
      s.schedule('deleted', { ...conn, host: 'gone' });
      s.schedule('fine', conn);
      await vi.advanceTimersByTimeAsync(0);
      expect(migrate).toHaveBeenCalledTimes(2);
      s.cancel('deleted');
      await vi.advanceTimersByTimeAsync(10_000);
      expect(migrate).toHaveBeenCalledTimes(2);
      s.close();
    } finally {
      vi.useRealTimers();
    }
  });

  it('reports the first attempt and the run: failed first, done after the retry, null when cancelled', async () => {
    vi.useFakeTimers();
    try {
      let calls = 0;
      const s = createMigrationScheduler(async (c) => { if (c.host === 'gone' || ++calls < 2) throw new Error('down'); return 4; }, capture().log, 100, 1000);
      const run = s.schedule('acme', conn);
      const dropped = s.schedule('deleted', { ...conn, host: 'gone' });
      await vi.advanceTimersByTimeAsync(0);
      expect(await run.first).toBe(false);
      await vi.advanceTimersByTimeAsync(100);
      expect(await run.done).toBe(4);
      s.cancel('deleted');
      expect(await dropped.done).toBeNull();
      s.close();
    } finally {
      vi.useRealTimers();
    }
  });
});
