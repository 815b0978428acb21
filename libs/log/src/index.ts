// Structured JSON logging (pino). The only place allowed to write to stdout/stderr directly.
// Secrets never reach a log line: the redact paths below cover every field name we use for them.
import { pino, type Logger } from 'pino';

export type { Logger };

export const redactedPaths = [
  'jwt_secret', '*.jwt_secret', 'db_password', '*.db_password', '*.*.db_password',
  'password', '*.password', 'token', '*.token', 'access_token', '*.access_token',
  'authorization', '*.authorization', 'headers.authorization', 'apikey', '*.apikey',
];

export interface LogOptions {
  service: string;
  level?: string;
  /** Where lines go; defaults to stdout. Tests pass a stream to read them back. */
  destination?: pino.DestinationStream;
}

export function createLogger({ service, level = 'info', destination }: LogOptions): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { service },
    redact: { paths: redactedPaths, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return destination ? pino(options, destination) : pino(options);
}

/** For CLIs and the stack script: human-facing output, still routed through this lib. */
export function print(line: string): void {
  process.stdout.write(line + '\n');
}
