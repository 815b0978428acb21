// tenant-admin against real Postgres and Kafka: the management API (docs/PROTOCOL.md §8), secrets at rest, and
// the outbox relay delivering snapshots/tombstones to realtime.tenants.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import pg from 'pg';
import { SignJWT } from 'jose';
import { Writable } from 'node:stream';
import { createLogger } from '@realtime/log';
import { createKafka, readCompactedTable, topicNames } from '@realtime/kafka';
import type { TenantSnapshot } from '@realtime/schemas';
import { uniqueName, waitFor } from '@realtime/testing';
import { tenantAdminConfig } from './config.ts';
import { start, type RunningTenantAdmin } from './app.ts';

const infra = inject('infra');
const API_SECRET = 'api-jwt-secret-api-jwt-secret-0123';
const JWT_SECRET = 'tenant-jwt-secret-with-at-least-32-characters';
const DB_PASSWORD = 'tenant-db-password-do-not-leak';
const METRICS_SECRET = randomBytes(32).toString('hex');
const log = createLogger({ service: 'tenant-admin-test', level: 'silent', destination: new Writable({ write: (_c, _e, cb) => cb() }) });

let app: RunningTenantAdmin;
let control: pg.Client;
let admin: pg.Client;
let dbName: string;
let token: string;
let reader: { stop(): Promise<void> };
const health = async (id: string) => ((await (await api('GET', `/api/tenants/${id}/health`)).json()) as { data: unknown }).data;
const latest = new Map<string, TenantSnapshot | null>();
const pgUrl = new URL(infra.pgUrl);

