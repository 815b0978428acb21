// What every CLI command reads and writes, passed in so the commands are unit-tested without a
// process: stdout (data only), stderr (errors, progress), the environment and the local stack's file.
import { readStackFile, type StackFile } from './stack-file.ts';

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  env: Record<string, string | undefined>;
  stack(): StackFile | null;
}

export const processIo: CliIo = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
  env: process.env,
  stack: readStackFile,
};

/** Exit codes of every command (README "CLI"). */
export const Exit = { ok: 0, failure: 1, usage: 2 } as const;

/** Thrown by a command for arguments that cannot work (exit 2), after commander's own checks. */
export class UsageError extends Error {}

/** Thrown by a command for a failure it has already described (exit 1). */
export class CommandFailed extends Error {}

export const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/**
 * The Kafka brokers and topic prefix a command talks to: its flags, else KAFKA_BROKERS /
 * KAFKA_TOPIC_PREFIX, else the local stack's (when no brokers were named).
 */
export function kafkaTarget(opts: { brokers?: string; topicPrefix?: string }, io: CliIo): { brokers: string[]; prefix: string | undefined } {
  const list = (text: string) => text.split(',').map((b) => b.trim()).filter(Boolean);
  let brokers = list(opts.brokers ?? io.env.KAFKA_BROKERS ?? '');
  let prefix = opts.topicPrefix ?? io.env.KAFKA_TOPIC_PREFIX;
  if (brokers.length === 0) {
    const local = io.stack();
    brokers = local?.kafkaBrokers ?? [];
    prefix ??= local?.topicPrefix;
  }
  return { brokers, prefix };
}
