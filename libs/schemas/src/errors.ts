// Why a record could not be encoded or decoded. The Kafka adapters turn any of these into the
// catalog code KafkaRecordUndecodable (skip the record, log it); none is retryable.
export type SchemaErrorCode =
  | 'UnknownSchemaFingerprint' // no C3 01 marker, or a fingerprint of no known schema version
  | 'SchemaMismatch' // the writer schema cannot be resolved to the requested reader schema
  | 'InvalidRecord'; // the value does not fit the schema (encode) or the body is corrupt (decode)

export class SchemaError extends Error {
  override name = 'SchemaError';
  readonly code: SchemaErrorCode;
  readonly retryable = false;

  constructor(code: SchemaErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
