// The CLI's argument rules and exit codes (0 ok, 1 failure, 2 usage), run through runCli with an
// in-memory io: no process, no network (the management API is a stubbed fetch).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jwtVerify } from 'jose';
import { runCli } from './cli.ts';
import type { CliIo } from './io.ts';
import type { StackFile } from './stack-file.ts';

const localStack: StackFile = { tenant: 'realtime-dev', jwtSecret: 'tenant-secret', apiJwtSecret: 'api-secret', tenantAdmin: 'http://admin.test:1', adminToken: 'adm', kafkaBrokers: ['k:9092'], topicPrefix: 'local.' };

async function run(argv: string[], opts: { env?: Record<string, string>; stack?: StackFile | null } = {}) {
  let stdout = '';
  let stderr = '';
  const io: CliIo = { out: (t) => void (stdout += t), err: (t) => void (stderr += t), env: opts.env ?? {}, stack: () => (opts.stack === undefined ? localStack : opts.stack) };
  const code = await runCli(argv, io);
  return { code, stdout, stderr };
}

const verify = async (token: string, secret: string) => (await jwtVerify(token, new TextEncoder().encode(secret))).payload;

afterEach(() => vi.unstubAllGlobals());

describe('realtime (commands and help)', () => {
  it('--help on the program and on every command exits 0 and prints to stdout', async () => {
    for (const argv of [[], ['token'], ['tenants'], ['tenants', 'list'], ['tenants', 'get'], ['tenants', 'create'], ['tenants', 'update'], ['tenants', 'delete'], ['tenants', 'reload'], ['topics', 'tail'], ['config', 'check'], ['status'], ['slots']]) {
      const r = await run([...argv, '--help']);
      expect(r, argv.join(' ')).toMatchObject({ code: 0 });
      expect(r.stdout, argv.join(' ')).toContain('Usage: realtime');
    }
    expect((await run(['help', 'tenants'])).code).toBe(0);
  });

  it('no command, an unknown command, an unknown option or a missing argument is a usage error (2)', async () => {
    expect(await run([])).toMatchObject({ code: 2 });
    expect((await run([])).stderr).toContain('Commands:');
    expect(await run(['nope'])).toMatchObject({ code: 2, stderr: expect.stringContaining("unknown command 'nope'") });
    expect(await run(['token', '--bogus'])).toMatchObject({ code: 2, stderr: expect.stringContaining("unknown option '--bogus'") });
    expect(await run(['tenants', 'get'])).toMatchObject({ code: 2, stderr: expect.stringContaining("missing required argument 'id'") });
    expect(await run(['tenants', 'create'])).toMatchObject({ code: 2, stderr: expect.stringContaining('--file') });
    expect(await run(['config', 'check', 'nosuch'])).toMatchObject({ code: 2, stderr: expect.stringContaining('unknown service nosuch') });
  });
});

