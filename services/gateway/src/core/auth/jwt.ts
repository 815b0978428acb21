// JWT verification as the reference does it (docs/PROTOCOL.md §7): HS* with the tenant secret (or a matching
// `oct` JWK by kid), RS*/ES*/PS*/EdDSA through the tenant JWKS by kid; claims validated only when
// present; `role` and `exp` required by sockets and joins. Failures carry the catalog code and the
// reference's message so transports only map them to HTTP/join/shutdown forms.
import { compactVerify, decodeProtectedHeader, importJWK, type JWK, type CryptoKey } from 'jose';
import { ErrorCodes } from '@realtime/errors';
import type { Tenant } from '../base/tenant.ts';
import { messageOf } from '../base/messages.ts';

export type Claims = Record<string, unknown> & { role?: unknown; exp?: unknown; sub?: unknown };

export type TokenFailureKind =
  | 'missing' | 'malformed' | 'signature' | 'signer' | 'expired' | 'role_exp' | 'exp_invalid' | 'iat_invalid' | 'claims'
  | 'not_yet_valid';

export interface TokenFailure {
  kind: TokenFailureKind;
  code: 'MissingAPIKey' | 'MalformedJWT' | 'JwtSignatureError' | 'JwtSignerError' | 'InvalidJWTToken';
  /** The message of the reference for this failure (join/shutdown form). */
  message: string;
  /** For `expired`: how long ago, in whole seconds. */
  expiredAgoS?: number;
}

export type Verified = { ok: true; claims: Claims; exp: number } | { ok: false; failure: TokenFailure };

export interface VerifyOptions {
  claimValidators: Record<string, unknown>;
  nowMs: number;
}

const HS = /^HS(256|384|512)$/;
const ASYM = /^(RS|ES|PS)(256|384|512)$|^EdDSA$|^Ed25519$|^Ed448$/;

const fail = (kind: TokenFailureKind, code: TokenFailure['code'], message: string, extra: Partial<TokenFailure> = {}): Verified =>
  ({ ok: false, failure: { kind, code, message, ...extra } });

/**
 * Longest token looked at. Real tokens are a few KB; a bigger one is refused as malformed before
 * it is decoded, so a client cannot make every verification cost megabytes of work.
 */
const MAX_TOKEN_CHARS = 64 * 1024;

export function cleanToken(raw: string | null | undefined): string {
  if (!raw) return '';
  let token = raw;
  try { token = decodeURIComponent(raw); } catch { /* keep raw: a bad escape is just a malformed token */ }
  return token.replace(/\s+/g, '');
}

export async function verifyToken(raw: string | null | undefined, tenant: Tenant, opts: VerifyOptions): Promise<Verified> {
  if (raw && raw.length > MAX_TOKEN_CHARS) return fail('malformed', ErrorCodes.MalformedJWT, messageOf(ErrorCodes.MalformedJWT));
  const token = cleanToken(raw);
  if (!token) return fail('missing', ErrorCodes.MalformedJWT, messageOf(ErrorCodes.MalformedJWT));
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    if (token.split('.').length !== 3) throw new Error('not three segments');
    header = decodeProtectedHeader(token);
  } catch {
    return fail('malformed', ErrorCodes.MalformedJWT, messageOf(ErrorCodes.MalformedJWT));
  }
  const alg = typeof header.alg === 'string' ? header.alg : '';
  const key = await signingKey(tenant, alg, typeof header.kid === 'string' ? header.kid : undefined);
  if (!key) return fail('signer', ErrorCodes.JwtSignerError, 'Failed to generate JWT signer');

  let payload: Uint8Array;
  try {
    ({ payload } = await compactVerify(token, key, { algorithms: [alg === 'Ed25519' || alg === 'Ed448' ? 'EdDSA' : alg] }));
  } catch {
    return fail('signature', ErrorCodes.JwtSignatureError, messageOf(ErrorCodes.JwtSignatureError));
  }
  let claims: Claims;
  try {
    const parsed = JSON.parse(new TextDecoder().decode(payload)) as unknown;
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('claims not an object');
    claims = parsed as Claims;
  } catch {
    return fail('malformed', ErrorCodes.MalformedJWT, messageOf(ErrorCodes.MalformedJWT));
  }
  return checkClaims(claims, opts);
}

