// GET /api/tenants/:id/changes against real Postgres and Kafka: API-token auth like every /api
// route, 404/422 before anything is read, and the tenant's changes from realtime.cdc streamed as
// NDJSON, the same bytes on every call, with no consumer group left behind.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import pg from 'pg';
import { SignJWT } from 'jose';
import { Writable } from 'node:stream';
import { createLogger } from '@realtime/log';
import { generateAuditKeys, linkChanges, parseSigningKey, signCheckpoint } from '@realtime/audit';
import { createAvroProducer, createKafka, topicNames, type AvroProducer } from '@realtime/kafka';
import { formatMicros } from '@realtime/replay';
import type { ChangeEvent } from '@realtime/schemas';
import { sampleRecords } from '@realtime/testing/samples';
import { uniqueName, waitFor } from '@realtime/testing';
import { tenantAdminConfig } from './config.ts';
import { start, type RunningTenantAdmin } from './app.ts';

const infra = inject('infra');
const API_SECRET = 'api-jwt-secret-api-jwt-secret-0123';
const log = createLogger({ service: 'tenant-admin-changes-test', level: 'silent', destination: new Writable({ write: (_c, _e, cb) => cb() }) });
const kafka = createKafka({ brokers: infra.kafkaBrokers, clientId: 'tenant-admin-changes-test', logger: log });
const BASE = (Math.floor(Date.now() / 1000) - 60) * 1_000_000; // µs, before any send
const at = (second: number) => BASE + second * 1_000_000;

let app: RunningTenantAdmin;
let admin: pg.Client;
let dbName: string;
let token: string;
let cdcTopic: string;
let producer: AvroProducer;
let checkpointTopic: string;
const auditKeys = generateAuditKeys();

const get = (path: string, auth = `Bearer ${token}`, signal?: AbortSignal) =>
  fetch(`http://127.0.0.1:${app.address.port}${path}`, { headers: { authorization: auth }, signal });

function change(tenant: string, lsn: number, seq: number, table = 'todos'): ChangeEvent {
  return {
    ...sampleRecords.ChangeEvent, tenant, table, type: 'INSERT', seq, commit_lsn: `0/${lsn.toString(16).toUpperCase()}`, commit_lsn_num: lsn,
    commit_timestamp: at(Math.floor(lsn / 0x100)), record_json: `{"id":${lsn + seq}}`, old_record_json: null,
  };
}

async function replayGroups(): Promise<string[]> {
  const a = kafka.admin();
  await a.connect();
  try {
    return (await a.listGroups()).groups.map((g) => g.groupId).filter((g) => g.startsWith(`${cdcTopic}-replay-`));
  } finally {
    await a.disconnect();
  }
}

beforeAll(async () => {
  dbName = uniqueName('tc').toLowerCase().replace(/[^a-z0-9_]/g, '_');
  admin = new pg.Client({ connectionString: infra.pgUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${dbName}"`);
  const controlUrl = new URL(infra.pgUrl);
  controlUrl.pathname = `/${dbName}`;
  const prefix = `${uniqueName('tc').toLowerCase()}.`;
  const { config } = tenantAdminConfig.load({
    TENANT_ADMIN_LISTEN_PORT: '0', API_JWT_SECRET: API_SECRET, DB_ENC_KEY: randomBytes(32).toString('hex'), CONTROL_DB_URL: controlUrl.toString(),
    KAFKA_BROKERS: infra.kafkaBrokers.join(','), KAFKA_TOPIC_PREFIX: prefix, OUTBOX_POLL_MS: '100', TENANT_ADMIN_AUDIT_PUBLIC_KEY: auditKeys.publicKey,
  });
  app = await start(config, { log }); // creates the topics
  cdcTopic = topicNames(prefix).cdc;
  checkpointTopic = topicNames(prefix).cdcCheckpoints;
  token = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(API_SECRET));
  for (const id of ['acme', 'quiet', 'chained']) {
    const res = await fetch(`http://127.0.0.1:${app.address.port}/api/tenants/${id}`, {
      method: 'PUT', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ tenant: { name: id, jwt_secret: 'tenant-jwt-secret-with-at-least-32-characters' } }),
    });
    expect(res.status).toBe(201);
  }
  producer = createAvroProducer(kafka, { idempotent: true });
  await producer.connect();
  const events = [change('acme', 0x100, 0), change('other', 0x100, 0), change('acme', 0x200, 0, 'logs'), change('acme', 0x200, 1), change('acme', 0x300, 0)];
  const again = [change('acme', 0x200, 0, 'logs'), change('acme', 0x200, 1)]; // a restarted producer's duplicates
  for (const batch of [events, again, [change('acme', 0x400, 0)]]) await producer.send(cdcTopic, 'ChangeEvent', batch.map((value) => ({ key: value.tenant, value })));
});

afterAll(async () => {
  await producer?.disconnect();
  await app?.close();
  await admin?.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
  await admin?.end();
});

const positions = (body: string) => body.trimEnd().split('\n').map((l) => `${JSON.parse(l).commit_lsn}#${JSON.parse(l).seq}`);

