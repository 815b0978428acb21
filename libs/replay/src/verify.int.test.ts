// verifyChanges and `realtime replay --verify` against a real broker: a tenant's chain (written as
// ingest-cdc writes it, interleaved with a neighbour's on the same partition) is copied into fresh
// topics with one kind of tampering each, and each is reported; the clean copy verifies.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { generateAuditKeys, linkChanges, parseSigningKey, parseVerifyKey, signCheckpoint, type ChainHead } from '@realtime/audit';
import { createAvroProducer, createKafka, ensureTopics, partitionOf, recordKeys, topicNames, type AvroProducer } from '@realtime/kafka';
import { createLogger } from '@realtime/log';
import { decode, encode, type CdcCheckpoint, type ChangeEvent } from '@realtime/schemas';
import { sampleRecords } from '@realtime/testing/samples';
import { uniqueName } from '@realtime/testing';
import { parseReplayRange, verifyChanges, type ProblemKind, type ReplayRange } from './index.ts';

const infra = inject('infra');
const log = createLogger({ service: 'verify-int-test', level: 'silent', destination: new Writable({ write: (_c, _e, cb) => cb() }) });
const kafka = createKafka({ brokers: infra.kafkaBrokers, clientId: 'verify-int-test', logger: log });
const TENANT = 'acme';
const NEIGHBOUR = Array.from({ length: 100 }, (_, i) => `other-${i}`).find((n) => partitionOf(n, 8) === partitionOf(TENANT, 8))!;
const keys = generateAuditKeys();
const everything = (parseReplayRange({ from: '0/0' }) as { ok: true; range: ReplayRange }).range;
let producer: AvroProducer;

type Rec = { key: string; bytes: Buffer };
type Copy = { cdc: Rec[]; checkpoints: CdcCheckpoint[] };

/** 20 changes of the tenant in 5 transactions, each followed by one of the neighbour; checkpoints after the 10th and the 20th. */
function original(): Copy {
  const cdc: Rec[] = [];
  const checkpoints: CdcCheckpoint[] = [];
  const heads: Record<string, ChainHead | null> = { [TENANT]: null, [NEIGHBOUR]: null };
  const write = (tenant: string, lsn: number, seq: number) => {
    const change: ChangeEvent = { ...sampleRecords.ChangeEvent, tenant, commit_lsn_num: lsn, commit_lsn: `0/${lsn.toString(16).toUpperCase()}`, seq, record_json: `{"id":${lsn * 10 + seq}}` };
    const linked = linkChanges(heads[tenant]!, [change]);
    heads[tenant] = linked.head;
    cdc.push({ key: recordKeys.tenant(tenant), bytes: linked.bytes[0]! });
  };
  for (let i = 0; i < 20; i++) {
    write(TENANT, 100 + Math.floor(i / 4), i % 4);
    write(NEIGHBOUR, 500 + i, 0);
    if (i === 9 || i === 19) checkpoints.push(signCheckpoint(TENANT, heads[TENANT]!, { key: parseSigningKey(keys.privateKey), node: 'ingest-cdc-1', signedAt: Date.now() }));
  }
  return { cdc, checkpoints };
}

/** The tenant's n-th record (0-based) among all records of the copy. */
const nth = (c: Copy, n: number) => c.cdc.map((r, i) => [r, i] as const).filter(([r]) => r.key === TENANT)[n]![1];

async function publish(copy: Copy): Promise<string> {
  const prefix = `${uniqueName('vf')}.`;
  await ensureTopics(kafka, prefix, { cdc: { partitions: 8 }, cdcCheckpoints: { partitions: 8 } });
  const topics = topicNames(prefix);
  await producer.send(topics.cdc, 'ChangeEvent', copy.cdc.map((r) => ({ key: r.key, value: null, encoded: r.bytes })));
  await producer.send(topics.cdcCheckpoints, 'CdcCheckpoint', copy.checkpoints.map((c) => ({ key: recordKeys.tenant(c.tenant), value: c })));
  return prefix;
}

const verify = async (prefix: string) =>
  verifyChanges(kafka, { topics: topicNames(prefix), tenant: TENANT, range: everything, publicKey: parseVerifyKey(keys.publicKey), logger: log });

