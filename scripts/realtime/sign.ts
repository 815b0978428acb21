// HS256 tokens as `npm start` prints them and `realtime token` mints them: one signer, so the
// tokens of the local stack and of the CLI are the same shape (typ JWT, iat, exp).
import { SignJWT } from 'jose';

/** `exp`: a jose time span ("1h", "30m", "7d") from now. Throws TypeError on a bad span. */
export function signToken(secret: string, claims: Record<string, unknown>, exp: string): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setIssuedAt().setExpirationTime(exp).sign(new TextEncoder().encode(secret));
}
