import { describe, expect, it } from 'vitest';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { cachedKeys, verifyToken } from './jwt.ts';
import { tenant } from '../../../test/support.ts';

const now = 1_700_000_000_000;
const exp = now / 1000 + 600;
const opts = { claimValidators: {}, nowMs: now };
const hs = (secret: string, claims: object = { role: 'anon', exp }, header: object = {}) =>
  new SignJWT({ ...claims }).setProtectedHeader({ alg: 'HS256', ...header }).sign(new TextEncoder().encode(secret));

describe('verifyToken', () => {
  it('accepts HS256 with the tenant secret and returns the claims', async () => {
    const t = tenant();
    const result = await verifyToken(await hs(t.jwtSecret!), t, opts);
    expect(result).toEqual({ ok: true, claims: { role: 'anon', exp }, exp });
  });

  it('strips whitespace and URI-decodes the token first', async () => {
    const t = tenant();
    const token = await hs(t.jwtSecret!);
    expect((await verifyToken(` ${encodeURIComponent(token)}\n`, t, opts)).ok).toBe(true);
  });

  it.each(['RS256', 'ES256', 'EdDSA'] as const)('accepts %s through the JWKS by kid, and refuses an unknown kid', async (alg) => {
    const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1' };
    const t = tenant({ jwks: { keys: [jwk] } });
    const sign = (kid: string) => new SignJWT({ role: 'authenticated', exp }).setProtectedHeader({ alg, kid }).sign(privateKey);
    expect((await verifyToken(await sign('k1'), t, opts)).ok).toBe(true);
    expect(await verifyToken(await sign('k2'), t, opts)).toMatchObject({ ok: false, failure: { kind: 'signer', code: 'JwtSignerError' } });
  });

  it('uses a matching oct JWK for HS tokens with a kid', async () => {
    const k = Buffer.from('an-oct-key-for-hs256-at-least-32-bytes!!');
    const t = tenant({ jwks: { keys: [{ kty: 'oct', kid: 'o1', k: k.toString('base64url') }] } });
    const token = await new SignJWT({ role: 'anon', exp }).setProtectedHeader({ alg: 'HS256', kid: 'o1' }).sign(k);
    expect((await verifyToken(token, t, opts)).ok).toBe(true);
  });

  it.each([
    ['no token', async () => '', 'missing'],
    ['garbage', async () => 'a.b', 'malformed'],
    ['wrong secret', () => hs('some-other-secret-some-other-secret'), 'signature'],
    ['expired', () => hs(tenant().jwtSecret!, { role: 'anon', exp: now / 1000 - 5 }), 'expired'],
    ['no role', () => hs(tenant().jwtSecret!, { exp }), 'role_exp'],
    ['no exp', () => hs(tenant().jwtSecret!, { role: 'anon' }), 'role_exp'],
    ['string exp', () => hs(tenant().jwtSecret!, { role: 'anon', exp: 'soon' }), 'exp_invalid'],
    ['nbf in the future', () => hs(tenant().jwtSecret!, { role: 'anon', exp, nbf: now / 1000 + 60 }), 'not_yet_valid'],
    ['string nbf', () => hs(tenant().jwtSecret!, { role: 'anon', exp, nbf: 'later' }), 'not_yet_valid'],
    ['a 1 MB token', async () => `${await hs(tenant().jwtSecret!)}${'A'.repeat(1_000_000)}`, 'malformed'],
  ])('refuses %s', async (_name, make, kind) => {
    expect(await verifyToken(await make(), tenant(), opts)).toMatchObject({ ok: false, failure: { kind } });
  });

  it('reports how long ago a token expired', async () => {
    const result = await verifyToken(await hs(tenant().jwtSecret!, { role: 'anon', exp: now / 1000 - 42 }), tenant(), opts);
    expect(result).toMatchObject({ ok: false, failure: { message: 'Token has expired 42 seconds ago', expiredAgoS: 42 } });
  });

  it('applies JWT_CLAIM_VALIDATORS as exact matches', async () => {
    const t = tenant();
    const validators = { claimValidators: { iss: 'supabase' }, nowMs: now };
    expect((await verifyToken(await hs(t.jwtSecret!, { role: 'anon', exp, iss: 'supabase' }), t, validators)).ok).toBe(true);
    expect(await verifyToken(await hs(t.jwtSecret!, { role: 'anon', exp, iss: 'evil' }), t, validators)).toMatchObject({ ok: false, failure: { kind: 'claims' } });
  });

  it('refuses alg none and HS tokens for a tenant without a secret', async () => {
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ role: 'anon', exp })).toString('base64url')}.`;
    expect(await verifyToken(none, tenant(), opts)).toMatchObject({ ok: false, failure: { kind: 'signer' } });
    expect(await verifyToken(await hs('x'.repeat(32)), tenant({ jwtSecret: null }), opts)).toMatchObject({ ok: false, failure: { kind: 'signer' } });
  });

  it('accepts an nbf that has passed', async () => {
    const t = tenant();
    expect((await verifyToken(await hs(t.jwtSecret!, { role: 'anon', exp, nbf: now / 1000 - 1 }), t, opts)).ok).toBe(true);
  });

  it('keeps the key cache bounded however many random kids and algs clients send', async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1' };
    const t = tenant({ jwks: { keys: [jwk] } });
    for (let i = 0; i < 200; i++) {
      await verifyToken(await hs(t.jwtSecret!, { role: 'anon', exp }, { kid: `random-${i}` }), t, opts);
      const rs = await new SignJWT({ role: 'anon', exp }).setProtectedHeader({ alg: 'RS256', kid: `random-${i}` }).sign(privateKey);
      expect(await verifyToken(rs, t, opts)).toMatchObject({ ok: false, failure: { kind: 'signer' } });
      const header = Buffer.from(JSON.stringify({ alg: `X${i}`, kid: `random-${i}` })).toString('base64url');
      await verifyToken(`${header}.e30.c2ln`, t, opts);
    }
    expect(cachedKeys(t)).toBe(2); // HS256 with the secret, RS256 without a known kid
  });

  it('refuses an HS256 token signed with the public key of the tenant (algorithm confusion)', async () => {
    const { publicKey } = await generateKeyPair('RS256', { extractable: true });
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1' };
    const t = tenant({ jwks: { keys: [jwk] } });
    for (const material of [JSON.stringify(jwk), jwk.n!]) {
      const forged = await hs(material, { role: 'service_role', exp }, { kid: 'k1' });
      expect(await verifyToken(forged, t, opts)).toMatchObject({ ok: false, failure: { kind: 'signature' } });
    }
  });
});
