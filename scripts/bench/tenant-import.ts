// `realtime tenants import` against creating the same tenants through the API directly, in one run:
//   1. baseline: N tenants PUT with plaintext secrets (what an operator would script by hand);
//   2. import: the same N tenants as `_realtime.tenants` rows with AES-128-ECB secrets and
//      settings, read and decrypted by the CLI's own code (readExport) and PUT by its upsert.
// Every tenant points at one Supabase-like database, so the figures are tenant-admin's work (and
// the tenant migrations, which find that database migrated after the first), not database set-up.
// Prints the time of each phase, tenants per second, and the decryption cost per tenant.
//   npm run bench:import -- [tenants=50]
import '../../test-e2e/support/localhost-dns.ts';
import { randomBytes } from 'node:crypto';
import { legacyEncrypt } from '../../test-e2e/support/legacy-secret.ts';
import { print } from '@realtime/log';
import { startInfra } from '@realtime/testing';
import { startStack, waitForTenant } from '@realtime/testing/stack';
import { createSupabaseDatabase } from '@realtime/testing/supabase-db';
import { upsertTenant } from '../realtime/import.ts';
import { readExport } from '../realtime/import-tenants.ts';
import { sign } from './support.ts';

const count = Number(process.argv[2] ?? 50);
const legacy = randomBytes(16);
const ecb = (text: string) => legacyEncrypt(text, legacy);
const infra = await startInfra();
const stack = await startStack({ infra: { kafkaBrokers: infra.kafka.brokers, pgUrl: infra.postgres.url }, gateways: 1, gatewayEnv: { LOG_LEVEL: 'warn' } });
try {
  const token = await sign(stack.apiJwtSecret, {});
  const db = new URL(await createSupabaseDatabase(infra.postgres.url, 'bench_import_db'));
  const settings = { db_host: db.hostname, db_port: db.port, db_name: db.pathname.slice(1), db_user: db.username || 'postgres', db_password: 'postgres' };
  const tenant = (id: string) => ({ external_id: id, name: id, jwt_secret: `secret-${id}-${randomBytes(16).toString('hex')}` });
  // The first tenant migrates the shared database; it is made before either phase so neither pays it.
  const warm = tenant(`warm${randomBytes(3).toString('hex')}`);
  await upsertTenant(stack.admin.url, token, warm.external_id, { tenant: { ...warm, extensions: [{ type: 'postgres_cdc_rls', settings: { ...settings, region: 'local' } }] } });
  // So is a round of warm-up creates (JIT, connection pools), which would otherwise land on the baseline.
  for (let i = 0; i < 20; i++) {
    const t = tenant(`${warm.external_id}w${i}`);
    await upsertTenant(stack.admin.url, token, t.external_id, { tenant: { ...t, extensions: [{ type: 'postgres_cdc_rls', settings: { ...settings, region: 'local' } }] } });
  }

  async function phase(name: string, bodies: { externalId: string; body: unknown }[], prepareMs: number) {
    const started = performance.now();
    const outcomes: Record<string, number> = {};
    for (const { externalId, body } of bodies) {
      const line = await upsertTenant(stack.admin.url, token, externalId, body);
      outcomes[line] = (outcomes[line] ?? 0) + 1;
    }
    await waitForTenant(stack, bodies.at(-1)!.externalId, 60_000);
    const ms = performance.now() - started + prepareMs;
    print(`${name.padEnd(9)} ${count} tenants in ${ms.toFixed(0)} ms (${(count / (ms / 1000)).toFixed(1)}/s; reading and decrypting ${prepareMs.toFixed(1)} ms, ${((prepareMs * 1000) / count).toFixed(0)} µs per tenant)  ${JSON.stringify(outcomes)}`);
    return ms;
  }

  // Two rounds, alternating, so that neither phase always runs on a warmer (or fuller) service.
  const totals = { baseline: 0, import: 0 };
  for (let round = 0; round < 2; round++) {
    const tag = `${randomBytes(2).toString('hex')}r${round}`;
    const plain = Array.from({ length: count }, (_, i) => tenant(`base${tag}${i}`));
    totals.baseline += await phase('baseline', plain.map((t) => ({
      externalId: t.external_id,
      body: { tenant: { ...t, extensions: [{ type: 'postgres_cdc_rls', settings: { ...settings, region: 'local' } }] } },
    })), 0);

    const rows = Array.from({ length: count }, (_, i) => tenant(`imp${tag}${i}`)).flatMap((t) => [
      { ...t, jwt_secret: ecb(t.jwt_secret), migrations_ran: 63, inserted_at: '2025-01-01T00:00:00', updated_at: '2025-01-01T00:00:00' },
      { type: 'postgres_cdc_rls', tenant_external_id: t.external_id, settings: { ...Object.fromEntries(Object.entries(settings).map(([k, v]) => [k, ecb(v)])), region: 'local' } },
    ]);
    const readStarted = performance.now();
    const entries = readExport(JSON.parse(JSON.stringify(rows)), 'auto', { legacy });
    const readMs = performance.now() - readStarted;
    totals.import += await phase('import', entries.map((e) => {
      if (!e.result.ok) throw new Error(`${e.externalId}: ${e.result.error}`);
      return { externalId: e.externalId, body: e.result.body };
    }), readMs);
  }
  print(`import / baseline over both rounds: ${(totals.import / totals.baseline).toFixed(2)}×`);
} finally {
  await stack.stop();
  await infra.stop();
}
