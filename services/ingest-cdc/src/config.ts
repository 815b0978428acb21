// ingest-cdc settings. Slot names follow the reference: supabase_realtime_replication_slot, plus
// _<SLOT_NAME_SUFFIX> when set.
import { defineConfig, env, setting, kafkaSettings, opsSettings } from '@realtime/config';
import { parseSigningKey } from '@realtime/audit';

export const ingestCdcConfig = defineConfig({
  service: 'ingest-cdc',
  prefixes: ['INGEST_CDC_'],
  settings: {
    listenPort: setting('INGEST_CDC_LISTEN_PORT', env.port(4010), 'HTTP port for /healthcheck and /metrics'),
    ...kafkaSettings,
    groupId: setting('INGEST_CDC_GROUP_ID', env.str('ingest-cdc'), 'Consumer group on realtime.tenants: the partitions a worker is assigned are the tenants it replicates'),
    dbEncKey: setting('DB_ENC_KEY', env.secret(), 'Key that decrypts tenant database settings carried in realtime.tenants', { secret: true }),
    slotNameSuffix: setting('SLOT_NAME_SUFFIX', env.str(''), 'Appended to the replication slot name (lowercase letters, digits, underscore)'),
    maxRecordBytes: setting('INGEST_CDC_MAX_RECORD_BYTES', env.int(1_048_576), 'Default poll_max_record_bytes: larger records keep only fields of 64 bytes or less'),
    auditSigningKey: setting('INGEST_CDC_AUDIT_SIGNING_KEY', env.secret({ optional: true }),
      'Ed25519 private key (PEM, or base64 of the PKCS#8 DER) that signs the checkpoints of each tenant\'s change hash chain on realtime.cdc.checkpoints; auditors verify them with the public key (README "Verifying the audit trail"). Empty: the chain is still written, unsigned', { secret: true }),
    checkpointIntervalMs: setting('INGEST_CDC_CHECKPOINT_INTERVAL_MS', env.int(10_000), 'How often a tenant\'s chain head is signed while it moves (and once more when the tenant leaves the worker)'),
    ...opsSettings,
  },
  check: (c) => [
    ...(/^[a-z0-9_]*$/.test(c.slotNameSuffix) ? [] : ['SLOT_NAME_SUFFIX: only lowercase letters, digits and underscore']),
    ...(c.checkpointIntervalMs >= 100 ? [] : ['INGEST_CDC_CHECKPOINT_INTERVAL_MS: at least 100']),
    ...signingKeyProblems(c.auditSigningKey),
  ],
});

export type IngestCdcConfig = ReturnType<typeof ingestCdcConfig.load>['config'];

export function slotName(suffix: string): string {
  return suffix ? `supabase_realtime_replication_slot_${suffix}` : 'supabase_realtime_replication_slot';
}

function signingKeyProblems(key: string): string[] {
  if (key === '') return [];
  try {
    parseSigningKey(key);
    return [];
  } catch (err) {
    return [`INGEST_CDC_AUDIT_SIGNING_KEY: ${(err as Error).message}`]; // says what is expected, never echoes the key
  }
}
