import { describe, expect, it } from 'vitest';
import { createLogger } from '@realtime/log';
import { Writable } from 'node:stream';
import type { BroadcastMessage, ChangeEvent } from '@realtime/schemas';
import { startTenantReplication } from './replication.ts';
import { readHexFixture } from '../test/fixture-files.ts';
import { waitFor } from '@realtime/testing';
import type { ReplicationSource } from './adapters/pg-replication-source.ts';

const silent = createLogger({ service: 'test', destination: new Writable({ write: (_c, _e, cb) => cb() }) });
const flush = () => new Promise((r) => setTimeout(r, 10));

describe('tenant replication hand-over', () => {
  it('releases the slot only after the publishes in flight landed, and takes no new WAL meanwhile', async () => {
    const order: string[] = [];
    let feed!: (bytes: Buffer) => Promise<void> | void;
    const source: ReplicationSource = {
      start: async (onMessage) => void (feed = (b) => onMessage('0/0', b)),
      confirm: async (lsn) => void order.push(`confirm ${lsn}`),
      stop: async () => void order.push('slot released'),
    };
    const pending: Array<() => void> = [];
    const sink = {
      publish: (batch: { changes: ChangeEvent[]; broadcasts: BroadcastMessage[] }) =>
        new Promise<void>((resolve) => pending.push(() => (order.push(`published ${batch.changes.length}`), resolve()))),
    };
    const replication = startTenantReplication({
      tenant: 't', connectionString: 'postgres://x', slot: 's', publications: ['p'], sink, nodeId: 'n', maxRecordBytes: 1 << 20, log: silent,
      sourceFactory: () => source,
    });
    await replication.ready;
    const [first, ...rest] = [readHexFixture('crud'), readHexFixture('crud')];
    for (const bytes of first!) await feed(bytes);
    expect(pending.length).toBeGreaterThan(0);
    const stopping = replication.stop();
    for (const bytes of rest[0]!) await feed(bytes); // arrives after stop(): ignored
    await flush();
    expect(order).not.toContain('slot released'); // still waiting for Kafka
    while (pending.length) pending.shift()!();
    await stopping;
    expect(order.at(-1)).toBe('slot released');
    expect(order.filter((o) => o.startsWith('published'))).toHaveLength(4); // the first copy's transactions only
  });

  it('reports connected while the slot streams, and each acknowledged transaction with its commit → ack time', async () => {
    let feed!: (bytes: Buffer) => Promise<void> | void;
    const source: ReplicationSource = { start: async (onMessage) => void (feed = (b) => onMessage('0/0', b)), confirm: async () => {}, stop: async () => {} };
    const calls: string[] = [];
    const metrics = {
      published: (n: number, s: number) => void calls.push(`published ${n} ${s}`),
      connected: (up: boolean) => void calls.push(`connected ${up}`),
      slotLag: () => {}, remove: () => {},
    };
    const messages = readHexFixture('crud');
    let firstCommitUs: bigint | null = null;
    const replication = startTenantReplication({
      tenant: 't', connectionString: 'postgres://x', slot: 's', publications: ['p'], sink: { publish: async (b) => void (firstCommitUs ??= BigInt(b.changes[0]!.commit_timestamp)) },
      nodeId: 'n', maxRecordBytes: 1 << 20, log: silent, metrics, sourceFactory: () => source, now: () => Number(firstCommitUs!) / 1000 + 250,
    });
    await replication.ready;
    expect(calls).toEqual(['connected true']);
    for (const bytes of messages) await feed(bytes);
    await flush();
    expect(calls.slice(0, 2)).toEqual(['connected true', 'published 2 0.25']); // the first transaction: two inserts
    expect(calls.filter((c) => c.startsWith('published'))).toHaveLength(4);
    await replication.stop();
    expect(calls.at(-1)).toBe('connected false');
  });

  it('stops at WAL it cannot understand: confirms the last good commit, logs and counts it, and restarts from the slot', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const log = createLogger({ service: 'test', destination: new Writable({ write: (c, _e, cb) => { lines.push(JSON.parse(String(c))); cb(); } }) });
    const confirmed: string[] = [];
    let sources = 0;
    let feed!: (bytes: Buffer) => Promise<void> | void;
    const calls: string[] = [];
    const metrics = {
      published: () => {}, slotLag: () => {}, remove: () => {},
      connected: (up: boolean) => void calls.push(`connected ${up}`),
      notUnderstood: (n: number) => void calls.push(`not understood ${n}`),
    };
    const replication = startTenantReplication({
      tenant: 't', connectionString: 'postgres://x', slot: 's', publications: ['p'], sink: { publish: async () => {} }, nodeId: 'n', maxRecordBytes: 1 << 20, log, metrics,
      sourceFactory: () => {
        sources++;
        return { start: async (onMessage) => void (feed = (b) => onMessage('0/0', b)), confirm: async (lsn) => void confirmed.push(lsn), stop: async () => {} };
      },
    });
    await replication.ready;
    const messages = readHexFixture('crud');
    const secondBegin = messages.findIndex((m, i) => i > 0 && m[0] === 0x42 && messages.slice(0, i).some((x) => x[0] === 0x43)); // 'B' after the first 'C'
    for (const bytes of messages.slice(0, secondBegin + 1)) await feed(bytes);
    await feed(Buffer.from([0x49, 0x00])); // an Insert cut short
    for (const bytes of messages.slice(secondBegin + 1)) await feed(bytes);
    await waitFor(() => expect(sources).toBe(2), { timeout: 5000 }); // restarted from the slot after its backoff
    expect(confirmed).toHaveLength(1); // the first transaction only
    expect(replication.confirmedLsn).toBe(confirmed[0]);
    expect(calls).toEqual(['connected true', 'not understood 1', 'connected false', 'connected true']);
    expect(lines.filter((l) => l.code === 'PoolingReplicationError').length).toBeGreaterThanOrEqual(2); // the error, then the restart
    await replication.stop();
  });

  it('counts and times each read of the chain head by outcome, and reports the checkpoints Kafka acknowledged', async () => {
    let feed!: (bytes: Buffer) => Promise<void> | void;
    const source: ReplicationSource = { start: async (onMessage) => void (feed = (b) => onMessage('0/0', b)), confirm: async () => {}, stop: async () => {} };
    const calls: string[] = [];
    const metrics = {
      published: () => {}, connected: () => {}, slotLag: () => {}, remove: () => {},
      chainHeadRead: (outcome: string, seconds: number) => void calls.push(`head ${outcome} ${seconds}`),
      checkpointPublished: (lsn: number, at: number) => void calls.push(`checkpoint ${lsn > 0} ${at}`),
    };
    let clock = 1_000_000;
    const replication = startTenantReplication({
      tenant: 't', connectionString: 'postgres://x', slot: 's', publications: ['p'], sink: { publish: async () => {} },
      nodeId: 'n', maxRecordBytes: 1 << 20, log: silent, metrics, sourceFactory: () => source, now: () => clock,
      chainHeads: { read: async () => ((clock += 40), null) },
      checkpoints: { intervalMs: 60_000, sign: (tenant, head) => ({ tenant, seq: head.seq }) as never, sink: { publish: async () => {} } },
    });
    await replication.ready;
    for (const bytes of readHexFixture('crud')) await feed(bytes);
    await flush();
    await replication.stop(); // the last head is signed at the hand-over
    expect(calls).toEqual(['head empty 0.04', 'checkpoint true 1000.04']);
  });
});
