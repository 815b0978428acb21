// Hostile: the JWT matrix, at connect (raw socket: HTTP status and body, docs/PROTOCOL.md §1.2) and at join
// (official client: the reply's reason, docs/PROTOCOL.md §3.3). alg none, HS256 signed with the tenant's public
// key material, a kid swapped to another key of the JWKS, a flood of random kids, expired, nbf in
// the future, no role, a 1 MB token: each refused in the documented form, and everyone else is still
// served (/api/ping within a second, a broadcast between two gateways).
import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { SignJWT, exportJWK, exportSPKI, generateKeyPair, type CryptoKey } from 'jose';
import WebSocket from 'ws';
import { waitFor } from '@realtime/testing';
import { adminFetch, client, subscribed, token, useTenantStack } from '../support/fixture.ts';
import { broadcastCrossesGateways, idleWorstPing, pingLoop, rawSocket } from './support.ts';

let keys: { k1: CryptoKey; k2: CryptoKey; jwks: { keys: object[] }; pem: string };
const t = useTenantStack({ gateways: 2 });

beforeAll(async () => {
  const [a, b] = await Promise.all([generateKeyPair('RS256', { extractable: true }), generateKeyPair('RS256', { extractable: true })]);
  const jwks = { keys: [{ ...(await exportJWK(a.publicKey)), kid: 'k1', alg: 'RS256' }, { ...(await exportJWK(b.publicKey)), kid: 'k2', alg: 'RS256' }] };
  keys = { k1: a.privateKey, k2: b.privateKey, jwks, pem: await exportSPKI(a.publicKey) };
  const res = await adminFetch(t.stack, `/api/tenants/${t.tenant.externalId}`, { method: 'PATCH', body: { tenant: { jwt_jwks: jwks } } });
  expect(res.status).toBe(200);
  // The gateways learn the JWKS: a token signed with k1 then connects.
  const good = await rs(keys.k1, 'k1');
  for (const port of [t.port(0), t.port(1)]) {
    await waitFor(async () => {
      const ws = await rawSocket(port, t.tenant.externalId, `vsn=2.0.0&apikey=${good}`);
      expect(ws).toBeInstanceOf(WebSocket);
      (ws as WebSocket).close();
    }, { timeout: 20_000 });
  }
});

const nowS = () => Math.floor(Date.now() / 1000);
const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
const rs = (key: CryptoKey, kid: string, claims: object = { role: 'anon' }) =>
  new SignJWT({ ...claims }).setProtectedHeader({ alg: 'RS256', kid }).setExpirationTime('1h').sign(key);
const hsWith = (material: string, kid?: string) =>
  new SignJWT({ role: 'service_role' }).setProtectedHeader({ alg: 'HS256', ...(kid ? { kid } : {}) }).setExpirationTime('1h').sign(new TextEncoder().encode(material));

/** name, token, connect [status, error], join reason. */
const matrix: Array<[string, () => Promise<string>, [number, string], string]> = [
  ['alg none', async () => `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ role: 'service_role', exp: nowS() + 3600 })}.`, [401, 'Failed to generate JWT signer'], 'JwtSignerError: Failed to generate JWT signer'],
  ['HS256 signed with the public key (PEM)', () => hsWith(keys.pem), [401, 'Failed to validate JWT signature'], 'JwtSignatureError: Failed to validate JWT signature'],
  ['HS256 signed with the public JWK, its kid', () => hsWith(JSON.stringify(keys.jwks.keys[0]), 'k1'), [401, 'Failed to validate JWT signature'], 'JwtSignatureError: Failed to validate JWT signature'],
  ['kid swapped to another key', () => rs(keys.k1, 'k2'), [401, 'Failed to validate JWT signature'], 'JwtSignatureError: Failed to validate JWT signature'],
  ['unknown kid', () => rs(keys.k1, randomBytes(8).toString('hex')), [401, 'Failed to generate JWT signer'], 'JwtSignerError: Failed to generate JWT signer'],
  ['expired', () => token(t.tenant.jwtSecret, { role: 'anon' }, nowS() - 60), [401, 'Token has expired'], 'InvalidJWTToken: Token has expired'],
  ['nbf in the future', () => token(t.tenant.jwtSecret, { role: 'anon', nbf: nowS() + 600 }), [401, 'Token is not valid yet'], 'InvalidJWTToken: Token is not valid yet'],
  ['no role', () => token(t.tenant.jwtSecret, { sub: 'u1' }), [401, 'Fields `role` and `exp` are required in JWT'], 'InvalidJWTToken: Fields `role` and `exp` are required in JWT'],
];

