// `npm run realtime` end to end: the real CLI processes against a real stack. Tokens it mints work
// at the gateway (a supabase-js join); tenants make a create/list/get/reload/delete round trip over
// the management API; topics tail prints the decoded Avro record of a broadcast sent during the
// test (live with --limit, and --from-beginning); config check reports a missing and a bad setting
// with exit 1; status shows the services, tenants and lag; replay still works. Against the
// pipeline (two gateways, ingest-cdc, the ratelimiter): slots shows the tenant's slot active with
// its lag and the ingest-cdc process streaming it; replay --into re-publishes a range to a new
// topic that replays to the same changes; status shows the slot and, once the two gateways together
// push a tenant over max_events_per_second, the tenant as throttled (read from realtime.limits).
// URL, admin token, brokers and topic prefix come from a stack.json in STACK_DIR, as after
// `npm start` (with the audit public key replay --verify defaults to), except where a test passes the flags.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '@realtime/testing';
import { waitForTenant, type Stack } from '@realtime/testing/stack';
import type pg from 'pg';
import type { RealtimeChannel } from '@supabase/supabase-js';
import { createSupabaseDatabase } from '@realtime/testing/supabase-db';
import { adminToken, client, closeClients, collect, createTenant, startE2eStack, subscribed, tenantBody, token, type TenantInfo } from './support/fixture.ts';
import { tenantDb } from './support/changes.ts';
import { prepareItemsTable, waitForSlotStreaming } from './support/cdc.ts';

const root = join(import.meta.dirname, '..');
const cliArgs = (args: string[]) => [join(root, 'scripts/node'), join(root, 'scripts/realtime.ts'), ...args];
const work = mkdtempSync(join(tmpdir(), 'cli-e2e-'));
const cliEnv = (extra: Record<string, string> = {}) => {
  const env: Record<string, string | undefined> = { ...process.env, STACK_DIR: work, ...extra };
  for (const name of ['TENANT_ADMIN_URL', 'ADMIN_TOKEN', 'KAFKA_BROKERS', 'KAFKA_TOPIC_PREFIX', 'API_JWT_SECRET']) if (!(name in extra)) delete env[name];
  return env;
};

function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('bash', cliArgs(args), { cwd: root, env: cliEnv(env), timeout: 60_000 },
      (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }));
  });
}

