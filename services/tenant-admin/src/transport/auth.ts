// Management API auth (docs/PROTOCOL.md §8, §7): `Authorization: Bearer <JWT>` signed HS256 with API_JWT_SECRET
// or API_JWT_SECRET_NEXT, not in API_TOKEN_BLOCKLIST; only the signature (and exp if present) is
// checked, no role. Any failure is 403 with an empty body, like the reference.
import type { RequestHandler } from 'express';
import { jwtVerify } from 'jose';
import { HttpStatus } from '@realtime/errors';

export interface ApiAuthOptions {
  secrets: string[];
  blocklist: string[];
}

export async function apiTokenValid(authorization: string | undefined, o: ApiAuthOptions): Promise<boolean> {
  const token = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
  if (!token || o.blocklist.includes(token)) return false;
  for (const secret of o.secrets) {
    if (!secret) continue;
    try {
      await jwtVerify(token, new TextEncoder().encode(secret), { algorithms: ['HS256'] });
      return true;
    } catch {
      // try the next secret
    }
  }
  return false;
}

export function requireApiToken(o: ApiAuthOptions): RequestHandler {
  return async (req, res, next) => {
    if (await apiTokenValid(req.headers.authorization, o)) return next();
    res.status(HttpStatus.Forbidden).end();
  };
}
