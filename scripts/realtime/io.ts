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
