import { describe, expect, it } from 'vitest';
import { decrypt } from '@realtime/secrets';
import { parseTenantBody, type TenantInput } from './tenant-input.ts';
import { decideUpsert } from './upsert.ts';
import { tenantView } from './tenant-view.ts';
import { toSnapshot } from './snapshot.ts';
import { createBody, DB_PASSWORD, defaults, JWT_SECRET, key, rowFrom } from '../../test/fixtures.ts';

function input(body: unknown): TenantInput {
  const parsed = parseTenantBody(body);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.input;
}

describe('parseTenantBody', () => {
  it('requires the tenant object', () => {
    expect(parseTenantBody({})).toEqual({ ok: false, errors: { tenant: ["can't be blank"] } });
    expect(parseTenantBody(null)).toMatchObject({ ok: false });
  });

  it('reports every field error by dotted path', () => {
    const parsed = parseTenantBody(createBody({
      external_id: 'Bad Id!', max_concurrent_users: -1, max_events_per_second: 1.5, suspend: 'yes',
      extensions: [{ type: 'mysql', settings: {} }],
    }));
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(Object.keys(parsed.errors).sort()).toEqual(['extensions.0.type', 'external_id', 'max_concurrent_users', 'max_events_per_second', 'suspend']);
    expect(parsed.errors.max_concurrent_users).toEqual(['must be greater than 0']);
  });

  it('bounds the recovery caps: positive integers up to 1,000,000 events and 1 GiB', () => {
    const errors = (fields: Record<string, unknown>) => {
      const parsed = parseTenantBody(createBody(fields));
      return parsed.ok ? {} : parsed.errors;
    };
    expect(errors({ max_recovery_events: 1_000_000, max_recovery_bytes: 1_073_741_824 })).toEqual({});
    expect(input(createBody({ max_recovery_events: '1', max_recovery_bytes: '1' }))).toMatchObject({ max_recovery_events: 1, max_recovery_bytes: 1 });
    expect(errors({ max_recovery_events: 1_000_001, max_recovery_bytes: 1_073_741_825 })).toEqual({
      max_recovery_events: ['must be less than or equal to 1000000'], max_recovery_bytes: ['must be less than or equal to 1073741824'],
    });
    expect(errors({ max_recovery_events: 0, max_recovery_bytes: -5 })).toEqual({
      max_recovery_events: ['must be greater than 0'], max_recovery_bytes: ['must be greater than 0'],
    });
    expect(errors({ max_recovery_events: 2.5, max_recovery_bytes: 'lots' })).toEqual({
      max_recovery_events: ['must be an integer'], max_recovery_bytes: ['is invalid'],
    });
    // Beyond Avro's int the snapshot could not even be written: refused at the API, never stored.
    expect(errors({ max_recovery_bytes: 2 ** 31 })).toEqual({ max_recovery_bytes: ['must be less than or equal to 1073741824'] });
    expect(errors({ max_recovery_events: null })).toEqual({ max_recovery_events: ['is invalid'] });
  });

  it('accepts numeric strings for limits and ignores unknown keys', () => {
    const parsed = input(createBody({ max_concurrent_users: '42', id: 'x', inserted_at: 'y' }));
    expect(parsed.max_concurrent_users).toBe(42);
    expect('id' in parsed).toBe(false);
  });
});

