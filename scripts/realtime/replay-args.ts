// `realtime replay` arguments → what to read and where (pure, so the rules are unit-tested):
// brokers from --brokers, else KAFKA_BROKERS, else the local stack's .realtime/stack.json; the topic
// prefix from --topic-prefix, else KAFKA_TOPIC_PREFIX, else the local stack's when its brokers are
// used, else the services' default `realtime.`. --verify's public key from --public-key, else the local
// stack's audit.pub when its brokers are used (the key pair npm start gives ingest-cdc).
import { parseArgs } from 'node:util';
import { defaultTopicPrefix, topicNames } from '@realtime/kafka';
import { parseReplayRange, type ReplayRange } from '@realtime/replay/range';
import type { StackFile } from './stack-file.ts';

export type { StackFile } from './stack-file.ts';

export const REPLAY_USAGE = `usage: npm run realtime -- replay --tenant <id> --from <time|lsn> [--to <time|lsn>] [--table <t>]
                              [--into <topic>] [--brokers host:port,...] [--topic-prefix <p>]
       npm run realtime -- replay --verify [--public-key <file>] --tenant <id> --from <time|lsn> [--to <time|lsn>] [...]

Writes the tenant's changes on <prefix>cdc as NDJSON to stdout, one object per change, oldest first.
With --into, publishes them instead as ChangeEvent records (keyed by tenant, in order) to <topic>,
created with <prefix>cdc's partition count when missing, and prints their count. Progress of a
replay longer than 5 s goes to stderr. Exit 0 done, 1 failure (Kafka), 2 bad arguments.
  <time>  ms since the epoch, or ISO 8601 (UTC unless an offset is given): 2026-01-01, 2026-01-01T12:00:00.123456Z
  <lsn>   a Postgres LSN: 0/16B3748        both bounds inclusive; --to defaults to "now" (the topic's end)
  <t>     schema.table, or table (in public)
  --brokers       default: $KAFKA_BROKERS, else kafkaBrokers of .realtime/stack.json (npm start)
  --topic-prefix  default: $KAFKA_TOPIC_PREFIX, else the local stack's, else "${defaultTopicPrefix}"
  --verify        instead of the changes: recompute the tenant's hash chain over the range and check it
                  against the signed checkpoints (README "Verifying the audit trail"); a JSON report on
                  stdout, a summary on stderr; exit 1 when anything does not verify
  --public-key    file with the Ed25519 public key of ingest-cdc's INGEST_CDC_AUDIT_SIGNING_KEY (PEM or base64 DER);
                  default: the local stack's .realtime/audit.pub when its brokers are used (npm start)
  --into          a Kafka topic name (letters, digits, . _ -), not <prefix>cdc itself
`;


export interface ReplayArgs {
  /** --verify: check the audit trail instead of writing the changes (replay-verify.ts). */
  verify?: { publicKeyFile: string };
  tenant: string;
  range: ReplayRange;
  brokers: string[];
  topicPrefix: string;
  /** Re-publish into this topic instead of printing. */
  into?: string;
}

export type ParsedArgs = { ok: true; args: ReplayArgs } | { ok: false; error: string };

const options = {
  tenant: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, table: { type: 'string' },
  into: { type: 'string' }, brokers: { type: 'string' }, 'topic-prefix': { type: 'string' }, help: { type: 'boolean', short: 'h' },
  verify: { type: 'boolean' }, 'public-key': { type: 'string' },
} as const;

export function parseReplayArgs(argv: string[], env: Record<string, string | undefined>, stack: () => StackFile | null): ParsedArgs {
  let values;
  try {
    values = parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values;
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
  if (values.help) return { ok: false, error: '' };
  if (!values.tenant) return { ok: false, error: '--tenant is required' };
  const parsed = parseReplayRange({ from: values.from, to: values.to, table: values.table });
  if (!parsed.ok) return { ok: false, error: Object.entries(parsed.errors).map(([k, v]) => `--${k} ${v.join(', ')}`).join('\n') };
  const verify = verifyArgs(values);
  if (typeof verify === 'string') return { ok: false, error: verify };

  const list = (text: string) => text.split(',').map((b) => b.trim()).filter(Boolean);
  let brokers = list(values.brokers ?? env.KAFKA_BROKERS ?? '');
  let topicPrefix = values['topic-prefix'] ?? env.KAFKA_TOPIC_PREFIX;
  let localKey: string | undefined;
  if (brokers.length === 0) {
    const local = stack();
    brokers = local?.kafkaBrokers ?? [];
    topicPrefix ??= local?.topicPrefix;
    localKey = local?.auditPublicKeyFile;
  }
  if (brokers.length === 0) return { ok: false, error: 'no Kafka brokers: pass --brokers, set KAFKA_BROKERS, or start the local stack (npm start)' };
  // The local stack's key verifies only the local stack's checkpoints: never another deployment's.
  if (verify && !verify.publicKeyFile) {
    if (!localKey) return { ok: false, error: '--verify needs --public-key <file> (the Ed25519 public key that verifies the checkpoints)' };
    verify.publicKeyFile = localKey;
  }
  const prefix = topicPrefix ?? defaultTopicPrefix;
  const into = values.into;
  if (into !== undefined && verify) return { ok: false, error: '--into and --verify do not go together' };
  if (into !== undefined && !/^[a-zA-Z0-9._-]{1,249}$/.test(into)) return { ok: false, error: '--into must be a Kafka topic name: 1 to 249 letters, digits, ".", "_" or "-"' };
  // Replaying into the live topic would deliver every change a second time to every gateway.
  if (into === topicNames(prefix).cdc) return { ok: false, error: `--into cannot be ${into}, the topic the changes are read from` };
  return { ok: true, args: { ...(verify ? { verify: { publicKeyFile: verify.publicKeyFile! } } : {}), tenant: values.tenant, range: parsed.range, brokers, topicPrefix: prefix, ...(into ? { into } : {}) } };
}

/** The --verify flags: null without --verify, an error message when they do not go together; the key file may be left to the local stack. */
function verifyArgs(values: { verify?: boolean; 'public-key'?: string; table?: string }): { publicKeyFile?: string } | null | string {
  if (!values.verify) return values['public-key'] === undefined ? null : '--public-key goes with --verify';
  if (values.table !== undefined) return '--verify checks the whole chain of the range, which runs through every table: drop --table';
  return values['public-key'] ? { publicKeyFile: values['public-key'] } : {};
}
