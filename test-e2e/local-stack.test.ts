// The README's first command: `npm start` (scripts/stack.ts) brings up infrastructure, services and
// the default tenant, writes stack.json, serves the official client under one origin, and stops
// everything on Ctrl-C (SIGINT).
import { afterAll, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor, freePort } from '@realtime/testing';
import { repoRoot } from '@realtime/testing/services';
import { client, closeClients, collect, subscribed } from './support/fixture.ts';

const dir = mkdtempSync(join(tmpdir(), 'rt-stack-'));
chmodSync(dir, 0o755); // as root, Postgres runs as `postgres` and must reach its data dir
let stack: ChildProcess | undefined;
let output = '';

afterAll(async () => {
  await closeClients();
  if (stack && stack.exitCode === null) stack.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

it('starts the whole stack, serves realtime-dev on one origin and stops on SIGINT', async () => {
  const port = await freePort();
  stack = spawn(process.execPath, [join(repoRoot, 'scripts/stack.ts')], { env: { ...process.env, STACK_DIR: dir, STACK_PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
  stack.stdout!.on('data', (c: Buffer) => (output += c));
  stack.stderr!.on('data', (c: Buffer) => (output += c));
  const exited = new Promise<number | null>((resolve) => stack!.once('exit', resolve));

  await waitFor(() => {
    if (stack!.exitCode !== null) throw new Error(`stack exited early:\n${output}`);
    expect(output).toContain('Ctrl-C stops everything');
  }, { timeout: 120_000, interval: 250 });
  expect(output).toContain(`ws://realtime-dev.localhost:${port}/socket/websocket`);
  const details = JSON.parse(readFileSync(join(dir, 'stack.json'), 'utf8'));
  for (const key of ['url', 'wsUrl', 'tenant', 'jwtSecret', 'anonKey', 'serviceKey', 'apiJwtSecret', 'tenantDbUrl', 'kafkaBrokers', 'redisUrl']) expect(details).toHaveProperty(key);
  expect(details.jwtSecret).toBe('a1d99c8b-91b6-47b2-8f3c-aa7d9a9ad20f');
  // replay --verify's default key: the public half of the pair ingest-cdc signs with
  const keys = JSON.parse(readFileSync(join(dir, 'audit-keys.json'), 'utf8'));
  expect(readFileSync(details.auditPublicKeyFile, 'utf8').trim()).toBe(keys.publicKey);
  expect(output).toContain(details.anonKey);

  // The reference README's example token is signed with the same secret: it verifies (and has expired).
  const example = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJleHAiOjE3MDMwMjgwODcsInJvbGUiOiJwb3N0Z3JlcyJ9.tz_XJ89gd6bN8MBpCl7afvPrZiBH6RB65iA1FadPT3Y';
  const res = await fetch(`http://realtime-dev.localhost:${port}/api/broadcast`, { method: 'POST', headers: { authorization: `Bearer ${example}` }, body: '{}' });
  expect(res.status).toBe(401);

  const a = client(port, 'realtime-dev', details.anonKey).channel('readme');
  const b = client(port, 'realtime-dev', details.serviceKey).channel('readme');
  const got = collect(b, 'hello');
  await Promise.all([subscribed(a), subscribed(b)]);
  await a.send({ type: 'broadcast', event: 'hello', payload: { from: 'a' } });
  await waitFor(() => expect(got).toHaveLength(1));
  const tenants = await fetch(`${details.url}/api/tenants`, { headers: { authorization: `Bearer ${details.adminToken}` } });
  expect(((await tenants.json()) as { data: Array<{ external_id: string }> }).data.map((t) => t.external_id)).toContain('realtime-dev');
  // The one origin also answers tenant-admin's OpenAPI document and status page.
  expect(((await (await fetch(`${details.url}/api/openapi`)).json()) as { openapi: string }).openapi).toBe('3.1.0');
  expect(((await (await fetch(`${details.url}/status`, { headers: { accept: 'application/json' } })).json()) as { service: string }).service).toBe('tenant-admin');
  // The Inspector is on in the local stack, offering realtime-dev's anon key; its cluster view's API is routed to tenant-admin.
  expect(await (await fetch(`${details.url}/inspector/config.json`)).json()).toEqual({ tenant: 'realtime-dev', anonKey: details.anonKey });
  expect((await fetch(`${details.url}/api/cluster`, { headers: { authorization: `Bearer ${details.adminToken}` } })).status).toBe(200);
  await closeClients();

  stack.kill('SIGINT');
  expect(await exited).toBe(0);
  expect(existsSync(join(dir, 'postgres/data/PG_VERSION'))).toBe(true); // data kept for the next start
}, 180_000);
