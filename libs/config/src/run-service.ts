// The body of every service's main.ts: config from the environment (warnings logged), start, and
// a clean close on SIGTERM/SIGINT, or when the supervisor that started us with an IPC channel
// (tests, the local stack) goes away.
import { createLogger, type Logger } from '@realtime/log';
import type { ConfigOf, ConfigSchema, Setting } from './index.ts';

export async function runService<S extends Record<string, Setting<any>>>(
  schema: ConfigSchema<S>,
  start: (config: ConfigOf<S>, log: Logger) => Promise<{ close(): Promise<void> }>,
): Promise<void> {
  const { config, warnings } = schema.load(process.env);
  const log = createLogger({ service: schema.service, level: (config as { logLevel?: string }).logLevel ?? 'info' });
  for (const warning of warnings) log.warn(warning);
  const running = await start(config, log);
  const stop = () => void running.close().finally(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  if (process.send) process.once('disconnect', stop);
}
