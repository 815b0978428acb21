// The management API against its own OpenAPI document (docs/PROTOCOL.md §8, /api/openapi): the document is
// fetched from the running tenant-admin and every request sent and answer received here is
// validated against it with a JSON Schema 2020-12 validator. Also: a create answers 201 only once
// the tenant database is migrated (202 while it cannot be), shutdown publishes a new shutdown_seq,
// and /status answers HTML and JSON.
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import pg from 'pg';
import { SignJWT } from 'jose';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { createLogger } from '@realtime/log';
import { createKafka, readCompactedTable, topicNames } from '@realtime/kafka';
import type { TenantSnapshot } from '@realtime/schemas';
import { uniqueName, waitFor } from '@realtime/testing';
import { tenantAdminConfig } from './config.ts';
import { start, type RunningTenantAdmin } from './app.ts';
import { tenantMigrations } from './adapters/pg-tenant-migrations.ts';

const infra = inject('infra');
const API_SECRET = 'api-jwt-secret-api-jwt-secret-0123';
const log = createLogger({ service: 'management-api-test', level: 'silent', destination: new Writable({ write: (_c, _e, cb) => cb() }) });
const pgUrl = new URL(infra.pgUrl);

type Json = Record<string, any>;
let app: RunningTenantAdmin;
let admin: pg.Client;
let token: string;
let reader: { stop(): Promise<void> };
let doc: Json;
let ajv: Ajv2020;
const databases: string[] = [];
const latest = new Map<string, TenantSnapshot | null>();

async function database(prefix: string): Promise<string> {
  const name = uniqueName(prefix).toLowerCase().replace(/[^a-z0-9_]/g, '_');
  await admin.query(`CREATE DATABASE "${name}"`);
  databases.push(name);
  return name;
}

const extension = (dbName: string, port = String(infra.pgPort)) => ({
  type: 'postgres_cdc_rls',
  settings: { db_host: pgUrl.hostname, db_port: port, db_name: dbName, db_user: decodeURIComponent(pgUrl.username), db_password: decodeURIComponent(pgUrl.password) || 'trust', region: 'local' },
});

/** The schema the document gives for a path template, method and status (throws when undocumented). */
function responseSchema(path: string, method: string, status: number, type = 'application/json'): Json | null {
  const op = doc.paths[path]?.[method];
  if (!op) throw new Error(`${method.toUpperCase()} ${path} is not in the document`);
  const response = op.responses[String(status)];
  if (!response) throw new Error(`${method.toUpperCase()} ${path} does not document status ${status}`);
  return response.content?.[type]?.schema ?? null;
}

