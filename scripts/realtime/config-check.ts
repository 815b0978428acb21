// `realtime config check <service>`: an environment (the process's, or --env-file alone) checked
// against a service's settings schema (libs/config, scripts/service-configs.ts) the way the service
// would read it, reporting every problem at once: missing required settings, invalid values,
// cross-field rules, and unknown variables of the service's prefixes (typos; the service ignores
// them). Values are never printed, so secrets cannot leak into a terminal or a CI log.
import { readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import type { Command } from 'commander';
import { serviceConfigs, type ServiceName } from '../service-configs.ts';
import { message, UsageError, type CliIo } from './io.ts';

export interface ConfigProblem { env: string; problem: string }

export interface ConfigReport {
  service: string;
  ok: boolean;
  missing: ConfigProblem[];
  invalid: ConfigProblem[];
  /** Cross-field rules, checked when every setting parses. */
  rules: string[];
  unknown: string[];
}

type Spec = (typeof serviceConfigs)[ServiceName];

export function checkConfig(service: string, spec: Pick<Spec, 'settings' | 'prefixes' | 'check'>, env: Record<string, string | undefined>): ConfigReport {
  const missing: ConfigProblem[] = [];
  const invalid: ConfigProblem[] = [];
  const config: Record<string, unknown> = {};
  for (const [key, s] of Object.entries(spec.settings)) {
    const raw = env[s.env];
    const parsed = s.schema.safeParse(raw === '' ? undefined : raw);
    if (parsed.success) {
      config[key] = parsed.data;
      continue;
    }
    const issues = parsed.error.issues.map((i) => i.message).join('; ');
    // A custom rule could quote the value it rejects; a secret's value is cut out, whatever it says.
    const problem = s.secret && raw ? issues.replaceAll(raw, '(secret)') : issues;
    (raw === undefined || raw === '' ? missing : invalid).push({ env: s.env, problem: `${problem} (${s.doc})` });
  }
  const check = spec.check as ((c: Record<string, unknown>) => string[]) | undefined;
  const rules = missing.length === 0 && invalid.length === 0 && check ? check(config) : [];
  const known = new Set(Object.values(spec.settings).map((s) => s.env));
  const unknown = Object.keys(env).filter((name) => spec.prefixes.some((p) => name.startsWith(p)) && !known.has(name)).sort();
  return { service, ok: missing.length + invalid.length + rules.length === 0, missing, invalid, rules, unknown };
}

export function formatReport(r: ConfigReport): string {
  const lines = [
    ...r.missing.map((p) => `missing  ${p.env}: ${p.problem}`),
    ...r.invalid.map((p) => `invalid  ${p.env}: ${p.problem}`),
    ...r.rules.map((rule) => `rule     ${rule}`),
    ...r.unknown.map((name) => `unknown  ${name}: not a ${r.service} setting (a typo?); the service ignores it`),
  ];
  const verdict = r.ok ? `${r.service}: the configuration is valid` : `${r.service}: the configuration is invalid`;
  return `${[...lines, verdict].join('\n')}\n`;
}

export function addConfigCommand(program: Command, io: CliIo, done: (code: number) => void): void {
  const config = program.command('config').summary('check a service\'s environment').description('Service configuration.');
  config.command('check')
    .description('Validates an environment against a service\'s settings (docs/ENVS.md): prints what is missing, invalid, breaks a rule, or unknown (values are never printed). Exit 1 when the service would refuse to start.')
    .argument('<service>', Object.keys(serviceConfigs).join(' | '))
    .option('--env-file <file>', 'check the variables of this dotenv file alone instead of the process environment')
    .option('--json', 'print the report as JSON')
    .action((service: string, opts: { envFile?: string; json?: boolean }) => {
      if (!Object.hasOwn(serviceConfigs, service)) throw new UsageError(`unknown service ${service}; one of ${Object.keys(serviceConfigs).join(', ')}`);
      const env = opts.envFile ? readEnvFile(opts.envFile) : io.env;
      const report = checkConfig(service, serviceConfigs[service as ServiceName], env);
      io.out(opts.json ? `${JSON.stringify(report)}\n` : formatReport(report));
      done(report.ok ? 0 : 1);
    });
}

function readEnvFile(file: string): Record<string, string> {
  try {
    return parseEnv(readFileSync(file, 'utf8')) as Record<string, string>;
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${message(err)}`);
  }
}
