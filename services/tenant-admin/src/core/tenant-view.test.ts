import { describe, expect, it } from 'vitest';
import { parseTenantBody } from './tenant-input.ts';
import { decideUpsert } from './upsert.ts';
import { tenantView } from './tenant-view.ts';
import { toSnapshot } from './snapshot.ts';
import { createBody, DB_PASSWORD, defaults, JWT_SECRET, key, rowFrom } from '../../test/fixtures.ts';

function storedRow() {
  const parsed = parseTenantBody(createBody({ max_client_presence_events_per_window: 9 }));
  if (!parsed.ok) throw new Error('invalid');
  const d = decideUpsert(null, 'acme', parsed.input, defaults, key);
  if (!d.ok) throw new Error('rejected');
  return rowFrom(d.write, { reload_seq: 3, version: 17 });
}

describe('tenantView', () => {
  it('has the docs/PROTOCOL.md §8 fields and never a secret', () => {
    const view = tenantView(storedRow(), key);
    expect(view).toMatchObject({
      id: '00000000-0000-4000-8000-000000000001', external_id: 'acme', name: 'Acme',
      max_concurrent_users: 200, max_channels_per_client: 100, max_events_per_second: 100, max_joins_per_second: 100,
      private_only: false, presence_enabled: false, max_client_presence_events_per_window: 9, client_presence_window_ms: null,
      inserted_at: '2025-01-02T03:04:05',
    });
    expect(view.extensions[0]).toMatchObject({ type: 'postgres_cdc_rls', inserted_at: '2025-01-02T03:04:05', updated_at: '2025-01-02T03:04:05' });
    const text = JSON.stringify(view);
    for (const secret of [JWT_SECRET, DB_PASSWORD, 'jwt_secret', 'db_password', 'g1:']) expect(text).not.toContain(secret);
  });

  it('shows the other connection settings decrypted', () => {
    expect(tenantView(storedRow(), key).extensions[0]!.settings).toMatchObject({
      db_host: 'db.example', db_port: '5432', db_name: 'postgres', db_user: 'supabase_admin', region: 'us-east-1',
    });
  });
});

describe('toSnapshot', () => {
  it('carries the full config with secrets as ciphertext and settings as strings', () => {
    const row = storedRow();
    const snap = toSnapshot(row);
    expect(snap.jwt_secret_enc).toBe(row.jwt_secret);
    expect(snap.jwt_secret_enc).toMatch(/^g1:/);
    expect(snap.reload_seq).toBe(3);
    expect(snap.version).toBe(17);
    expect(snap.updated_at).toBe(Date.parse('2025-01-02T03:04:05.678Z'));
    const settings = snap.extensions[0]!.settings;
    expect(settings.db_password).toMatch(/^g1:/);
    expect(settings.poll_interval_ms).toBe('100');
    expect(Object.values(settings).every((v) => typeof v === 'string')).toBe(true);
    expect(JSON.stringify(snap)).not.toContain(DB_PASSWORD);
  });

  it('serialises jwt_jwks as JSON text', () => {
    const row = { ...storedRow(), jwt_jwks: { keys: [{ kty: 'oct', k: 'AA' }] } };
    expect(JSON.parse(toSnapshot(row).jwt_jwks!)).toEqual({ keys: [{ kty: 'oct', k: 'AA' }] });
  });
});
