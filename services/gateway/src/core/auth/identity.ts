// Who a channel is to the tenant database: the role and claims of its token, and the x- headers
// of its socket, which RLS policies and channel policies see (docs/PROTOCOL.md §7).
import type { Identity } from '../../ports.ts';
import type { Claims } from './jwt.ts';
import type { XHeaders } from '../base/x-headers.ts';

/** The channel's identity for the tenant database: JWT role (anon when absent) and claims. */
export function identityOf(claims: Claims, headers?: XHeaders): Identity {
  const role = typeof claims.role === 'string' ? claims.role : 'anon';
  return headers ? { role, claims, headers } : { role, claims };
}
