import { describe, expect, it } from 'vitest';
import { SignJWT } from 'jose';
import { apiTokenValid } from './auth.ts';

const SECRET = 'api-secret-api-secret-api-secret';
const NEXT = 'next-secret-next-secret-next-secret';
const sign = (secret: string, exp?: number, alg = 'HS256') => {
  const jwt = new SignJWT({}).setProtectedHeader({ alg });
  if (exp !== undefined) jwt.setExpirationTime(exp);
  return jwt.sign(new TextEncoder().encode(secret));
};
const opts = { secrets: [SECRET, NEXT], blocklist: [] as string[] };

describe('apiTokenValid', () => {
  it('accepts HS256 with either secret and no role or exp', async () => {
    expect(await apiTokenValid(`Bearer ${await sign(SECRET)}`, opts)).toBe(true);
    expect(await apiTokenValid(`bearer ${await sign(NEXT)}`, opts)).toBe(true);
  });

  it('refuses missing, malformed, wrongly signed, expired, blocklisted and non-HS256 tokens', async () => {
    const blocked = await sign(SECRET);
    const o = { ...opts, blocklist: [blocked] };
    expect(await apiTokenValid(undefined, o)).toBe(false);
    expect(await apiTokenValid('Bearer', o)).toBe(false);
    expect(await apiTokenValid('Bearer not.a.jwt', o)).toBe(false);
    expect(await apiTokenValid(`Bearer ${await sign('wrong-secret-wrong-secret-wrong!')}`, o)).toBe(false);
    expect(await apiTokenValid(`Bearer ${await sign(SECRET, Math.floor(Date.now() / 1000) - 10)}`, o)).toBe(false);
    expect(await apiTokenValid(`Bearer ${blocked}`, o)).toBe(false);
    expect(await apiTokenValid(`Bearer ${await sign(SECRET, undefined, 'HS512')}`, o)).toBe(false);
    expect(await apiTokenValid(`Basic ${await sign(SECRET)}`, o)).toBe(false);
  });

  it('ignores an empty secondary secret', async () => {
    expect(await apiTokenValid(`Bearer ${await sign(SECRET)}`, { secrets: [SECRET, ''], blocklist: [] })).toBe(true);
  });
});