describe('decideUpsert', () => {
  it('creates with env defaults and encrypts jwt_secret and every db_* setting', () => {
    const d = decideUpsert(null, 'acme', input(createBody()), defaults, key);
    if (!d.ok) throw new Error('rejected');
    expect(d.write.max_joins_per_second).toBe(100);
    expect(d.write.presence_enabled).toBe(false);
    expect(d.write.jwt_secret).toMatch(/^g1:/);
    expect(decrypt(d.write.jwt_secret!, key)).toBe(JWT_SECRET);
    const settings = d.write.extensions[0]!.settings;
    for (const s of ['db_host', 'db_port', 'db_name', 'db_user', 'db_password']) expect(settings[s]).toMatch(/^g1:/);
    expect(decrypt(settings.db_password as string, key)).toBe(DB_PASSWORD);
    expect(settings.region).toBe('us-east-1');
    expect(settings.slot_name).toBe('supabase_realtime_replication_slot');
    expect(JSON.stringify(d.write)).not.toContain(DB_PASSWORD);
  });

  it('encrypts the k of oct JWKs at rest; neither the API view nor the snapshot carries it in clear', () => {
    const k = 'aG1hYy1rZXktb2YtdGhlLXRlbmFudC1ub3QtdG8tbGVhaw';
    const d = decideUpsert(null, 'acme', input(createBody({ jwt_secret: undefined, jwt_jwks: { keys: [{ kty: 'oct', kid: 'k1', k }] } })), defaults, key);
    if (!d.ok) throw new Error('rejected');
    const stored = (d.write.jwt_jwks as { keys: Record<string, string>[] }).keys[0]!;
    expect(stored).toMatchObject({ kty: 'oct', kid: 'k1' });
    expect(decrypt(stored.k!, key)).toBe(k);
    const row = rowFrom(d.write);
    expect(JSON.stringify(d.write)).not.toContain(k);
    expect(JSON.stringify(tenantView(row, key))).not.toContain(k);
    expect(JSON.stringify(toSnapshot(row))).not.toContain(k);
    // An update that does not mention jwt_jwks keeps the stored ciphertext as it is.
    const again = decideUpsert(row, 'acme', input({ tenant: { name: 'Acme 2' } }), defaults, key);
    if (!again.ok) throw new Error('rejected');
    expect(again.write.jwt_jwks).toEqual(d.write.jwt_jwks);
  });

  it('requires name, a jwt secret (or jwks) and the connection settings on create', () => {
    const body = createBody({ name: undefined, jwt_secret: undefined, extensions: [{ type: 'postgres', settings: { db_host: 'h' } }] });
    const d = decideUpsert(null, 'acme', input(body), defaults, key);
    expect(d.ok).toBe(false);
    if (d.ok) return;
    expect(Object.keys(d.errors).sort()).toEqual([
      'extensions.0.settings.db_name', 'extensions.0.settings.db_password', 'extensions.0.settings.db_port',
      'extensions.0.settings.db_user', 'extensions.0.settings.region', 'jwt_secret', 'name',
    ]);
  });

  it('accepts jwt_jwks instead of jwt_secret', () => {
    const d = decideUpsert(null, 'acme', input(createBody({ jwt_secret: undefined, jwt_jwks: { keys: [{ kty: 'oct', k: 'AA' }] } })), defaults, key);
    expect(d.ok).toBe(true);
  });

  it('updates only what is given and keeps stored ciphertext', () => {
    const created = decideUpsert(null, 'acme', input(createBody({ max_events_per_second: 7 })), defaults, key);
    if (!created.ok) throw new Error('rejected');
    const existing = rowFrom(created.write);
    const d = decideUpsert(existing, 'acme', input({ tenant: { name: 'Acme 2', extensions: [{ type: 'postgres_cdc_rls', settings: { region: 'eu-west-1' } }] } }), defaults, key);
    if (!d.ok) throw new Error(JSON.stringify(d.errors));
    expect(d.write.name).toBe('Acme 2');
    expect(d.write.max_events_per_second).toBe(7);
    expect(d.write.jwt_secret).toBe(existing.jwt_secret);
    expect(d.write.extensions[0]!.settings.db_password).toBe(existing.extensions[0]!.settings.db_password);
    expect(d.write.extensions[0]!.settings.region).toBe('eu-west-1');
  });

  it('fills the recovery caps from the defaults on create, keeps them on update unless given, and publishes them', () => {
    const created = decideUpsert(null, 'acme', input(createBody()), { ...defaults, max_recovery_events: 123, max_recovery_bytes: 4567 }, key);
    if (!created.ok) throw new Error('rejected');
    expect(created.write).toMatchObject({ max_recovery_events: 123, max_recovery_bytes: 4567 });
    const existing = rowFrom(created.write);
    const kept = decideUpsert(existing, 'acme', input({ tenant: { max_recovery_events: 50 } }), defaults, key);
    if (!kept.ok) throw new Error('rejected');
    expect(kept.write).toMatchObject({ max_recovery_events: 50, max_recovery_bytes: 4567 });
    const row = rowFrom(kept.write);
    expect(tenantView(row, key)).toMatchObject({ max_recovery_events: 50, max_recovery_bytes: 4567 });
    expect(toSnapshot(row)).toMatchObject({ max_recovery_events: 50, max_recovery_bytes: 4567 });
  });

  it('validates an external_id that comes from the path', () => {
    const d = decideUpsert(null, 'Bad Id', input({ tenant: { name: 'x', jwt_secret: 'y' } }), defaults, key);
    expect(d).toMatchObject({ ok: false, errors: { external_id: [expect.stringContaining('invalid format')] } });
  });

  it('rejects a body external_id that differs from the path and duplicate extension types', () => {
    const ext = createBody().tenant.extensions[0];
    const d = decideUpsert(null, 'other', input(createBody({ extensions: [ext, ext] })), defaults, key);
    expect(d.ok).toBe(false);
    if (!d.ok) expect(Object.keys(d.errors).sort()).toEqual(['extensions.1.type', 'external_id']);
  });
});