describe('realtime token', () => {
  it('mints an anon token for the local stack\'s tenant by default', async () => {
    const r = await run(['token']);
    expect(r.code).toBe(0);
    expect(await verify(r.stdout.trim(), 'tenant-secret')).toMatchObject({ role: 'anon' });
  });

  it('authenticated carries sub; --exp sets the lifetime; --json describes the token', async () => {
    const r = await run(['token', 'authenticated', '--sub', 'user-1', '--exp', '90', '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { token: string; role: string; tenant: string; sub: string; exp: number };
    const claims = await verify(out.token, 'tenant-secret');
    expect(claims).toMatchObject({ role: 'authenticated', sub: 'user-1', exp: out.exp });
    expect(claims.exp! - claims.iat!).toBe(90);
    expect(out).toMatchObject({ role: 'authenticated', tenant: 'realtime-dev', sub: 'user-1' });
  });

  it('service_role with --secret; admin from $API_JWT_SECRET before the stack file', async () => {
    const service = await run(['token', 'service_role', '--secret', 'given', '--tenant', 'acme'], { stack: null });
    expect(await verify(service.stdout.trim(), 'given')).toMatchObject({ role: 'service_role' });
    const admin = await run(['token', 'admin', '--exp', '7d'], { env: { API_JWT_SECRET: 'from-env' } });
    const claims = await verify(admin.stdout.trim(), 'from-env');
    expect(claims.exp! - claims.iat!).toBe(7 * 86_400);
  });

  it('refuses what cannot be minted with exit 2', async () => {
    expect(await run(['token', 'owner'])).toMatchObject({ code: 2, stderr: expect.stringContaining('role must be one of') });
    expect(await run(['token', 'authenticated'])).toMatchObject({ code: 2, stderr: expect.stringContaining('--sub') });
    expect(await run(['token', '--exp', 'soon'])).toMatchObject({ code: 2, stderr: expect.stringContaining('--exp soon') });
    expect(await run(['token', '--tenant', 'other'])).toMatchObject({ code: 2, stderr: expect.stringContaining('pass --secret for other') });
    expect(await run(['token'], { stack: null })).toMatchObject({ code: 2, stderr: expect.stringContaining('no tenant secret') });
    expect(await run(['token', 'admin'], { stack: null })).toMatchObject({ code: 2, stderr: expect.stringContaining('no API_JWT_SECRET') });
  });
});

describe('realtime tenants', () => {
  const answer = (status: number, body?: unknown) => vi.fn(async () => new Response(body === undefined ? null : JSON.stringify(body), { status }));

  it('list prints ids and names, or the data array with --json, from the stack file\'s URL and token', async () => {
    const fetch = answer(200, { data: [{ external_id: 'a', name: 'A' }, { external_id: 'b', name: 'B' }] });
    vi.stubGlobal('fetch', fetch);
    expect(await run(['tenants', 'list'])).toMatchObject({ code: 0, stdout: 'a\tA\nb\tB\n' });
    expect(fetch).toHaveBeenCalledWith('http://admin.test:1/api/tenants', expect.objectContaining({ method: 'GET', headers: { authorization: 'Bearer adm' } }));
    expect(JSON.parse((await run(['tenants', 'list', '--json'])).stdout)).toHaveLength(2);
  });

  it('--url/--token beat $TENANT_ADMIN_URL/$ADMIN_TOKEN, which beat the stack file; none at all is exit 2', async () => {
    const fetch = answer(200, { data: [] });
    vi.stubGlobal('fetch', fetch);
    await run(['tenants', 'list'], { env: { TENANT_ADMIN_URL: 'http://env.test/', ADMIN_TOKEN: 'e' } });
    expect(fetch).toHaveBeenLastCalledWith('http://env.test/api/tenants', expect.objectContaining({ headers: { authorization: 'Bearer e' } }));
    await run(['tenants', 'list', '--url', 'http://flag.test', '--token', 'f'], { env: { TENANT_ADMIN_URL: 'http://env.test', ADMIN_TOKEN: 'e' } });
    expect(fetch).toHaveBeenLastCalledWith('http://flag.test/api/tenants', expect.objectContaining({ headers: { authorization: 'Bearer f' } }));
    expect(await run(['tenants', 'list'], { stack: null })).toMatchObject({ code: 2, stderr: expect.stringContaining('no tenant-admin URL') });
  });

  it('an error answer is exit 1 with the status on stderr', async () => {
    vi.stubGlobal('fetch', answer(404, { message: 'not found' }));
    expect(await run(['tenants', 'get', 'ghost'])).toMatchObject({ code: 1, stdout: '', stderr: expect.stringContaining('404 not found') });
    vi.stubGlobal('fetch', vi.fn(async () => { throw new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED') }); }));
    expect(await run(['tenants', 'reload', 'x'])).toMatchObject({ code: 1, stderr: expect.stringContaining('ECONNREFUSED') });
  });

  it('create posts {"tenant"} from the file and says created; update PUTs to the id', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cli-'));
    const file = join(dir, 't.json');
    writeFileSync(file, JSON.stringify({ tenant: { external_id: 'acme', jwt_secret: 's' } }));
    const fetch = answer(201, { data: { external_id: 'acme' } });
    vi.stubGlobal('fetch', fetch);
    expect(await run(['tenants', 'create', '--file', file])).toMatchObject({ code: 0, stdout: 'acme created\n' });
    expect(fetch).toHaveBeenLastCalledWith('http://admin.test:1/api/tenants', expect.objectContaining({ method: 'POST', body: JSON.stringify({ tenant: { external_id: 'acme', jwt_secret: 's' } }) }));
    vi.stubGlobal('fetch', answer(200, { data: { external_id: 'acme' } }));
    expect(await run(['tenants', 'update', 'acme', '--file', file, '--json'])).toMatchObject({ code: 0, stdout: expect.stringContaining('"result":"updated"') });
    writeFileSync(file, '[1]');
    expect(await run(['tenants', 'create', '--file', file])).toMatchObject({ code: 2, stderr: expect.stringContaining('expected a JSON object') });
    expect(await run(['tenants', 'create', '--file', join(dir, 'absent.json')])).toMatchObject({ code: 2, stderr: expect.stringContaining('cannot read') });
  });
});

describe('realtime topics tail (arguments)', () => {
  it('refuses a bad --limit and missing brokers with exit 2 before touching Kafka', async () => {
    expect(await run(['topics', 'tail', 'broadcast', '--limit', '0'])).toMatchObject({ code: 2, stderr: expect.stringContaining('--limit') });
    expect(await run(['topics', 'tail', 'broadcast'], { stack: null })).toMatchObject({ code: 2, stderr: expect.stringContaining('no Kafka brokers') });
  });
});

describe('realtime slots', () => {
  const slot = { slot_name: 'supabase_realtime_replication_slot', active: true, lag_bytes: 0, lag_seconds: null, confirmed_flush_lsn: '0/1', owner: null };
  const api = (replication: Record<string, unknown>) => vi.fn(async (url: string) => new Response(JSON.stringify(
    url.endsWith('/api/tenants') ? { data: [{ external_id: 'a' }, { external_id: 'b' }] } : { data: replication[url.split('/').at(-2)!] },
  )));

  it('asks tenant-admin for every tenant\'s slots; exit 0 when all were read, 1 when a database was not', async () => {
    const fetch = api({ a: { db_connected: true, slots: [slot] }, b: { db_connected: true, slots: [] } });
    vi.stubGlobal('fetch', fetch);
    const ok = await run(['slots', '--json']);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toEqual([{ tenant: 'a', ...slot }, { tenant: 'b', slot_name: null, active: false, lag_bytes: null, lag_seconds: null, owner: null }]);
    expect(fetch).toHaveBeenCalledWith('http://admin.test:1/api/tenants/a/replication', expect.objectContaining({ headers: { authorization: 'Bearer adm' } }));

    vi.stubGlobal('fetch', api({ a: { db_connected: true, slots: [slot] }, b: { db_connected: false, error: 'timeout', slots: [] } }));
    const bad = await run(['slots']);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/^b +ERROR +database not readable: timeout$/m);
    expect(await run(['slots'], { stack: null })).toMatchObject({ code: 2, stderr: expect.stringContaining('no tenant-admin URL') });
  });
});
