import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { decrypt, encrypt, isEncrypted, mapJwkSecrets } from '@realtime/secrets';
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
});
