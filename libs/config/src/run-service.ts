// The body of every service's main.ts: config from the environment (warnings logged), start, and
// a clean close on SIGTERM (after the service's drain, if it has one) or SIGINT, or when the supervisor that started us with an IPC channel
// (tests, the local stack) goes away.
import { createLogger, type Logger } from '@realtime/log';
import { ConfigError, type ConfigOf, type ConfigSchema, type Setting } from './index.ts';

export async function runService<S extends Record<string, Setting<any>>>(
  schema: ConfigSchema<S>,
  start: (config: ConfigOf<S>, log: Logger) => Promise<{ drain?(): Promise<void>; close(): Promise<void> }>,
): Promise<void> {
  let loaded: ReturnType<typeof schema.load>;
  try {
    loaded = schema.load(process.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    // One structured line naming every bad setting (never its value), then a failing exit: a
    // service with a missing or placeholder secret must not start at all.
    createLogger({ service: schema.service }).fatal({ problems: err.problems }, 'invalid config; not starting');
    process.exitCode = 1;
    return;
  }
  const { config, warnings } = loaded;
  const log = createLogger({ service: schema.service, level: (config as { logLevel?: string }).logLevel ?? 'info' });
  for (const warning of warnings) log.warn(warning);
  const running = await start(config, log);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    void running.close().finally(() => process.exit(0));
  };
  // SIGTERM is the orchestrator's rolling restart: a service with a drain (the gateway) lets its
  // clients go gradually first. SIGINT and a vanished supervisor close at once, also mid-drain.
  process.once('SIGTERM', () => {
    const drained = running.drain?.() ?? Promise.resolve();
    void drained.catch((err: unknown) => log.warn({ err: String(err) }, 'drain failed')).finally(stop);
  });
  process.once('SIGINT', stop);
  if (process.send) process.once('disconnect', stop);
}
