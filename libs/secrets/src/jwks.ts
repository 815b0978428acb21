// Which members of a tenant's JWK set are secret, so they are encrypted at rest like jwt_secret.
// An `oct` key's `k` is the HMAC secret itself; `d p q dp dq qi` are the private parts of RSA, EC
// and OKP keys, which a tenant should never send but might. Public members (`n e x y crv kid alg`)
// stay readable, so a stored set can still be inspected and matched by `kid`.

export const SECRET_JWK_MEMBERS = ['k', 'd', 'p', 'q', 'dp', 'dq', 'qi'] as const;

/**
 * A copy of `jwks` with every secret string member passed through `fn` (encrypt on the way in,
 * decrypt where the key is used); anything that is not a `{ keys: [...] }` set is returned as is.
 */
export function mapJwkSecrets<T>(jwks: T, fn: (value: string) => string): T {
  if (!jwks || typeof jwks !== 'object' || !Array.isArray((jwks as { keys?: unknown }).keys)) return jwks;
  const keys = (jwks as unknown as { keys: unknown[] }).keys.map((key) => {
    if (!key || typeof key !== 'object') return key;
    const copy: Record<string, unknown> = { ...(key as Record<string, unknown>) };
    for (const member of SECRET_JWK_MEMBERS) {
      const value = copy[member];
      if (typeof value === 'string') copy[member] = fn(value);
    }
    return copy;
  });
  return { ...jwks, keys } as T;
}
