// Reading a reference deployment's tenant export: every shape it comes in, legacy and g1: secrets
// decrypted (fixtures encrypted here with node:crypto the way the reference stores them).
import { describe, expect, it } from 'vitest';
import { createCipheriv, randomBytes } from 'node:crypto';
import { encrypt } from '@realtime/secrets';
import { readExport } from './import-tenants.ts';

const legacy = Buffer.from('abcdefghijklmnop');
const gcm = randomBytes(32);
const keys = { legacy, gcm };
const ecb = (text: string) => {
  const c = createCipheriv('aes-128-ecb', legacy, null);
  return Buffer.concat([c.update(text, 'utf8'), c.final()]).toString('base64');
};
const settings = { db_host: 'db.example', db_port: '5432', db_name: 'postgres', db_user: 'supabase_admin', db_password: 'pw', region: 'us-east-1', poll_interval_ms: 100 };
const encryptedSettings = (enc: (s: string) => string) => ({
  ...settings, db_host: enc('db.example'), db_port: enc('5432'), db_name: enc('postgres'), db_user: enc('supabase_admin'), db_password: enc('pw'),
});
const row = (externalId: string, jwtSecret: string) => ({
  id: '5b1f4a4e-0000-4000-8000-000000000001', name: externalId, external_id: externalId, jwt_secret: jwtSecret, jwt_jwks: null,
  max_concurrent_users: 200, max_events_per_second: 100, max_bytes_per_second: 100000, max_channels_per_client: 100,
  max_joins_per_second: 500, suspend: false, postgres_cdc_default: 'postgres_cdc_rls', private_only: false,
  migrations_ran: 63, broadcast_adapter: 'gen_rpc', feature_flags: {}, gcm_migrated_at: null,
  inserted_at: '2025-01-01T00:00:00', updated_at: '2025-01-02T00:00:00',
});
const body = (entry: ReturnType<typeof readExport>[number]) => {
  if (!entry.result.ok) throw new Error(entry.result.error);
  return entry.result.body.tenant;
};

describe('readExport', () => {
  it('decrypts table rows with legacy secrets and attaches their extension rows', () => {
    const entries = readExport([
      row('acme', ecb('acme-secret-of-at-least-32-characters!!')),
      { id: 'x', type: 'postgres_cdc_rls', tenant_external_id: 'acme', settings: encryptedSettings(ecb), inserted_at: 'a', updated_at: 'b' },
    ], 'auto', keys);
    expect(entries).toHaveLength(1);
    const tenant = body(entries[0]!);
    expect(tenant).toMatchObject({ external_id: 'acme', jwt_secret: 'acme-secret-of-at-least-32-characters!!', max_joins_per_second: 500, suspend: false });
    expect(tenant.extensions).toEqual([{ type: 'postgres_cdc_rls', settings }]);
    for (const dropped of ['id', 'migrations_ran', 'broadcast_adapter', 'feature_flags', 'inserted_at', 'updated_at']) expect(tenant).not.toHaveProperty(dropped);
  });

  it('reads g1: rows with the GCM key and the {tenants, extensions} form', () => {
    const [entry] = readExport({
      tenants: [{ ...row('beta', encrypt('beta-secret', gcm)), gcm_migrated_at: '2025-02-01T00:00:00' }],
      extensions: [{ type: 'postgres_cdc_rls', tenant_external_id: 'beta', settings: encryptedSettings((s) => encrypt(s, gcm)) }],
    }, 'auto', keys);
    expect(body(entry!)).toMatchObject({ jwt_secret: 'beta-secret', extensions: [{ settings }] });
  });

  it('passes the API forms through as plaintext: POST bodies, GET answers, bare tenants', () => {
    const post = { tenant: { external_id: 'p', name: 'p', jwt_secret: ecb('looks-encrypted-but-is-not'), extensions: [{ type: 'postgres_cdc_rls', settings }] } };
    expect(body(readExport(post, 'auto', keys)[0]!)).toEqual(post.tenant);
    expect(readExport([post, { tenant: { external_id: 'q' } }], 'auto', {}).map((e) => e.externalId)).toEqual(['p', 'q']);
    const got = { data: [{ id: 'u', external_id: 'g', name: 'g', max_concurrent_users: 5, inserted_at: 'x', extensions: [{ type: 'postgres_cdc_rls', settings: { region: 'eu' }, inserted_at: 'x' }] }] };
    expect(body(readExport(got, 'auto', {})[0]!)).toEqual({ external_id: 'g', name: 'g', max_concurrent_users: 5, extensions: [{ type: 'postgres_cdc_rls', settings: { region: 'eu' } }] });
    expect(body(readExport({ data: { external_id: 'one' } }, 'auto', {})[0]!)).toEqual({ external_id: 'one' });
  });

  it('carries our own export\'s recovery caps over, and leaves them to the defaults for a reference export', () => {
    const ours = { data: [{ external_id: 'own', name: 'own', max_recovery_events: 500, max_recovery_bytes: 65_536, inserted_at: 'x' }] };
    expect(body(readExport(ours, 'auto', {})[0]!)).toEqual({ external_id: 'own', name: 'own', max_recovery_events: 500, max_recovery_bytes: 65_536 });
    expect(body(readExport([row('ref', ecb('ref-secret'))], 'auto', keys)[0]!)).not.toHaveProperty('max_recovery_events');
  });

  it('--format overrides the detection', () => {
    const bare = { external_id: 'r', jwt_secret: ecb('secret-r') };
    expect(body(readExport(bare, 'rows', keys)[0]!).jwt_secret).toBe('secret-r');
    expect(body(readExport(row('s', 'plain'), 'api', keys)[0]!).jwt_secret).toBe('plain');
  });

  it('fails one tenant with a reason and keeps the others: wrong key, missing key, no external_id', () => {
    const entries = readExport([
      row('good', ecb('good-secret')),
      row('wrongkey', (() => { const c = createCipheriv('aes-128-ecb', randomBytes(16), null); return Buffer.concat([c.update('x'.repeat(40)), c.final()]).toString('base64'); })()),
      row('nogcm', encrypt('s', randomBytes(32))),
      { name: 'anonymous', updated_at: 'x' },
    ], 'auto', { legacy });
    expect(entries.map((e) => [e.externalId, e.result.ok ? 'ok' : e.result.error])).toEqual([
      ['good', 'ok'],
      ['wrongkey', expect.stringMatching(/failed to decrypt/)],
      ['nogcm', expect.stringMatching(/no GCM key/)],
      ['(no external_id)', 'external_id is missing'],
    ]);
  });

  it('refuses a file that is not objects', () => {
    expect(() => readExport('text', 'auto', keys)).toThrow(/JSON object/);
    expect(() => readExport([1, 2], 'auto', keys)).toThrow(/JSON object/);
  });
});
