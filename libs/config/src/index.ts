// Config as a schema per service (docs/STYLE.md §6): every setting has an env name, a zod schema with
// its default, and a doc line. load() parses an env object (pure: no process.env inside), reports
// every bad key at once, applies cross-field rules, and warns about unknown variables that carry
// one of the service's prefixes (usually a typo).
import { z } from 'zod';
import { weakSecretReason } from './secret.ts';

export { z };

export interface Setting<T = unknown> {
  env: string;
  schema: z.ZodType<T>;
  doc: string;
  /** Secret values are shown as "(secret)" in generated docs and never echoed in errors. */
  secret?: boolean;
  /** Shown as the default in docs when the parsed default depends on the machine. */
  docDefault?: string;
}

export function setting<T>(env: string, schema: z.ZodType<T>, doc: string, opts: { secret?: boolean; docDefault?: string } = {}): Setting<T> {
  return { env, schema, doc, secret: opts.secret ?? false, ...(opts.docDefault === undefined ? {} : { docDefault: opts.docDefault }) };
}

type Settings = Record<string, Setting<any>>;
export type ConfigOf<S extends Settings> = { [K in keyof S]: S[K] extends Setting<infer T> ? T : never };

export interface ConfigSpec<S extends Settings> {
  service: string;
  /** Env prefixes owned by this service; unknown variables with them produce a warning. */
  prefixes: string[];
  settings: S;
  /** Cross-field rules: return messages for violations. */
  check?: (config: ConfigOf<S>) => string[];
}