const api = (method: string, path: string, body?: unknown, auth = `Bearer ${token}`) =>
  fetch(`http://127.0.0.1:${app.address.port}${path}`, {
    method, headers: { authorization: auth, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
  });

const extension = (port: string, password = DB_PASSWORD) => ({
  type: 'postgres_cdc_rls',
  settings: { db_host: pgUrl.hostname, db_port: port, db_name: 'postgres', db_user: decodeURIComponent(pgUrl.username), db_password: password, region: 'local' },
});

beforeAll(async () => {
  dbName = uniqueName('ta').toLowerCase().replace(/[^a-z0-9_]/g, '_');
  admin = new pg.Client({ connectionString: infra.pgUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${dbName}"`);
  const controlUrl = new URL(infra.pgUrl);
  controlUrl.pathname = `/${dbName}`;
  const prefix = `${uniqueName('ta').toLowerCase()}.`;
  const { config } = tenantAdminConfig.load({
    TENANT_ADMIN_LISTEN_PORT: '0', API_JWT_SECRET: API_SECRET, DB_ENC_KEY: randomBytes(32).toString('hex'), CONTROL_DB_URL: controlUrl.toString(),
    KAFKA_BROKERS: infra.kafkaBrokers.join(','), KAFKA_TOPIC_PREFIX: prefix, OUTBOX_POLL_MS: '100',
    METRICS_JWT_SECRET: METRICS_SECRET, TENANT_ADMIN_PARTITION_INTERVAL_MS: '500', TENANT_ADMIN_PARTITION_TIMEOUT_MS: '2000',
  });
  app = await start(config, { log });
  control = new pg.Client({ connectionString: controlUrl.toString() });
  await control.connect();
  token = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(API_SECRET));
  const kafka = createKafka({ brokers: infra.kafkaBrokers, clientId: 'tenant-admin-test', logger: log });
  reader = await readCompactedTable<TenantSnapshot>(kafka, {
    topic: topicNames(prefix).tenants, schema: 'TenantSnapshot', logger: log, onRecord: (key, value) => void latest.set(key, value),
  });
});

afterAll(async () => {
  await reader?.stop();
  await app?.close();
  await control?.end();
  await admin?.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
  await admin?.end();
});

describe('tenant-admin', () => {
  it('answers 403 with an empty body without a valid token', async () => {
    const wrong = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode('not-the-api-secret-not-the-api-secret'));
    for (const auth of ['', 'Bearer nonsense', `Bearer ${wrong}`]) {
      const res = await api('GET', '/api/tenants', undefined, auth);
      expect(res.status).toBe(403);
      expect(await res.text()).toBe('');
    }
    expect(await (await api('GET', '/healthcheck', undefined, '')).text()).toBe('ok');
  });

  it('answers 422 with field errors', async () => {
    const res = await api('POST', '/api/tenants', { tenant: { external_id: 'Not Valid', max_concurrent_users: 0 } });
    expect(res.status).toBe(422);
    const { errors } = (await res.json()) as { errors: Record<string, string[]> };
    expect(Object.keys(errors)).toEqual(expect.arrayContaining(['external_id', 'max_concurrent_users']));
  });

  it('creates, shows, updates, reloads and deletes a tenant, publishing each state', async () => {
    const created = await api('POST', '/api/tenants', { tenant: { external_id: 'acme', name: 'Acme', jwt_secret: JWT_SECRET, extensions: [extension(String(infra.pgPort))] } });
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe('/api/tenants/acme');
    expect(((await created.json()) as { data: unknown }).data).toMatchObject({
      external_id: 'acme', max_concurrent_users: 200, max_recovery_events: 10_000, max_recovery_bytes: 16_777_216, extensions: [{ type: 'postgres_cdc_rls' }],
    });

    for (const text of [await (await api('GET', '/api/tenants')).text(), await (await api('GET', '/api/tenants/acme')).text()]) {
      expect(text).toContain('"acme"');
      for (const secret of [JWT_SECRET, DB_PASSWORD, 'jwt_secret', 'db_password']) expect(text).not.toContain(secret);
    }
    expect((await api('GET', '/api/tenants/nobody')).status).toBe(404);

    const stored = await control.query(`SELECT t.jwt_secret, e.settings FROM _realtime.tenants t JOIN _realtime.extensions e ON e.tenant_external_id = t.external_id`);
    expect(stored.rows[0].jwt_secret).toMatch(/^g1:/);
    for (const s of ['db_host', 'db_port', 'db_name', 'db_user', 'db_password']) expect(stored.rows[0].settings[s]).toMatch(/^g1:/);
    expect(JSON.stringify(stored.rows)).not.toContain(DB_PASSWORD);

    await waitFor(() => expect(latest.get('acme')).toMatchObject({ external_id: 'acme', name: 'Acme', reload_seq: 0 }), { timeout: 20_000 });
    expect(latest.get('acme')!.jwt_secret_enc).toMatch(/^g1:/);

    expect(latest.get('acme')).toMatchObject({ max_recovery_events: 10_000, max_recovery_bytes: 16_777_216 });

    const updated = await api('PUT', '/api/tenants/acme', { tenant: { name: 'Acme 2', max_events_per_second: 7, max_recovery_events: 500, max_recovery_bytes: 65_536 } });
    expect(updated.status).toBe(200);
    await waitFor(() => expect(latest.get('acme')).toMatchObject({ name: 'Acme 2', max_events_per_second: 7, max_recovery_events: 500, max_recovery_bytes: 65_536 }), { timeout: 20_000 });
    // Caps beyond the bounds are refused field by field and change nothing; the tenant keeps its own.
    const tooBig = await api('PATCH', '/api/tenants/acme', { tenant: { max_recovery_events: 1_000_001, max_recovery_bytes: 2 ** 31 } });
    expect(tooBig.status).toBe(422);
    expect(Object.keys(((await tooBig.json()) as { errors: object }).errors).sort()).toEqual(['max_recovery_bytes', 'max_recovery_events']);
    expect(((await (await api('GET', '/api/tenants/acme')).json()) as { data: unknown }).data).toMatchObject({ max_recovery_events: 500, max_recovery_bytes: 65_536 });

    const version = Number(latest.get('acme')!.version);
    expect((await api('POST', '/api/tenants/acme/reload')).status).toBe(204);
    expect((await api('POST', '/api/tenants/nobody/reload')).status).toBe(404);
    await waitFor(() => expect(Number(latest.get('acme')!.reload_seq)).toBe(1), { timeout: 20_000 });
    expect(Number(latest.get('acme')!.version)).toBeGreaterThan(version);

    expect((await api('DELETE', '/api/tenants/acme')).status).toBe(204);
    expect((await api('DELETE', '/api/tenants/acme')).status).toBe(204);
    await waitFor(() => expect(latest.has('acme') && latest.get('acme') === null).toBe(true), { timeout: 20_000 });
    // The relay deletes entries after Kafka acknowledged them, so a reader may see the tombstone first.
    await waitFor(async () => expect((await control.query('SELECT count(*)::int AS n FROM _realtime.outbox')).rows[0].n).toBe(0));
  });

  it('reports db_connected for a reachable tenant DB and not for a wrong port', async () => {
    const body = (port: string) => ({ tenant: { name: 'H', jwt_secret: JWT_SECRET, extensions: [extension(port, decodeURIComponent(pgUrl.password) || 'ignored-by-trust-auth')] } });
    expect((await api('PUT', '/api/tenants/healthy', body(String(infra.pgPort)))).status).toBe(201);
    // No ingest-cdc streams this database's slot here (test-e2e/tenant-health-replication covers that).
    expect(await health('healthy')).toMatchObject({ healthy: false, db_connected: true, replication_connected: false, region: 'local' });
    expect((await api('PATCH', '/api/tenants/healthy', body('1'))).status).toBe(200);
    expect(await health('healthy')).toMatchObject({ healthy: false, db_connected: false, replication_connected: false, connected_cluster: 0 });
    expect((await api('GET', '/api/tenants/nobody/health')).status).toBe(404);
  });

  it('keeps every tenant database\'s message partitions on a timer, a failing database counted apart', async () => {
    const metricsToken = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(METRICS_SECRET));
    const runs = async (result: string) => {
      const text = await (await api('GET', '/metrics', undefined, `Bearer ${metricsToken}`)).text();
      return Number(new RegExp(`^realtime_tenant_admin_partition_runs_total\\{result="${result}"[^}]*\\} (\\d+)`, 'm').exec(text)?.[1]);
    };
    const body = { tenant: { name: 'P', jwt_secret: JWT_SECRET, extensions: [extension(String(infra.pgPort), decodeURIComponent(pgUrl.password) || 'ignored-by-trust-auth')] } };
    expect((await api('PUT', '/api/tenants/parts', body)).status).toBe(201);
    const before = await runs('ok');
    // 'healthy' of the test above now points at port 1: its failures do not stop 'parts'.
    await waitFor(async () => {
      expect(await runs('ok')).toBeGreaterThan(before);
      expect(await runs('failed')).toBeGreaterThan(0);
    }, { timeout: 15_000 });
  });
});
