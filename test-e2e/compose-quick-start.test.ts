// The quick start of docker-compose.yml without Docker: its Postgres init (tenant-db-init, with the
// Supabase SQL of infra/postgres) runs with psql on a fresh Postgres server, as the postgres image
// does on its first start; its one-shot setup script runs against real service processes. The
// seeded tenant realtime-dev then becomes healthy (migrated, replicated), the real supabase-js
// client receives a change of its database, and the metrics token the script wrote opens /metrics.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import pg from 'pg';
import { parse } from 'yaml';
import { startPostgres, waitFor, type PgServer } from '@realtime/testing';
import { repoRoot } from '@realtime/testing/services';
import type { Stack } from '@realtime/testing/stack';
import { waitForTenant } from '@realtime/testing/stack';
import { adminFetch, client, closeClients, startE2eStack, token } from './support/fixture.ts';
import { asChange, changesReady, type Change } from './support/changes.ts';

interface Compose {
  services: Record<string, { environment: Record<string, string>; volumes?: string[]; configs?: Array<{ source: string; target: string }> }>;
  configs: Record<string, { content: string }>;
}
const compose = parse(readFileSync(join(repoRoot, 'docker-compose.yml'), 'utf8'), { merge: true }) as Compose;
// Compose interpolates `${…}` in config contents; `$$` is a literal `$`.
const config = (name: string) => compose.configs[name]!.content.replaceAll('$$', '$');
const setupEnv = compose.services.setup!.environment;
const TENANT = 'realtime-dev';

let postgres: PgServer;
let stack: Stack;
let db: pg.Client;
// under the repository (gitignored .cache), so the script's `jose` resolves from its node_modules
mkdirSync(join(repoRoot, '.cache'), { recursive: true });
const dir = mkdtempSync(join(repoRoot, '.cache', 'compose-quick-start-'));

beforeAll(async () => {
  postgres = await startPostgres();
  stack = await startE2eStack({ gateways: 1, ingestCdc: true });
});

afterAll(async () => {
  await closeClients();
  await db?.end();
  await stack?.stop();
  await postgres?.stop();
  rmSync(dir, { recursive: true, force: true });
});

it('seeds realtime-dev on the database the Postgres init made, and it serves changes and metrics', async () => {
  // docker-entrypoint-initdb.d: psql in the `postgres` database; /supabase-sql is ./infra/postgres
  const mount = compose.services.postgres!.volumes!.find((v) => v.startsWith('./infra/postgres:'))!.split(':')[1]!;
  const init = spawnSync('psql', ['-v', 'ON_ERROR_STOP=1', '-q', postgres.url], { input: config('tenant-db-init').replaceAll(mount, join(repoRoot, 'infra/postgres')), encoding: 'utf8' });
  expect(init.status, init.stderr).toBe(0);

  const tenantDb = new URL(setupEnv.TENANT_DB_URL!);
  tenantDb.host = new URL(postgres.url).host;
  const script = join(dir, 'setup.mjs');
  writeFileSync(script, config('setup-script'));
  const setup = spawnSync(process.execPath, [script], {
    cwd: repoRoot,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', TENANT_ADMIN_URL: stack.admin.url, API_JWT_SECRET: stack.apiJwtSecret, METRICS_JWT_SECRET: stack.metricsJwtSecret, METRICS_TOKEN_FILE: join(dir, 'token'), TENANT_DB_URL: tenantDb.toString() },
  });
  expect(setup.status, setup.stderr).toBe(0);
  expect(setup.stdout).toContain(`tenant ${TENANT} ready (201)`);
  await waitForTenant(stack, TENANT);
  await waitFor(async () => {
    const health = (await (await adminFetch(stack, `/api/tenants/${TENANT}/health`)).json()) as { data: { healthy: boolean; migrated: boolean } };
    expect(health.data).toMatchObject({ healthy: true, migrated: true });
  }, { timeout: 30_000 });

  db = new pg.Client({ connectionString: tenantDb.toString() });
  await db.connect();
  await db.query('CREATE TABLE public.notes (id serial PRIMARY KEY, body text)');
  await db.query('ALTER PUBLICATION supabase_realtime ADD TABLE public.notes');
  // the tenant's jwt_secret as the setup script gives it
  const jwtSecret = /jwt_secret: '([^']+)'/.exec(config('setup-script'))![1]!;
  const channel = client(stack.gateways[0]!.port, TENANT, await token(jwtSecret)).channel('notes');
  const got: Change[] = [];
  channel.on('postgres_changes', { event: 'INSERT', schema: 'public', table: 'notes' }, (p) => got.push(asChange(p)));
  await changesReady(channel);
  await db.query(`INSERT INTO public.notes (body) VALUES ('hello from compose')`);
  await waitFor(() => expect(got.map((c) => c.new.body)).toEqual(['hello from compose']), { timeout: 20_000 });

  const metrics = await fetch(`${stack.gateways[0]!.url}/metrics`, { headers: { authorization: `Bearer ${readFileSync(join(dir, 'token'), 'utf8')}` } });
  expect(metrics.status).toBe(200);
}, 120_000);
