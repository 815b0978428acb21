import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '@realtime/log';
import { Writable } from 'node:stream';
import type { OutboxEntry, OutboxSource, SnapshotPublisher, SnapshotRecord } from '../ports.ts';
import type { TenantRow } from './tenant.ts';
import { relayOnce, startOutboxRelay } from './outbox-relay.ts';
import { rowFrom } from '../../test/fixtures.ts';

const log = createLogger({ service: 'test', level: 'silent', destination: new Writable({ write: (_c, _e, cb) => cb() }) });

function tenant(id: string, reload_seq = 0): TenantRow {
  return rowFrom({
    external_id: id, name: id, jwt_secret: 'g1:x', jwt_jwks: null, max_concurrent_users: 1, max_events_per_second: 1,
    max_joins_per_second: 1, max_channels_per_client: 1, max_bytes_per_second: 1, max_presence_events_per_second: 1,
    max_payload_size_in_kb: 1, max_recovery_events: 1, max_recovery_bytes: 1, max_client_presence_events_per_window: null, client_presence_window_ms: null,
    suspend: false, private_only: false, presence_enabled: false, postgres_cdc_default: 'postgres_cdc_rls', extensions: [],
  }, { reload_seq });
}

class FakeOutbox implements OutboxSource {
  entries: OutboxEntry[] = [];
  tenants = new Map<string, TenantRow>();
  leaseFree = true;
  released = 0;
  private seq = 0;
  add(id: string) { this.entries.push({ id: String(++this.seq), tenantExternalId: id }); }
  async acquire() { return this.leaseFree; }
  async next(limit: number) { return this.entries.slice(0, limit); }
  async load(id: string) { return this.tenants.get(id) ?? null; }
  async ack(ids: string[]) { this.entries = this.entries.filter((e) => !ids.includes(e.id)); }
  async wait(ms: number) { await new Promise((r) => setTimeout(r, Math.min(ms, 5))); }
  async release() { this.released += 1; }
}

class FakePublisher implements SnapshotPublisher {
  sent: SnapshotRecord[] = [];
  failNext = 0;
  async publish(records: SnapshotRecord[]) {
    if (this.failNext > 0) { this.failNext -= 1; throw new Error('broker down'); }
    this.sent.push(...records);
  }
}

afterEach(() => void vi.useRealTimers());

describe('relayOnce', () => {
  it('publishes the current state once per tenant, a tombstone for a deleted one, then acks', async () => {
    const outbox = new FakeOutbox();
    const publisher = new FakePublisher();
    outbox.tenants.set('a', tenant('a', 2));
    outbox.add('a'); outbox.add('gone'); outbox.add('a');
    expect(await relayOnce(outbox, publisher)).toBe(3);
    expect(publisher.sent.map((r) => [r.key, r.value?.reload_seq ?? null])).toEqual([['a', 2], ['gone', null]]);
    expect(outbox.entries).toEqual([]);
    expect(await relayOnce(outbox, publisher)).toBe(0);
  });

  it('keeps the entries when publishing fails', async () => {
    const outbox = new FakeOutbox();
    const publisher = new FakePublisher();
    outbox.add('a');
    publisher.failNext = 1;
    await expect(relayOnce(outbox, publisher)).rejects.toThrow('broker down');
    expect(outbox.entries).toHaveLength(1);
  });
});

describe('startOutboxRelay', () => {
  it('publishes while leading, retries after a failure, and stops', async () => {
    const outbox = new FakeOutbox();
    const publisher = new FakePublisher();
    publisher.failNext = 1;
    outbox.tenants.set('a', tenant('a'));
    outbox.add('a');
    const leadership: boolean[] = [];
    const relay = startOutboxRelay({ source: outbox, publisher, pollMs: 5, log, onLeadership: (l) => leadership.push(l) });
    await expect.poll(() => publisher.sent.length).toBe(1);
    expect(outbox.released).toBeGreaterThanOrEqual(1);
    expect(relay.leading()).toBe(true);
    outbox.add('a');
    await expect.poll(() => publisher.sent.length).toBe(2);
    await relay.stop();
    expect(relay.leading()).toBe(false);
    expect(leadership).toEqual([true, false, true, false]);
  });

  it('publishes nothing while another instance holds the lease', async () => {
    const outbox = new FakeOutbox();
    const publisher = new FakePublisher();
    outbox.leaseFree = false;
    outbox.add('a');
    // Vitest's fake timers are the clock: six polls pass without real sleeps.
    vi.useFakeTimers();
    const relay = startOutboxRelay({ source: outbox, publisher, pollMs: 5, log });
    await vi.advanceTimersByTimeAsync(30);
    expect(publisher.sent).toEqual([]);
    outbox.leaseFree = true;
    await vi.advanceTimersByTimeAsync(5);
    expect(publisher.sent).toHaveLength(1);
    await relay.stop();
  });
});
