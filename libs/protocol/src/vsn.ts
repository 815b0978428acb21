// The `vsn` query parameter of the socket URL (docs/PROTOCOL.md §1.1): absent means 1.0.0; anything the server
// does not speak is refused by the caller with HTTP 403 and an empty body. Phoenix picks the
// serializer by the requirements `~> 1.0.0` / `~> 2.0.0`, so patch versions such as 2.0.3 match
// too ([PX] socket.ex `__connect__`); an empty or non-semver value does not.
import type { Vsn } from './types.ts';

export const VSN_1 = '1.0.0' as const;
export const VSN_2 = '2.0.0' as const;

const SEMVER = /^(\d+)\.(\d+)\.(0|[1-9]\d*)$/;

export function parseVsn(value: string | null | undefined): Vsn | null {
  if (value === null || value === undefined) return VSN_1;
  const m = SEMVER.exec(value);
  if (!m || m[2] !== '0') return null;
  if (m[1] === '1') return VSN_1;
  if (m[1] === '2') return VSN_2;
  return null;
}
