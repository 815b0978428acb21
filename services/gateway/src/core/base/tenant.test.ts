import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { decrypt, encrypt, isEncrypted, mapJwkSecrets } from '@realtime/secrets';
import { encode, registry, RECOVERY_DEFAULTS, decode, type TenantSnapshot } from '@realtime/schemas';
import { sampleRecords } from '@realtime/testing/samples';
import { tenantFromSnapshot } from './tenant.ts';

const key = randomBytes(32);
const reveal = (v: string) => (isEncrypted(v) ? decrypt(v, key) : v);

describe('tenantFromSnapshot', () => {
  it('decrypts the key material of a JWK set carried encrypted, and still reads one stored in clear', () => {
    const jwks = { keys: [{ kty: 'oct', kid: 'o1', k: 'b2N0LWtleS1tYXRlcmlhbA' }, { kty: 'EC', kid: 'e1', crv: 'P-256', x: 'x', y: 'y' }] };
    const encrypted = mapJwkSecrets(jwks, (v) => encrypt(v, key));
    expect(JSON.stringify(encrypted)).not.toContain('b2N0LWtleS1tYXRlcmlhbA');
    const snapshot = { ...sampleRecords.TenantSnapshot, jwt_secret_enc: null, extensions: [], jwt_jwks: JSON.stringify(encrypted) };
    expect(tenantFromSnapshot(snapshot, reveal).jwks).toEqual(jwks);
    expect(tenantFromSnapshot({ ...snapshot, jwt_jwks: JSON.stringify(jwks) }, reveal).jwks).toEqual(jwks);
  });

  it('maps the recovery caps, and gives the defaults to a snapshot written before v3', () => {
    // The sample's ciphertexts are placeholders: no secrets, no database, only the limits matter here.
    const snapshot: TenantSnapshot = { ...sampleRecords.TenantSnapshot, jwt_secret_enc: 'plain-secret', extensions: [] };
    const limits = tenantFromSnapshot(decode<TenantSnapshot>('TenantSnapshot', encode('TenantSnapshot', snapshot)), reveal).limits;
    expect(limits).toMatchObject({ maxRecoveryEvents: snapshot.max_recovery_events, maxRecoveryBytes: snapshot.max_recovery_bytes });
    expect(limits.maxRecoveryEvents).not.toBe(RECOVERY_DEFAULTS.max_recovery_events);
    // A tenant-admin not yet upgraded still writes v2: its record reads with the defaults.
    const v2 = decode<TenantSnapshot>('TenantSnapshot', registry.encode('TenantSnapshot', snapshot, 2));
    expect(tenantFromSnapshot(v2, reveal).limits).toMatchObject({ maxRecoveryEvents: 10_000, maxRecoveryBytes: 16 * 1024 * 1024 });
  });
});