function validate(schema: Json, value: unknown): string[] {
  const check = ajv.compile({ $id: `urn:check:${randomBytes(6).toString('hex')}`, ...schema, components: doc.components });
  return check(value) ? [] : (check.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}

/**
 * Sends a request whose body must satisfy the document's request schema, and checks the answer:
 * its status is documented for the operation, its JSON body satisfies the schema given for it,
 * and a status without a body schema comes with an empty body.
 */
async function call(method: string, template: string, params: Record<string, string> = {}, body?: unknown): Promise<{ status: number; json: Json | null; headers: Headers }> {
  const op = doc.paths[template]?.[method.toLowerCase()];
  if (body !== undefined) expect(validate(op.requestBody.content['application/json'].schema, body)).toEqual([]);
  const path = template.replace(/\{(\w+)\}/g, (_, k: string) => encodeURIComponent(params[k]!));
  const res = await fetch(`http://127.0.0.1:${app.address.port}${path}`, {
    method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  const schema = responseSchema(template, method.toLowerCase(), res.status);
  if (!schema) {
    expect(text).toBe('');
    return { status: res.status, json: null, headers: res.headers };
  }
  const json = JSON.parse(text) as Json;
  expect(validate(schema, json), `${method} ${path} → ${res.status} ${text}`).toEqual([]);
  return { status: res.status, json, headers: res.headers };
}

beforeAll(async () => {
  admin = new pg.Client({ connectionString: infra.pgUrl });
  await admin.connect();
  const control = await database('ma_control');
  const controlUrl = new URL(infra.pgUrl);
  controlUrl.pathname = `/${control}`;
  const prefix = `${uniqueName('ma').toLowerCase()}.`;
  const { config } = tenantAdminConfig.load({
    TENANT_ADMIN_LISTEN_PORT: '0', API_JWT_SECRET: API_SECRET, DB_ENC_KEY: randomBytes(32).toString('hex'), CONTROL_DB_URL: controlUrl.toString(),
    KAFKA_BROKERS: infra.kafkaBrokers.join(','), KAFKA_TOPIC_PREFIX: prefix, OUTBOX_POLL_MS: '100',
  });
  app = await start(config, { log });
  token = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(API_SECRET));
  reader = await readCompactedTable<TenantSnapshot>(createKafka({ brokers: infra.kafkaBrokers, clientId: 'management-api-test', logger: log }), {
    topic: topicNames(prefix).tenants, schema: 'TenantSnapshot', logger: log, onRecord: (key, value) => void latest.set(key, value),
  });
  const res = await fetch(`http://127.0.0.1:${app.address.port}/api/openapi`); // no token needed
  expect(res.status).toBe(200);
  doc = (await res.json()) as Json;
  ajv = new Ajv2020({ strict: false, allErrors: true });
});

afterAll(async () => {
  await reader?.stop();
  await app?.close();
  for (const name of databases) await admin?.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await admin?.end();
});

describe('management API', () => {
  it('serves an OpenAPI 3.1 document whose schemas accept what the API accepts and refuse what it refuses', async () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/tenants', '/api/tenants/{tenant_id}', '/api/tenants/{tenant_id}/shutdown', '/api/tenants/{tenant_id}/health', '/status']));
    const body = doc.paths['/api/tenants'].post.requestBody.content['application/json'].schema;
    // "7" is accepted for a number by both; "seven" refused by both.
    const good = { tenant: { external_id: 'doc-check', name: 'D', jwt_secret: 'secret-secret-secret', max_events_per_second: '7' } };
    const bad = { tenant: { external_id: 'doc-check', max_events_per_second: 'seven' } };
    expect(validate(body, good)).toEqual([]);
    expect(validate(body, bad)).not.toEqual([]);
    expect((await call('POST', '/api/tenants', {}, good)).status).toBe(201); // no database: nothing to migrate
    const refused = await fetch(`http://127.0.0.1:${app.address.port}/api/tenants`, {
      method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(bad),
    });
    expect(refused.status).toBe(422);
    expect(validate(responseSchema('/api/tenants', 'post', 422)!, await refused.json())).toEqual([]);
  });

  it('answers a create 201 only after the tenant database is migrated', async () => {
    const dbName = await database('ma_tenant');
    const created = await call('POST', '/api/tenants', {}, { tenant: { external_id: 'migrated', name: 'M', jwt_secret: 'secret-secret-secret', extensions: [extension(dbName)] } });
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe('/api/tenants/migrated');
    // Checked right after the answer, without waiting: the migrations ran before it.
    const tenantDb = new pg.Client({ connectionString: Object.assign(new URL(infra.pgUrl), { pathname: `/${dbName}` }).toString() });
    await tenantDb.connect();
    try {
      const applied = await tenantDb.query('SELECT count(*)::int AS n FROM realtime.schema_migrations');
      expect(applied.rows[0].n).toBe(tenantMigrations.length);
    } finally {
      await tenantDb.end();
    }
    await waitFor(async () => expect((await call('GET', '/api/tenants/{tenant_id}/health', { tenant_id: 'migrated' })).json!.data).toMatchObject({ migrated: true, db_connected: true }));
  });

  it('answers 202 when the tenant database cannot be migrated yet, and health says migrated: false', async () => {
    const created = await call('PUT', '/api/tenants/{tenant_id}', { tenant_id: 'unmigrated' }, { tenant: { name: 'U', jwt_secret: 'secret-secret-secret', extensions: [extension('nowhere', '1')] } });
    expect(created.status).toBe(202);
    expect(created.headers.get('location')).toBe('/api/tenants/unmigrated');
    expect(created.json!.data).toMatchObject({ external_id: 'unmigrated' });
    const health = await call('GET', '/api/tenants/{tenant_id}/health', { tenant_id: 'unmigrated' });
    expect(health.json!.data).toMatchObject({ migrated: false, healthy: false, db_connected: false, connected_cluster: 0 });
  });

  it('answers every other route as documented', async () => {
    const list = await call('GET', '/api/tenants');
    expect(list.json!.data.map((t: Json) => t.external_id)).toEqual(expect.arrayContaining(['migrated', 'unmigrated', 'doc-check']));
    expect((await call('GET', '/api/tenants/{tenant_id}', { tenant_id: 'migrated' })).json!.data.extensions[0].settings).not.toHaveProperty('db_password');
    expect((await call('GET', '/api/tenants/{tenant_id}', { tenant_id: 'nobody' })).status).toBe(404);
    expect((await call('PATCH', '/api/tenants/{tenant_id}', { tenant_id: 'migrated' }, { tenant: { max_concurrent_users: 9 } })).status).toBe(200);
    expect((await call('PUT', '/api/tenants/{tenant_id}', { tenant_id: 'migrated' }, { tenant: { max_concurrent_users: 0 } })).status).toBe(422);
    expect((await call('POST', '/api/tenants/{tenant_id}/reload', { tenant_id: 'migrated' })).status).toBe(204);
    expect((await call('POST', '/api/tenants/{tenant_id}/reload', { tenant_id: 'nobody' })).status).toBe(404);
    expect((await call('GET', '/api/tenants/{tenant_id}/health', { tenant_id: 'nobody' })).status).toBe(404);
    expect((await call('DELETE', '/api/tenants/{tenant_id}', { tenant_id: 'doc-check' })).status).toBe(204);
  });

  it('shutdown answers 204 and publishes a new shutdown_seq (reload_seq unchanged); 404 for an unknown tenant', async () => {
    await waitFor(() => expect(latest.get('migrated')).toMatchObject({ reload_seq: 1, shutdown_seq: 0 }), { timeout: 20_000 });
    expect((await call('POST', '/api/tenants/{tenant_id}/shutdown', { tenant_id: 'migrated' })).status).toBe(204);
    expect((await call('POST', '/api/tenants/{tenant_id}/shutdown', { tenant_id: 'nobody' })).status).toBe(404);
    await waitFor(() => expect(latest.get('migrated')).toMatchObject({ reload_seq: 1, shutdown_seq: 1 }), { timeout: 20_000 });
  });

  it('serves /status as HTML, and as JSON matching the document', async () => {
    const html = await fetch(`http://127.0.0.1:${app.address.port}/status`);
    expect(html.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await html.text()).toMatch(/<th[^>]*>Tenants<\/th><td>\d+<\/td>/);
    const res = await fetch(`http://127.0.0.1:${app.address.port}/status`, { headers: { accept: 'application/json' } });
    const status = (await res.json()) as Json;
    expect(validate(responseSchema('/status', 'get', 200)!, status)).toEqual([]);
    expect(status).toMatchObject({ service: 'tenant-admin', tenants: 2, gateways: 0, connected_users: 0 });
  });
});