beforeAll(async () => {
  producer = createAvroProducer(kafka, { idempotent: true });
  await producer.connect();
});
afterAll(async () => {
  await producer?.disconnect();
});

const tamperings: Array<[string, (c: Copy) => void, ProblemKind[]]> = [
  ['an altered record', (c) => {
    const i = nth(c, 7);
    const e = decode<ChangeEvent>('ChangeEvent', c.cdc[i]!.bytes);
    c.cdc[i] = { key: TENANT, bytes: encode('ChangeEvent', { ...e, record_json: '{"id":"forged"}' }) };
  }, ['chain_break']],
  ['a dropped record', (c) => void c.cdc.splice(nth(c, 12), 1), ['chain_break']],
  ['a dropped tail', (c) => void c.cdc.splice(nth(c, 18)), ['missing']],
  ['two reordered records', (c) => {
    const [a, b] = [nth(c, 5), nth(c, 6)];
    [c.cdc[a], c.cdc[b]] = [c.cdc[b]!, c.cdc[a]!];
  }, ['chain_break', 'reordered', 'chain_break']],
  ['a duplicated record', (c) => void c.cdc.splice(nth(c, 15), 0, c.cdc[nth(c, 3)]!), ['duplicate', 'chain_break']],
  ['a checkpoint signed with another key', (c) => {
    const forged = signCheckpoint(TENANT, { hash: c.checkpoints[0]!.head_hash, commitLsn: c.checkpoints[0]!.commit_lsn, commitLsnNum: c.checkpoints[0]!.commit_lsn_num, seq: c.checkpoints[0]!.seq },
      { key: parseSigningKey(generateAuditKeys().privateKey), node: 'mallory', signedAt: Date.now() });
    c.checkpoints[0] = { ...forged, key_id: c.checkpoints[0]!.key_id };
  }, ['bad_signature']],
];

describe('verifying a copy of the cdc topic', () => {
  it('a clean copy verifies: every record chained, every checkpoint matched', async () => {
    const report = await verify(await publish(original()));
    expect(report).toMatchObject({ ok: true, records: 20, problemCount: 0, checkpoints: { inRange: 2, matched: 2 } });
    expect(report.lastCheckpoint).toEqual(report.last);
  });

  it.each(tamperings)('reports %s', async (_name, tamper, kinds) => {
    const copy = original();
    tamper(copy);
    const report = await verify(await publish(copy));
    expect(report.ok).toBe(false);
    expect(report.problems.map((p) => p.kind)).toEqual(kinds);
  });
});

describe('realtime replay --verify', () => {
  const root = resolve(import.meta.dirname, '../../..');
  const keyFile = join(mkdtempSync(join(tmpdir(), 'audit-')), 'audit.pub');
  writeFileSync(keyFile, parseVerifyKey(keys.publicKey).export({ format: 'pem', type: 'spki' }));
  const cli = (prefix: string) => new Promise<{ code: number | null; out: string; err: string }>((done) => {
    const child = spawn(process.execPath, [join(root, 'scripts/realtime.ts'), 'replay', '--verify', '--public-key', keyFile, '--tenant', TENANT, '--from', '0/0',
      '--brokers', infra.kafkaBrokers.join(','), '--topic-prefix', prefix], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('exit', (code) => done({ code, out, err }));
  });

  it('exits 0 on a clean range and 1, naming the first break, on a tampered one', async () => {
    const clean = await cli(await publish(original()));
    expect(clean.err).toMatch(/^VERIFIED: tenant acme, 20 record\(s\) from 0\/64 seq 0 to 0\/68 seq 3, 2\/2 checkpoint\(s\) matched/);
    expect(clean.code).toBe(0);
    expect(JSON.parse(clean.out)).toMatchObject({ ok: true, records: 20 });

    const copy = original();
    copy.cdc.splice(nth(copy, 12), 1);
    const tampered = await cli(await publish(copy));
    expect(tampered.code).toBe(1);
    expect(tampered.err).toMatch(/^NOT VERIFIED/);
    expect(tampered.err).toMatch(/chain_break: chain breaks at record at offset \d+ \(0\/67 seq 1\).*\(offset \d+, 0\/66 seq 3\)/);
  });
});