export class ConfigError extends Error {
  readonly service: string;
  readonly problems: string[];
  constructor(service: string, problems: string[]) {
    super(`invalid ${service} config:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
    this.service = service;
    this.problems = problems;
  }
}

export interface LoadedConfig<S extends Settings> {
  config: ConfigOf<S>;
  warnings: string[];
}

export interface ConfigSchema<S extends Settings> extends ConfigSpec<S> {
  load(env: Record<string, string | undefined>): LoadedConfig<S>;
}

export function defineConfig<S extends Settings>(spec: ConfigSpec<S>): ConfigSchema<S> {
  return { ...spec, load: (env) => loadConfig(spec, env) };
}

function loadConfig<S extends Settings>(spec: ConfigSpec<S>, env: Record<string, string | undefined>): LoadedConfig<S> {
  const problems: string[] = [];
  const config: Record<string, unknown> = {};
  for (const [key, s] of Object.entries(spec.settings)) {
    const raw = env[s.env];
    const parsed = s.schema.safeParse(raw === '' ? undefined : raw);
    if (parsed.success) config[key] = parsed.data;
    else problems.push(`${s.env}: ${parsed.error.issues.map((i) => i.message).join('; ')}${s.secret || raw === undefined ? '' : ` (got "${raw}")`}`);
  }
  if (problems.length === 0) problems.push(...kafkaSettingsProblems(config));
  if (problems.length === 0 && spec.check) problems.push(...spec.check(config as ConfigOf<S>));
  if (problems.length > 0) throw new ConfigError(spec.service, problems);

  const known = new Set(Object.values(spec.settings).map((s) => s.env));
  const warnings = Object.keys(env)
    .filter((name) => spec.prefixes.some((p) => name.startsWith(p)) && !known.has(name))
    .map((name) => `unknown variable ${name} (prefix of ${spec.service}); ignored`);
  return { config: config as ConfigOf<S>, warnings };
}

/** Common parsers, so every service reads booleans, ports and lists the same way. */
export const env = {
  port: (def: number) => z.coerce.number().int().min(0).max(65535).default(def),
  int: (def: number) => z.coerce.number().int().default(def),
  bool: (def: boolean) =>
    z.enum(['true', 'false', '1', '0']).default(def ? 'true' : 'false').transform((v) => v === 'true' || v === '1'),
  str: (def: string) => z.string().default(def),
  requiredStr: () => z.string({ error: 'required' }).min(1, 'required'),
  list: (def: string) => z.string().default(def).transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean)),
  /**
   * A secret the service refuses to start without, or with a placeholder, a short or a patterned
   * value (see secret.ts). `optional`: empty is allowed and means the feature it guards is off.
   */
  secret: (opts: { minBytes?: number; optional?: boolean } = {}) => {
    const base = opts.optional ? z.string().default('') : z.string({ error: 'required' }).min(1, 'required');
    return base.superRefine((v, ctx) => {
      if (v === '' && opts.optional) return;
      const why = weakSecretReason(v, opts.minBytes ?? 32);
      if (why) ctx.addIssue({ code: 'custom', message: why });
    });
  },
  json: <T>(schema: z.ZodType<T>, def: string) =>
    z.string().default(def).transform((v, ctx) => {
      try { return JSON.parse(v) as unknown; } catch { ctx.addIssue({ code: 'custom', message: 'not valid JSON' }); return z.NEVER; }
    }).pipe(schema),
};

/**
 * Settings every back-end service has, named and documented once. Spread into a service's
 * `settings` where it lists them (`...kafkaSettings` near the top, `...opsSettings` last), so the
 * order of docs/ENVS.md stays the service's own.
 */
export const kafkaSettings = {
  kafkaBrokers: setting('KAFKA_BROKERS', env.list('localhost:9092'), 'Kafka bootstrap servers, comma-separated'),
  topicPrefix: setting('KAFKA_TOPIC_PREFIX', env.str('realtime.'), 'Prefix of every Kafka topic name'),
  // Used only when a topic is missing (the first service to start creates them): changing them
  // later changes no existing topic (kafka-reassign-partitions / kafka-configs do).
  topicReplicationFactor: setting('KAFKA_TOPIC_REPLICATION_FACTOR', z.coerce.number().int().min(1).default(1), 'Replicas of each topic a service creates (3 on a production cluster; at most the number of brokers)'),
  topicMinInsyncReplicas: setting('KAFKA_TOPIC_MIN_INSYNC_REPLICAS', z.coerce.number().int().min(1).default(1), 'min.insync.replicas of each topic a service creates: replicas that must have a record before acks=all producers get it acknowledged (2 with 3 replicas: one broker may fail without losing or refusing writes; at most KAFKA_TOPIC_REPLICATION_FACTOR)'),
};

/** The check across kafkaSettings, for every service that has them. */
function kafkaSettingsProblems(config: Record<string, unknown>): string[] {
  const { topicReplicationFactor: factor, topicMinInsyncReplicas: minIsr } = config;
  if (typeof factor !== 'number' || typeof minIsr !== 'number' || minIsr <= factor) return [];
  // the broker would take such a topic and then refuse every acks=all write (NOT_ENOUGH_REPLICAS)
  return [`KAFKA_TOPIC_MIN_INSYNC_REPLICAS: ${minIsr} is more than KAFKA_TOPIC_REPLICATION_FACTOR ${factor}; every write would be refused`];
}

export const opsSettings = {
  metricsJwtSecret: setting('METRICS_JWT_SECRET', env.secret({ optional: true }), 'Secret of the Bearer JWT that /metrics requires (empty: /metrics always 403)', { secret: true }),
  logLevel: setting('LOG_LEVEL', env.str('info'), 'pino log level'),
};

/** A markdown table of a service's settings, for docs/ENVS.md. */
export function renderEnvDoc(schema: { service: string; settings: Settings }): string {
  const rows = Object.values(schema.settings).map((s) => {
    const probe = s.schema.safeParse(undefined);
    const def = s.secret ? '(secret)' : s.docDefault !== undefined ? s.docDefault : probe.success ? '`' + JSON.stringify(probe.data) + '`' : '**required**';
    return `| \`${s.env}\` | ${def} | ${s.doc.replace(/\|/g, '\\|')} |`;
  });
  return [`## ${schema.service}`, '', '| variable | default | description |', '|---|---|---|', ...rows, ''].join('\n');
}

export { runService } from './run-service.ts';
export { weakSecretReason } from './secret.ts';
