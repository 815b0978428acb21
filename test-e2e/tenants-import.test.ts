// `realtime tenants import` end to end: a tenant exported from a Supabase Realtime deployment as
// `_realtime` rows, its jwt_secret and db_* settings encrypted with AES-128-ECB under the old
// 16-byte DB_ENC_KEY, is brought over by the CLI (a real process against tenant-admin); a token
// the old deployment issued works at once with supabase-js, the secrets are stored in our g1:
// form, a tenant that cannot be decrypted fails alone with a reason, and a re-import updates.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import pg from 'pg';
import { waitFor } from '@realtime/testing';
import { waitForTenant, type Stack } from '@realtime/testing/stack';
import { createSupabaseDatabase } from '@realtime/testing/supabase-db';
import { decrypt, parseEncKey } from '@realtime/secrets';
import { legacyEncrypt } from './support/legacy-secret.ts';
import { adminToken, client, closeClients, collect, startE2eStack, subscribed, token } from './support/fixture.ts';

const root = join(import.meta.dirname, '..');
const legacyKey = 'Kx9!legacy-key16'; // 16 characters, as the reference's DB_ENC_KEY
const ecb = (text: string, key = Buffer.from(legacyKey)) => legacyEncrypt(text, key);

function runCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('bash', [join(root, 'scripts/node'), join(root, 'scripts/realtime.ts'), 'tenants', 'import', ...args],
      { cwd: root, env: { ...process.env, LEGACY_DB_ENC_KEY: legacyKey }, timeout: 60_000 },
      (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }));
  });
}

let stack: Stack;
beforeAll(async () => {
  stack = await startE2eStack({ gateways: 1 });
});
afterAll(async () => {
  await closeClients();
  await stack?.stop();
});

describe('realtime tenants import', () => {
  it('imports AES-128-ECB rows so old tokens work at once; a bad tenant fails alone; re-import updates', async () => {
    const id = `imp${randomBytes(4).toString('hex')}`;
    const bad = `${id}bad`;
    const secret = `reference-secret-${randomBytes(12).toString('hex')}`;
    const db = new URL(await createSupabaseDatabase(inject('infra').pgUrl, `${id}_db`));
    const row = (externalId: string, jwtSecret: string) => ({
      id: crypto.randomUUID(), name: externalId, external_id: externalId, jwt_secret: jwtSecret, jwt_jwks: null,
      max_concurrent_users: 200, max_events_per_second: 100, max_joins_per_second: 100, max_channels_per_client: 100,
      max_bytes_per_second: 100000, suspend: false, private_only: false, postgres_cdc_default: 'postgres_cdc_rls',
      migrations_ran: 63, broadcast_adapter: 'gen_rpc', gcm_migrated_at: null, inserted_at: '2025-01-01T00:00:00', updated_at: '2025-01-01T00:00:00',
    });
    const settings = { db_host: db.hostname, db_port: db.port, db_name: db.pathname.slice(1), db_user: db.username || 'postgres', db_password: 'postgres' };
    const extension = {
      id: crypto.randomUUID(), type: 'postgres_cdc_rls', tenant_external_id: id, inserted_at: '2025-01-01T00:00:00', updated_at: '2025-01-01T00:00:00',
      settings: { ...Object.fromEntries(Object.entries(settings).map(([k, v]) => [k, ecb(v)])), region: 'local', poll_interval_ms: 100 },
    };
    const file = join(mkdtempSync(join(tmpdir(), 'import-')), 'tenants.json');
    writeFileSync(file, JSON.stringify([row(id, ecb(secret)), extension, row(bad, ecb('other', randomBytes(16)))]));
    const flags = ['--url', stack.admin.url, '--admin-token', await adminToken(stack)];

    const first = await runCli([file, ...flags]);
    expect(first.stdout).toContain(`${id} created`);
    expect(first.stdout).toMatch(new RegExp(`${bad} failed: .*decrypt`));
    expect(first.code).toBe(1);
    expect(first.stdout + first.stderr).not.toContain(secret);

    // A token the old deployment issued, signed with the original secret, works right away.
    await waitForTenant(stack, id);
    const c = client(stack.gateways[0]!.port, id, await token(secret));
    const channel = c.channel('imported', { config: { broadcast: { self: true } } });
    const seen = collect(channel, 'hello');
    await subscribed(channel);
    await channel.send({ type: 'broadcast', event: 'hello', payload: { n: 1 } });
    await waitFor(() => expect(seen).toHaveLength(1), { timeout: 10_000 });

    // Stored in our form under our key; the settings came through decrypted.
    const control = new pg.Client({ connectionString: stack.controlDbUrl });
    await control.connect();
    try {
      const stored = (await control.query(`select t.jwt_secret, e.settings from _realtime.tenants t join _realtime.extensions e on e.tenant_external_id = t.external_id where t.external_id = $1`, [id])).rows[0];
      const key = parseEncKey(stack.dbEncKey);
      expect(decrypt(stored.jwt_secret, key)).toBe(secret);
      for (const [k, v] of Object.entries(settings)) expect(decrypt(stored.settings[k], key)).toBe(v);
      expect((await control.query(`select 1 from _realtime.tenants where external_id = $1`, [bad])).rowCount).toBe(0);
    } finally {
      await control.end();
    }

    writeFileSync(file, JSON.stringify({ tenants: [{ ...row(id, ecb(secret)), max_concurrent_users: 50 }], extensions: [extension] }));
    const second = await runCli([file, ...flags]);
    expect(second).toMatchObject({ code: 0, stdout: `${id} updated\n` });
  });
});