describe('GET /api/tenants/:id/changes', () => {
  it('answers 403 with an empty body without a valid API token', async () => {
    const wrong = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode('not-the-api-secret-not-the-api-secret'));
    for (const auth of ['', 'Bearer nonsense', `Bearer ${wrong}`]) {
      const res = await get('/api/tenants/acme/changes?from=0', auth);
      expect(res.status).toBe(403);
      expect(await res.text()).toBe('');
    }
  });

  it('answers 404 for an unknown tenant and 422 for missing or invalid bounds', async () => {
    expect((await get('/api/tenants/nobody/changes?from=0')).status).toBe(404);
    const missing = await get('/api/tenants/acme/changes');
    expect(missing.status).toBe(422);
    expect(await missing.json()).toEqual({ errors: { from: ["can't be blank"] } });
    const invalid = await get('/api/tenants/acme/changes?from=yesterday&to=0/1/2&table=.x');
    expect(invalid.status).toBe(422);
    expect(Object.keys(((await invalid.json()) as { errors: object }).errors).sort()).toEqual(['from', 'table', 'to']);
    expect((await get('/api/tenants/acme/changes?from=0/300&to=0/100')).status).toBe(422);
  });

  it('streams the tenant changes in range as NDJSON, the same bytes twice, duplicates dropped', async () => {
    const path = `/api/tenants/acme/changes?from=${encodeURIComponent(formatMicros(at(2)))}&to=0/300`;
    const res = await get(path);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    const body = await res.text();
    expect(positions(body)).toEqual(['0/200#0', '0/200#1', '0/300#0']);
    expect(body).not.toContain('"other"');
    expect(JSON.parse(body.split('\n')[0]!)).toMatchObject({ tenant: 'acme', table: 'logs', commit_timestamp: formatMicros(at(2)), record: { id: 0x200 } });
    expect(await (await get(path)).text()).toBe(body);
    expect(positions(await (await get('/api/tenants/acme/changes?from=0&table=public.logs')).text())).toEqual(['0/200#0']);
    expect(await (await get('/api/tenants/quiet/changes?from=0')).text()).toBe('');
    expect(await replayGroups()).toEqual([]);
  });

  it('holds the reader while a client does not read, and releases it when the client goes away', async () => {
    // ~20 MB of lines: more than socket buffers and the reader's queue hold, so the replay cannot finish
    const pad = 'x'.repeat(2_000);
    for (let batch = 0; batch < 50; batch++) {
      const events = Array.from({ length: 200 }, (_, i) => ({ ...change('quiet', 0x1000 + batch * 200 + i, 0), record_json: `{"pad":"${pad}"}` }));
      await producer.send(cdcTopic, 'ChangeEvent', events.map((value) => ({ key: value.tenant, value })));
    }
    const abort = new AbortController();
    const res = await get('/api/tenants/quiet/changes?from=0', `Bearer ${token}`, abort.signal);
    expect(res.status).toBe(200);
    await waitFor(async () => expect(await replayGroups()).toHaveLength(1), { timeout: 15_000 });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await replayGroups()).toHaveLength(1); // still held: backpressure, not buffering everything
    abort.abort();
    await waitFor(async () => expect(await replayGroups()).toEqual([]), { timeout: 15_000 });
  });
});

describe('GET /api/tenants/:id/changes?verify=1', () => {
  it('answers 200 with the report for a chain that verifies, 409 once a record was duplicated, 422 for table or a bad flag', async () => {
    // five chained changes as ingest-cdc writes them, signed at the head
    const linked = linkChanges(null, [1, 2, 3, 4, 5].map((i) => change('chained', 0x100 * i, 0)));
    await producer.send(cdcTopic, 'ChangeEvent', linked.events.map((value, i) => ({ key: 'chained', value, encoded: linked.bytes[i] })));
    const checkpoint = signCheckpoint('chained', linked.head!, { key: parseSigningKey(auditKeys.privateKey), node: 'ingest-cdc-1', signedAt: Date.now() });
    await producer.send(checkpointTopic, 'CdcCheckpoint', [{ key: 'chained', value: checkpoint }]);

    const ok = await get('/api/tenants/chained/changes?from=0/0&verify=1');
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ tenant: 'chained', ok: true, records: 5, checkpoints: { inRange: 1, matched: 1 }, problems: [] });

    await producer.send(cdcTopic, 'ChangeEvent', [{ key: 'chained', value: null, encoded: linked.bytes[2] }]); // a copy of the third record
    const bad = await get('/api/tenants/chained/changes?from=0/0&verify=1');
    expect(bad.status).toBe(409);
    expect(await bad.json()).toMatchObject({ ok: false, records: 6, problems: [{ kind: 'duplicate', commit_lsn: '0/300', seq: 0 }] });

    // records written without the chain (acme's) do not verify either
    expect((await get('/api/tenants/acme/changes?from=0/0&verify=1')).status).toBe(409);
    const table = await get('/api/tenants/chained/changes?from=0/0&verify=1&table=todos');
    expect(table.status).toBe(422);
    expect(await table.json()).toEqual({ errors: { table: ['cannot go with verify=1: the chain runs through every table'] } });
    const flag = await get('/api/tenants/chained/changes?from=0/0&verify=yes');
    expect(await flag.json()).toEqual({ errors: { verify: ['must be 1 (or true) once'] } });
  });
});