/** A long-running CLI process (topics tail) whose output is watched while the test acts. */
function cliProcess(args: string[]) {
  const child = spawn('bash', cliArgs(args), { cwd: root, env: cliEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  const out = { stdout: '', stderr: '', code: null as number | null };
  child.stdout.on('data', (d: Buffer) => void (out.stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => void (out.stderr += d.toString()));
  const exited = new Promise<number>((resolve) => child.on('exit', (code) => resolve((out.code = code ?? 1))));
  return { out, exited, child };
}

let stack: Stack;
let tenant: TenantInfo;
let db: pg.Client;
beforeAll(async () => {
  stack = await startE2eStack({ gateways: 2, ingestCdc: true, ratelimiter: true });
  tenant = await createTenant(stack);
  db = await tenantDb(tenant.dbUrl);
  await prepareItemsTable(db);
  await waitForSlotStreaming(db);
  writeFileSync(join(work, 'audit.pub'), `${stack.auditKeys.publicKey}\n`);
  writeFileSync(join(work, 'stack.json'), JSON.stringify({
    tenantAdmin: stack.admin.url, adminToken: await adminToken(stack), apiJwtSecret: stack.apiJwtSecret,
    kafkaBrokers: inject('infra').kafkaBrokers, topicPrefix: stack.topicPrefix, gateways: stack.gateways.map((g) => g.url),
    auditPublicKeyFile: join(work, 'audit.pub'),
  }));
});
afterAll(async () => {
  await closeClients();
  await db?.end();
  await stack?.stop();
});

describe('realtime token', () => {
  it('mints an anon token that joins a channel at the gateway, and an admin token the API accepts', async () => {
    const anon = await cli(['token', 'anon', '--tenant', tenant.externalId, '--secret', tenant.jwtSecret]);
    expect(anon).toMatchObject({ code: 0, stderr: '' });
    const channel = client(stack.gateways[0]!.port, tenant.externalId, anon.stdout.trim()).channel(`cli-${randomBytes(3).toString('hex')}`);
    await subscribed(channel);

    const admin = await cli(['token', 'admin', '--json']); // API_JWT_SECRET from stack.json
    const { token } = JSON.parse(admin.stdout) as { token: string };
    const list = await cli(['tenants', 'list', '--url', stack.admin.url, '--token', token]);
    expect(list).toMatchObject({ code: 0 });
    expect(list.stdout).toContain(tenant.externalId);

    const forged = await cli(['tenants', 'list', '--token', (await cli(['token', 'admin', '--secret', 'not-the-api-secret'])).stdout.trim()]);
    expect(forged).toMatchObject({ code: 1, stderr: expect.stringContaining('403') });
  });
});

describe('realtime tenants', () => {
  it('create, list, get, reload and delete a tenant round trip over the management API', async () => {
    const id = `cli${randomBytes(4).toString('hex')}`;
    const dbUrl = await createSupabaseDatabase(inject('infra').pgUrl, `${id}_db`);
    const file = join(work, `${id}.json`);
    writeFileSync(file, JSON.stringify({ tenant: tenantBody(id, randomBytes(24).toString('hex'), dbUrl, { max_concurrent_users: 42 }) }));

    expect(await cli(['tenants', 'create', '--file', file])).toMatchObject({ code: 0, stdout: `${id} created\n` });
    await waitForTenant(stack, id);
    const list = JSON.parse((await cli(['tenants', 'list', '--json'])).stdout) as Array<{ external_id: string }>;
    expect(list.map((t) => t.external_id)).toContain(id);
    const got = await cli(['tenants', 'get', id, '--json']);
    expect(JSON.parse(got.stdout)).toMatchObject({ external_id: id, max_concurrent_users: 42 });
    expect(got.stdout).not.toContain('jwt_secret');

    writeFileSync(file, JSON.stringify({ max_concurrent_users: 7 }));
    expect(await cli(['tenants', 'update', id, '--file', file])).toMatchObject({ code: 0, stdout: `${id} updated\n` });
    expect(JSON.parse((await cli(['tenants', 'get', id, '--json'])).stdout)).toMatchObject({ max_concurrent_users: 7 });
    expect(await cli(['tenants', 'reload', id])).toMatchObject({ code: 0, stdout: `${id} reloaded\n` });

    expect(await cli(['tenants', 'delete', id])).toMatchObject({ code: 0, stdout: `${id} deleted\n` });
    expect(await cli(['tenants', 'get', id])).toMatchObject({ code: 1, stdout: '', stderr: expect.stringContaining('404') });
    expect(await cli(['tenants', 'reload', id])).toMatchObject({ code: 1 });
  });
});

describe('realtime topics tail', () => {
  it('prints the decoded Avro record of a broadcast sent while it tails, then stops at --limit', async () => {
    const tail = cliProcess(['topics', 'tail', 'broadcast', '--limit', '1', '--json']);
    await waitFor(() => expect(tail.out.stderr).toContain(`tailing ${stack.topicPrefix}broadcast from the end`), { timeout: 30_000 });

    const marker = `m-${randomBytes(4).toString('hex')}`;
    const key = (await cli(['token', 'anon', '--secret', tenant.jwtSecret])).stdout.trim();
    const channel = client(stack.gateways[0]!.port, tenant.externalId, key).channel('tail-room', { config: { broadcast: { self: true } } });
    const seen = collect(channel, 'ping');
    await subscribed(channel);
    await channel.send({ type: 'broadcast', event: 'ping', payload: { marker } });
    await waitFor(() => expect(seen).toHaveLength(1));

    expect(await tail.exited).toBe(0);
    const record = JSON.parse(tail.out.stdout) as { topic: string; schema: string; value: { tenant: string; topic: string; event: string; payload: string } };
    expect(record).toMatchObject({ topic: `${stack.topicPrefix}broadcast`, schema: 'BroadcastMessage v1', value: { tenant: tenant.externalId, topic: 'tail-room', event: 'ping' } });
    expect(JSON.parse(record.value.payload)).toMatchObject({ marker });

    // From the beginning, the same record is there again; Ctrl-C ends the tail with exit 0.
    const again = cliProcess(['topics', 'tail', `${stack.topicPrefix}broadcast`, '--from-beginning']);
    await waitFor(() => expect(again.out.stdout).toContain(marker), { timeout: 30_000 });
    expect(again.out.stdout).toMatch(new RegExp(`BroadcastMessage v1 .*${marker}`));
    again.child.kill('SIGINT');
    expect(await again.exited).toBe(0);
  });
});

describe('realtime config check', () => {
  it('reports a missing and a bad setting with exit 1, never printing a value', async () => {
    const file = join(work, 'gateway.env');
    writeFileSync(file, 'GATEWAY_LISTEN_PORT=eighty\nMETRICS_JWT_SECRET=tiny-secret\nGATEWAY_IDLE_TIMOUT_MS=5\n');
    const bad = await cli(['config', 'check', 'gateway', '--env-file', file]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/^missing {2}DB_ENC_KEY: /m);
    expect(bad.stdout).toMatch(/^invalid {2}GATEWAY_LISTEN_PORT: /m);
    expect(bad.stdout).toMatch(/^invalid {2}METRICS_JWT_SECRET: /m);
    expect(bad.stdout).toMatch(/^unknown {2}GATEWAY_IDLE_TIMOUT_MS: /m);
    expect(bad.stdout).not.toMatch(/eighty|tiny-secret/);

    // The process environment the stack's gateway really runs with passes.
    const good = await cli(['config', 'check', 'gateway', '--json'], stack.env);
    expect(good.code).toBe(0);
    expect(JSON.parse(good.stdout)).toMatchObject({ service: 'gateway', ok: true, missing: [], invalid: [] });
  });
});

describe('realtime replay (unchanged behind the new CLI)', () => {
  it('reads a tenant range from the stack\'s brokers and exits 0; no --tenant is a usage error', async () => {
    expect(await cli(['replay', '--tenant', tenant.externalId, '--from', '2026-01-01'])).toMatchObject({ code: 0, stdout: '' });
    expect(await cli(['replay', '--from', '2026-01-01'])).toMatchObject({ code: 2, stderr: expect.stringContaining('--tenant is required') });
  });

  it('verifies with the local stack\'s audit.pub when no --public-key is given, and only for the stack\'s brokers', async () => {
    const verify = ['replay', '--verify', '--tenant', tenant.externalId, '--from', '2026-01-01'];
    expect(await cli(verify)).toMatchObject({ code: 0, stderr: expect.stringContaining(`VERIFIED: tenant ${tenant.externalId}`) });
    // the key file named in stack.json is the one read: a broken one is reported by its path
    writeFileSync(join(work, 'audit.pub'), 'not a key\n');
    try {
      expect(await cli(verify)).toMatchObject({ code: 2, stderr: expect.stringContaining(`--public-key ${join(work, 'audit.pub')}: not an Ed25519 public key`) });
    } finally {
      writeFileSync(join(work, 'audit.pub'), `${stack.auditKeys.publicKey}\n`);
    }
    expect(await cli(verify, { KAFKA_BROKERS: inject('infra').kafkaBrokers.join(',') })).toMatchObject({ code: 2, stderr: expect.stringContaining('--verify needs --public-key') });
  });
});

describe('realtime status', () => {
  it('shows the services up and the tenants with their health; a gateway that is down makes exit 1', async () => {
    const ok = await cli(['status', '--json']);
    expect(ok.code).toBe(0);
    const status = JSON.parse(ok.stdout) as { services: Array<{ name: string; up: boolean }>; tenants: { health: Array<{ external_id: string }> }; consumerLag: unknown[] };
    expect(status.services).toEqual(['tenant-admin', 'gateway 1', 'gateway 2'].map((name) => expect.objectContaining({ name, up: true })));
    expect(status.tenants.health.map((t) => t.external_id)).toContain(tenant.externalId);
    expect(Array.isArray(status.consumerLag)).toBe(true);

    const down = await cli(['status', '--gateway', stack.gateways[0]!.url, 'http://127.0.0.1:9']);
    expect(down.code).toBe(1);
    expect(down.stdout).toMatch(/DOWN {2}gateway 2 +http:\/\/127\.0\.0\.1:9/);
    expect(down.stdout).toMatch(/up {4}gateway 1/);
  });
});

describe('realtime slots', () => {
  it('shows the tenant\'s slot active, its lag, and the ingest-cdc process streaming it', async () => {
    const { code, stdout } = await cli(['slots', '--json']);
    expect(code).toBe(0);
    const slots = JSON.parse(stdout) as Array<{ tenant: string; slot_name: string; active: boolean; lag_bytes: number; owner: { application_name: string; pid: number } }>;
    const mine = slots.find((s) => s.tenant === tenant.externalId)!;
    expect(mine).toMatchObject({ slot_name: expect.stringMatching(/^supabase_realtime_replication_slot/), active: true });
    expect(mine.lag_bytes).toBeGreaterThanOrEqual(0);
    expect(mine.owner.application_name).toBe(`ingest-cdc@${hostname()}/${stack.ingestCdc!.child.pid}`);

    expect(await cli(['slots', 'no-such-tenant'])).toMatchObject({ code: 1, stdout: expect.stringMatching(/^no-such-tenant +ERROR .*404/m) });
  });
});

describe('realtime replay --into', () => {
  it('re-publishes a range to a new topic, which replays to the same changes', async () => {
    await db.query(`INSERT INTO items SELECT x, 'row ' || x FROM generate_series(1, 3) x`);
    const replay = (...extra: string[]) => cli(['replay', '--tenant', tenant.externalId, '--from', '2026-01-01', ...extra]);
    const original = await waitFor(async () => {
      const r = await replay();
      expect(r.stdout.trim().split('\n')).toHaveLength(3);
      return r.stdout;
    }, { timeout: 20_000 });

    // <prefix>copy.cdc: replay with --topic-prefix <prefix>copy. reads it back.
    const into = `${stack.topicPrefix}copy.cdc`;
    expect(await replay('--into', into)).toMatchObject({ code: 0, stdout: `${JSON.stringify({ into, changes: 3 })}\n` });
    expect(await replay('--topic-prefix', `${stack.topicPrefix}copy.`)).toMatchObject({ code: 0, stdout: original });
  });
});

describe('realtime status (slots, throttles)', () => {
  it('shows the slot and, once the ratelimiter throttles a tenant, the tenant as throttled', async () => {
    // A tenant of its own: the rate counter averages over the last minute's buckets, so the
    // earlier tests' broadcasts on the main tenant would only delay the crossing.
    const busy = await createTenant(stack, { max_events_per_second: 4 });
    const key = await token(busy.jwtSecret);
    const channels = await Promise.all(stack.gateways.map(async (gw) => {
      const ch = client(gw.port, busy.externalId, key).channel('busy');
      // A gateway shuts the channel down once it applies the ratelimiter's decision.
      const throttled = new Promise<string>((resolve) => ch.on('system', {}, (m: { status: string; message: string }) => m.status === 'error' && resolve(m.message)));
      await subscribed(ch);
      return { ch, throttled };
    }));
    // About 3.3/s on each gateway: under max_events_per_second (4) alone, well over it together.
    // Sends are not awaited, so a slow ack on a loaded machine does not lower the rate.
    const pumps = channels.map(({ ch }: { ch: RealtimeChannel }) => setInterval(() => void (ch.state === 'joined' && ch.send({ type: 'broadcast', event: 'm', payload: {} })), 300));
    try {
      expect(await Promise.all(channels.map((c) => c.throttled))).toEqual(['Too many messages per second', 'Too many messages per second']);
    } finally {
      pumps.forEach(clearInterval);
    }
    const json = await cli(['status', '--json']);
    const status = JSON.parse(json.stdout) as { throttled: Array<{ tenant: string; limit: string }>; slots: Array<{ tenant: string; active: boolean }> };
    expect(status.throttled).toContainEqual(expect.objectContaining({ tenant: busy.externalId, limit: 'events_per_second' }));
    expect(status.slots).toContainEqual(expect.objectContaining({ tenant: tenant.externalId, active: true }));

    const text = await cli(['status']);
    expect(text.stdout).toMatch(/^throttled tenants: [1-9]/m);
    expect(text.stdout).toContain(`  ${busy.externalId}  events_per_second  `);
    expect(text.stdout).toMatch(new RegExp(`^ +\\d[\\d.]* (B|KiB|MiB|GiB) {2}${tenant.externalId} {2}active$`, 'm'));
  });
});
