import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { decrypt, encrypt, isEncrypted, mapJwkSecrets } from './index.ts';

const key = randomBytes(32);
const jwks = {
  keys: [
    { kty: 'oct', kid: 'hs', alg: 'HS256', k: 'c2VjcmV0LWhtYWMta2V5LW9mLXRoZS10ZW5hbnQ' },
    { kty: 'EC', kid: 'es', crv: 'P-256', x: 'xx', y: 'yy' },
    { kty: 'RSA', kid: 'rs-private', n: 'nn', e: 'AQAB', d: 'dd', p: 'pp', q: 'qq', dp: 'a', dq: 'b', qi: 'c' },
  ],
};

describe('mapJwkSecrets', () => {
  it('encrypts the key material of every key and only that; decrypting gives the set back', () => {
    const stored = mapJwkSecrets(jwks, (v) => encrypt(v, key));
    const [oct, ec, rsa] = stored.keys as unknown as Record<string, string>[];
    expect(isEncrypted(oct!.k)).toBe(true);
    expect(ec).toEqual(jwks.keys[1]);
    for (const m of ['d', 'p', 'q', 'dp', 'dq', 'qi']) expect(isEncrypted(rsa![m])).toBe(true);
    expect(rsa!.n).toBe('nn');
    expect(JSON.stringify(stored)).not.toContain(jwks.keys[0]!.k);
    expect(mapJwkSecrets(stored, (v) => decrypt(v, key))).toEqual(jwks);
    expect(jwks.keys[0]!.k).toBe('c2VjcmV0LWhtYWMta2V5LW9mLXRoZS10ZW5hbnQ'); // the input is not modified
  });

  it('passes anything that is not a key set through', () => {
    expect(mapJwkSecrets(null, () => 'x')).toBeNull();
    expect(mapJwkSecrets({ keys: 'no' }, () => 'x')).toEqual({ keys: 'no' });
    expect(mapJwkSecrets({ keys: [null, 'k'] }, () => 'x')).toEqual({ keys: [null, 'k'] });
  });
});