describe('the JWT matrix', () => {
  it.each(matrix)('%s: refused at connect', async (_name, make, [status, error]) => {
    const result = await rawSocket(t.port(0), t.tenant.externalId, `vsn=2.0.0&apikey=${encodeURIComponent(await make())}`);
    expect(result).toEqual({ status, body: JSON.stringify({ error }) });
  });

  it.each(matrix)('%s: refused at join', async (_name, make, _connect, reason) => {
    const c = client(t.port(1), t.tenant.externalId, t.key);
    await c.realtime.setAuth(await make());
    await expect(subscribed(c.channel(`jwt-${randomBytes(4).toString('hex')}`))).rejects.toThrow(`CHANNEL_ERROR: ${reason}`);
    await c.removeAllChannels();
  });

  it('a 1 MB token: refused by the HTTP server at connect, as malformed at join', async () => {
    const big = `${await token(t.tenant.jwtSecret)}${'A'.repeat(1_000_000)}`;
    // Node's header limit refuses it before any of our code: a 431, or the connection reset.
    const result = await rawSocket(t.port(0), t.tenant.externalId, `vsn=2.0.0&apikey=${big}`).catch((err: Error) => err.message);
    expect(result === 'read ECONNRESET' || (result as { status?: number }).status === 431).toBe(true);
    const ws = (await rawSocket(t.port(0), t.tenant.externalId, `vsn=2.0.0&apikey=${t.key}`)) as WebSocket;
    const replies: unknown[] = [];
    ws.on('message', (d) => replies.push(JSON.parse(d.toString())));
    ws.send(JSON.stringify(['1', '1', 'realtime:big', 'phx_join', { config: {}, access_token: big }]));
    await waitFor(() => expect(replies).toContainEqual(['1', '1', 'realtime:big', 'phx_reply', { status: 'error', response: { reason: 'MalformedJWT: The token provided is not a valid JWT' } }]));
    ws.close();
  });

  it('a flood of random kids is refused while everyone else is served', async () => {
    const idle = await idleWorstPing(t.port(0), t.tenant.externalId);
  const pings = pingLoop(t.port(0), t.tenant.externalId);
    const refused = { count: 0 };
    for (let round = 0; round < 20; round++) {
      const tokens = await Promise.all(Array.from({ length: 50 }, () => rs(keys.k1, randomBytes(16).toString('hex'))));
      const results = await Promise.all(tokens.map((tk) => rawSocket(t.port(0), t.tenant.externalId, `vsn=2.0.0&apikey=${tk}`)));
      for (const r of results) if (!(r instanceof WebSocket) && r.status === 401) refused.count++;
    }
    const seen = await pings.stop();
    process.stdout.write(`[hostile:jwt] 1000 random kids: ${refused.count} refused; /api/ping worst ${Math.max(...seen).toFixed(0)} ms (idle worst ${idle.toFixed(0)} ms)\n`);
    expect(refused.count).toBe(1000);
    expect(Math.max(...seen)).toBeLessThan(1000 + idle);
    await broadcastCrossesGateways(t.stack, t.tenant.externalId, t.tenant.jwtSecret);
  }, 90_000);
});