export function checkClaims(claims: Claims, { claimValidators, nowMs }: VerifyOptions): Verified {
  if (claims.exp !== undefined) {
    if (typeof claims.exp !== 'number' || !Number.isFinite(claims.exp)) {
      return fail('exp_invalid', ErrorCodes.InvalidJWTToken, 'Token expiration time is invalid');
    }
    const nowS = nowMs / 1000;
    if (Math.round(claims.exp) <= nowS) {
      const ago = Math.max(0, Math.floor(nowS - Math.round(claims.exp)));
      return fail('expired', ErrorCodes.InvalidJWTToken, `Token has expired ${ago} seconds ago`, { expiredAgoS: ago });
    }
  }
  if (claims.nbf !== undefined) {
    // Not in the reference, which ignores nbf: a token that says it is not valid yet is refused
    // like any other invalid token (InvalidJWTToken), rounded like exp.
    if (typeof claims.nbf !== 'number' || !Number.isFinite(claims.nbf) || Math.round(claims.nbf) > nowMs / 1000) {
      return fail('not_yet_valid', ErrorCodes.InvalidJWTToken, 'Token is not valid yet');
    }
  }
  if (claims.iat !== undefined && (typeof claims.iat !== 'number' || !Number.isFinite(claims.iat))) {
    return fail('iat_invalid', ErrorCodes.InvalidJWTToken, 'Token issued-at time is invalid');
  }
  for (const [name, expected] of Object.entries(claimValidators)) {
    if (JSON.stringify(claims[name]) !== JSON.stringify(expected)) {
      return fail('claims', ErrorCodes.InvalidJWTToken, `Claim ${name} is not valid`);
    }
  }
  if (typeof claims.role !== 'string' || !claims.role || typeof claims.exp !== 'number') {
    return fail('role_exp', ErrorCodes.InvalidJWTToken, 'Fields `role` and `exp` are required in JWT');
  }
  return { ok: true, claims, exp: claims.exp };
}

// Imported keys are cached per tenant object: a tenant change replaces the object, so the cache
// never serves a key of an old secret. The header's alg and kid are the client's, so they are
// reduced first to what the tenant actually has (a known alg; a kid only when it is in the
// tenant's JWKS): random kids or algs all share one entry, and a tenant's cache holds at most
// (algs × its own keys) entries whatever clients send.
const keyCache = new WeakMap<Tenant, Map<string, CryptoKey | Uint8Array | null>>();

async function signingKey(tenant: Tenant, alg: string, kid: string | undefined): Promise<CryptoKey | Uint8Array | null> {
  if (!HS.test(alg) && !ASYM.test(alg)) return null;
  const known = kid !== undefined && tenant.jwks?.keys.some((k) => k.kid === kid) ? kid : undefined;
  let cache = keyCache.get(tenant);
  if (!cache) keyCache.set(tenant, (cache = new Map()));
  const id = `${alg}\u0000${known ?? ''}`;
  if (cache.has(id)) return cache.get(id) ?? null;
  const key = await resolveKey(tenant, alg, known).catch(() => null);
  cache.set(id, key);
  return key;
}

/** Entries in `tenant`'s key cache (tests: bounded however many kids clients make up). */
export function cachedKeys(tenant: Tenant): number {
  return keyCache.get(tenant)?.size ?? 0;
}

async function resolveKey(tenant: Tenant, alg: string, kid: string | undefined): Promise<CryptoKey | Uint8Array | null> {
  const jwk = kid ? tenant.jwks?.keys.find((k) => k.kid === kid) : undefined;
  if (HS.test(alg)) {
    const secret = jwk?.kty === 'oct' && typeof jwk.k === 'string' ? Buffer.from(jwk.k, 'base64url') : tenant.jwtSecret ? new TextEncoder().encode(tenant.jwtSecret) : null;
    // Imported once here and cached: given raw bytes, jose imports a new HMAC key on every verify
    // (two per socket: connect and join), CPU and native memory per connection (issue 11).
    return secret ? crypto.subtle.importKey('raw', secret, { name: 'HMAC', hash: `SHA-${alg.slice(2)}` }, false, ['verify']) : null;
  }
  if (!ASYM.test(alg) || !jwk) return null;
  const kty = (jwk as JWK).kty;
  const fits = alg.startsWith('RS') || alg.startsWith('PS') ? kty === 'RSA' : alg.startsWith('ES') ? kty === 'EC' : kty === 'OKP';
  if (!fits) return null;
  const key = await importJWK(jwk as JWK, alg === 'Ed25519' || alg === 'Ed448' ? 'EdDSA' : alg);
  return key as CryptoKey | Uint8Array;
}
