// @realtime/schemas: the Avro records of schemas/*.avsc in single-object encoding.
import { fileURLToPath } from 'node:url';
import { loadSchemaRegistry } from './registry.ts';
import type { SchemaName, SchemaTypes } from './types.ts';

export { SchemaError, type SchemaErrorCode } from './errors.ts';
export { loadSchemaRegistry, type SchemaRegistry, type SchemaVersion } from './registry.ts';
export { crc64Avro } from './crc64.ts';
export * from './types.ts';

/** The repository's schemas/ directory, the source of truth. */
export const schemaDir = fileURLToPath(new URL('../../../schemas/', import.meta.url));

export const registry = loadSchemaRegistry([schemaDir]);

/** Single-object encoding with the newest version of `name`. Throws SchemaError(InvalidRecord). */
export function encode<N extends SchemaName>(name: N, value: SchemaTypes[N]): Buffer {
  return registry.encode(name, value);
}

/**
 * Decodes a record written with any known version of any record, resolved to the newest version of
 * `name`. Throws SchemaError (UnknownSchemaFingerprint, SchemaMismatch, InvalidRecord).
 */
export function decode<T = unknown>(name: SchemaName, buf: Uint8Array): T {
  return registry.decode(name, buf) as T;
}
export { tenantDbSettings, tenantDbUrl, type TenantDbSettings } from './tenant-db.ts';
export { RateCounter, TokenBucket, byteBurst, referenceRateShape, type RateShape } from './rate-counter.ts';
export { RECOVERY_DEFAULTS } from './recovery-defaults.ts';
