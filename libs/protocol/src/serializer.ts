// Picks the codec for a socket's vsn (docs/PROTOCOL.md §1.1).
import type { Serializer, Vsn } from './types.ts';
import { v1Serializer } from './v1.ts';
import { v2Serializer } from './v2.ts';

export function serializerFor(vsn: Vsn): Serializer {
  return vsn === '2.0.0' ? v2Serializer : v1Serializer;
}
