// docker-compose.yml is for users with Docker; there is no engine here, so this checks it by
// reading it: every service of ours runs the one image with a SERVICE the config schemas know, an
// environment its schema accepts (no unknown or missing variables), a published port that is its
// listen port, a health check on it, a restart policy, and waits for healthy dependencies; Kafka
// has an internal and a host listener; data is in named volumes; the Postgres init and the
// one-shot setup give the default tenant its database; Prometheus scrapes every service. The
// setup script itself is run against a server that checks its requests as tenant-admin does.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import { sign, verify } from 'node:crypto';
import { parseSigningKey, parseVerifyKey } from '@realtime/audit';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { defaultKafkaVersion } from '@realtime/testing';
import { metricsAuthorized } from '@realtime/metrics';
import { apiTokenValid } from '../services/tenant-admin/src/transport/auth.ts';
import { parseTenantBody } from '../services/tenant-admin/src/core/tenant-input.ts';
import { listenPortVar, serviceConfigs, type ServiceName } from './service-configs.ts';
import { runToExit } from './run-to-exit.ts';

interface ComposeService {
  image?: string;
  build?: string;
  restart?: string;
  mem_limit?: string;
  command?: string[];
  environment?: Record<string, string | number>;
  ports?: string[];
  volumes?: string[];
  configs?: Array<{ source: string; target: string }>;
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
}

const root = join(import.meta.dirname, '..');
const text = readFileSync(join(root, 'docker-compose.yml'), 'utf8');
const compose = parse(text, { merge: true }) as { services: Record<string, ComposeService>; volumes: Record<string, unknown>; configs: Record<string, { content: string }> };
const ours = Object.entries(compose.services).filter(([, s]) => s.environment?.SERVICE);
// `${NAME:?message}` is how the file asks for a secret from .env; the values are what the commands
// at the top of docker-compose.yml write there, run as written (bash, openssl) in a scratch folder.
const REQUIRED_VAR = /^\$\{([A-Z_]+):\?[^}]+\}$/;
const recipe = runEnvRecipe();
const dotEnv = recipe.env;
const fromDotEnv = (v: string) => v.replace(REQUIRED_VAR, (_m, name: string) => dotEnv[name] ?? `missing-from-the-env-file-${name}`);
const stringEnv = (s: ComposeService) => Object.fromEntries(Object.entries(s.environment ?? {}).map(([k, v]) => [k, fromDotEnv(String(v))]));
const secretVars = new Set(Object.values(serviceConfigs).flatMap((c) => Object.values(c.settings).filter((s) => s.secret).map((s) => s.env)));
// Compose interpolates `${…}` in the whole file, config contents too; `$$` is a literal `$`.
const configText = (name: string) => compose.configs[name]!.content.replaceAll('$$', '$');

/** Runs the indented commands after "Create it once" at the top of the file; returns the .env and audit.pub they write. */
function runEnvRecipe(): { env: Record<string, string>; auditPub: string } {
  const lines = text.split('\n');
  const first = lines.findIndex((l) => l.startsWith('#   printf '));
  const end = lines.findIndex((l, i) => i > first && !l.startsWith('#   '));
  const script = lines.slice(first, end).map((l) => l.slice(4)).join('\n');
  const dir = mkdtempSync(join(tmpdir(), 'compose-env-'));
  try {
    const run = spawnSync('bash', ['-euo', 'pipefail', '-c', script], { cwd: dir, encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`the .env commands of docker-compose.yml failed: ${run.stderr}`);
    const env = Object.fromEntries(readFileSync(join(dir, '.env'), 'utf8').trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
    return { env, auditPub: readFileSync(join(dir, 'audit.pub'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('docker-compose.yml', () => {
  it('runs Postgres with logical WAL, Kafka in KRaft mode, Redis and each of our services', () => {
    expect(compose.services.postgres?.image).toMatch(/^postgres:/);
    expect(JSON.stringify(compose.services.postgres)).toContain('wal_level=logical');
    expect(compose.services.kafka?.environment?.KAFKA_PROCESS_ROLES).toBe('broker,controller');
    expect(compose.services.redis?.image).toMatch(/^redis:/);
    // the broker version the tests and `npm start` run (infra/kafka/pom.xml) is the one shipped
    expect(compose.services.kafka?.image).toBe(`apache/kafka:${defaultKafkaVersion()}`);
    expect(new Set(ours.map(([, s]) => s.environment?.SERVICE))).toEqual(new Set(Object.keys(serviceConfigs)));
  });

  it('builds one image for all of them; the service is chosen at run time', () => {
    expect(new Set(ours.map(([, s]) => `${s.image} ${s.build}`))).toEqual(new Set(['realtime:local .']));
    const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
    expect(dockerfile).not.toMatch(/^ARG SERVICE/m);
    expect(dockerfile).toMatch(/^CMD .*\$\{SERVICE:\?/m);
  });

  for (const [name, service] of ours) {
    const kind = service.environment?.SERVICE as ServiceName;
    describe(name, () => {
      it('has an environment its config schema accepts, with no unknown variables', () => {
        const env = stringEnv(service);
        const schema = serviceConfigs[kind];
        const known = new Set([...Object.values(schema.settings).map((s) => s.env), 'SERVICE']);
        expect(Object.keys(env).filter((k) => !known.has(k))).toEqual([]);
        expect(() => schema.load(env)).not.toThrow();
      });

      it('bounds its memory and restarts when it stops', () => {
        expect(service.mem_limit).toMatch(/^\d+[mg]$/);
        expect(service.restart).toBe('unless-stopped');
      });

      it('publishes its listen port and checks its health there', () => {
        const env = stringEnv(service);
        const port = env[listenPortVar[kind]];
        expect(port).toBeDefined();
        expect(service.ports?.some((p) => p.endsWith(`:${port}`))).toBe(true);
        // the check finds the port as the one *_LISTEN_PORT variable of the service
        expect(Object.keys(env).filter((k) => k.endsWith('_LISTEN_PORT'))).toEqual([listenPortVar[kind]]);
        expect(service.healthcheck?.test.join(' ')).toContain("k.endsWith('_LISTEN_PORT')");
        expect(service.healthcheck?.test.join(' ')).toContain('/healthcheck');
      });

      it('starts once what it depends on is healthy', () => {
        const deps = Object.entries(service.depends_on ?? {});
        expect(deps.length).toBeGreaterThan(0);
        for (const [dep, { condition }] of deps) {
          expect(condition, dep).toBe('service_healthy');
          expect(compose.services[dep]?.healthcheck, dep).toBeDefined();
        }
      });

      it('points Kafka, Redis and Postgres at services of this file', () => {
        const env = stringEnv(service);
        for (const broker of (env.KAFKA_BROKERS ?? '').split(',')) {
          const [host, port] = broker.split(':');
          expect(String(compose.services[host!]?.environment?.KAFKA_ADVERTISED_LISTENERS)).toContain(`//${host}:${port}`);
        }
        for (const url of [env.CONTROL_DB_URL, env.REDIS_URL].filter(Boolean)) expect(compose.services[new URL(url!).hostname]).toBeDefined();
      });
    });
  }

  it('gives Kafka an internal listener for the services and one published for the host', () => {
    const kafka = compose.services.kafka!;
    expect(kafka.environment?.KAFKA_ADVERTISED_LISTENERS).toMatch(/\/\/localhost:(\d+)/);
    const hostPort = /\/\/localhost:(\d+)/.exec(String(kafka.environment?.KAFKA_ADVERTISED_LISTENERS))![1];
    expect(kafka.ports).toContain(`${hostPort}:${hostPort}`);
    expect(kafka.environment?.KAFKA_LOG_DIRS).toBe('/var/lib/kafka/data');
  });

  it('keeps data in named volumes', () => {
    for (const [service, path] of [['postgres', '/var/lib/postgresql/data'], ['kafka', '/var/lib/kafka/data'], ['redis', '/data']] as const) {
      const volume = compose.services[service]!.volumes?.find((v) => v.endsWith(`:${path}`))?.split(':')[0];
      expect(compose.volumes, service).toHaveProperty(volume!);
    }
  });

  it('creates the default tenant database with the Supabase SQL of infra/postgres, on Postgres\' first start', () => {
    const postgres = compose.services.postgres!;
    const init = postgres.configs?.find((c) => c.target.startsWith('/docker-entrypoint-initdb.d/'));
    const sql = configText(init!.source);
    const mount = postgres.volumes!.find((v) => v.startsWith('./infra/postgres:'))!.split(':')[1]!;
    const included = [...sql.matchAll(/^\\i (\S+)$/gm)].map((m) => m[1]!);
    expect(included.map((f) => f.replace(`${mount}/`, ''))).toEqual(['supabase-roles.sql', 'supabase-auth.sql']);
    for (const f of included) expect(existsSync(join(root, 'infra/postgres', f.replace(`${mount}/`, '')))).toBe(true);
    // the database the seeded tenant points at
    expect(sql).toMatch(/^CREATE DATABASE realtime_dev;$/m);
    expect(new URL(stringEnv(compose.services.setup!).TENANT_DB_URL!).pathname).toBe('/realtime_dev');
  });

  it('seeds the default tenant once tenant-admin is healthy, and Prometheus starts after it', () => {
    const setup = compose.services.setup!;
    expect(setup.depends_on?.['tenant-admin']?.condition).toBe('service_healthy');
    expect(compose.services.prometheus?.depends_on?.setup?.condition).toBe('service_completed_successfully');
  });

  it('ships no secret value: each comes from .env, required, and the .env command writes every one', () => {
    for (const [, s] of [...ours, ['setup', compose.services.setup!] as const]) {
      for (const [name, value] of Object.entries(s.environment ?? {})) {
        if (secretVars.has(name) && name !== 'CONTROL_DB_URL') expect(String(value), name).toMatch(REQUIRED_VAR);
      }
    }
    for (const name of Object.keys(dotEnv)) expect(text).toMatch(new RegExp(`^#.*${name}=%s`, 'm'));
    const asked = [...text.matchAll(/\$\{([A-Z_]+):\?/g)].map((m) => m[1]!);
    expect(asked.filter((name) => dotEnv[name] === undefined)).toEqual([]);
  });

  it('gives ingest-cdc the audit signing key and tenant-admin (and audit.pub, for replay --verify) its public half', () => {
    const signing = stringEnv(compose.services['ingest-cdc']!).INGEST_CDC_AUDIT_SIGNING_KEY!;
    const verifying = stringEnv(compose.services['tenant-admin']!).TENANT_ADMIN_AUDIT_PUBLIC_KEY!;
    const checkpoint = Buffer.from('a checkpoint of the hash chain');
    const signature = sign(null, checkpoint, parseSigningKey(signing));
    expect(verify(null, checkpoint, parseVerifyKey(verifying), signature)).toBe(true);
    expect(verify(null, checkpoint, parseVerifyKey(recipe.auditPub), signature)).toBe(true);
    // only ingest-cdc holds the private key
    for (const [name, s] of ours) if (name !== 'ingest-cdc') expect(JSON.stringify(stringEnv(s)), name).not.toContain(signing);
  });

  it('never uses a <SERVICE>_PORT variable (Kubernetes injects those)', () => {
    for (const [, s] of ours) expect(Object.keys(s.environment ?? {}).filter((k) => /^[A-Z_]+_PORT$/.test(k) && !k.endsWith('_LISTEN_PORT'))).toEqual([]);
  });
});

describe('the one-shot setup script', () => {
  it('writes a token /metrics accepts and PUTs the default tenant with a token and body tenant-admin accepts', async () => {
    const setup = compose.services.setup!;
    const env = stringEnv(setup);
    const seen: Array<{ url: string; authorized: boolean; body: unknown }> = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d)).on('end', async () => {
        const authorized = await apiTokenValid(req.headers.authorization, { secrets: [env.API_JWT_SECRET!], blocklist: [] });
        seen.push({ url: `${req.method} ${req.url}`, authorized, body: JSON.parse(body) });
        res.writeHead(authorized ? 201 : 403).end('{}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    // the script lives in /app of the image, beside node_modules: here, under the repository
    // (gitignored .cache), so its `jose` resolves from the same node_modules
    mkdirSync(join(root, '.cache'), { recursive: true });
    const dir = mkdtempSync(join(root, '.cache', 'compose-setup-'));
    const script = join(dir, 'setup.mjs');
    writeFileSync(script, configText(setup.configs!.find((c) => c.target === setup.command!.at(-1))!.source));
    try {
      const tokenFile = join(dir, 'token');
      const runEnv = { ...env, PATH: process.env.PATH ?? '', TENANT_ADMIN_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, METRICS_TOKEN_FILE: tokenFile };
      const { code, output } = await runToExit(process.execPath, [script], { cwd: root, env: runEnv });
      expect(code, output).toBe(0);
      expect(await metricsAuthorized(`Bearer ${readFileSync(tokenFile, 'utf8')}`, env.METRICS_JWT_SECRET!)).toBe(true);
      expect(seen.map((s) => [s.url, s.authorized])).toEqual([['PUT /api/tenants/realtime-dev', true]]);
      const parsed = parseTenantBody(seen[0]!.body);
      expect(parsed.ok && parsed.input).toMatchObject({ external_id: 'realtime-dev', extensions: [{ type: 'postgres_cdc_rls', settings: { db_host: 'postgres', db_port: '5432', db_name: 'realtime_dev', db_user: 'postgres', db_password: 'postgres' } }] });
    } finally {
      rmSync(dir, { recursive: true, force: true });
      server.close();
    }
  }, 30_000);
});

describe('observability', () => {
  const prometheus = parse(readFileSync(join(root, 'observability/prometheus/prometheus.yml'), 'utf8')) as {
    rule_files: string[];
    scrape_configs: Array<{ metrics_path: string; authorization: { credentials_file: string }; static_configs: Array<{ targets: string[] }> }>;
  };

  it('Prometheus scrapes /metrics of every service of the compose file, on its listen port, with the setup\'s token', () => {
    const targets = prometheus.scrape_configs.flatMap((c) => c.static_configs.flatMap((s) => s.targets));
    for (const [name, service] of ours) expect(targets, name).toContain(`${name}:${stringEnv(service)[listenPortVar[service.environment!.SERVICE as ServiceName]]}`);
    expect(prometheus.scrape_configs.every((c) => c.metrics_path === '/metrics')).toBe(true);
    const tokenVolume = compose.services.prometheus!.volumes!.find((v) => v.startsWith('metrics-token:'))!.split(':')[1];
    expect(prometheus.scrape_configs[0]!.authorization.credentials_file).toBe(`${tokenVolume}/token`);
    expect(stringEnv(compose.services.setup!).METRICS_TOKEN_FILE).toMatch(/\/token$/);
  });

  it('Prometheus and Grafana mount the provisioning of observability/, and the alert rules Prometheus loads', () => {
    const mounts = ['prometheus', 'grafana'].flatMap((s) => compose.services[s]!.volumes!.filter((v) => v.startsWith('./')).map((v) => v.split(':').slice(0, 2) as [string, string]));
    for (const [, target] of mounts.filter(([source]) => source.endsWith('alerts.yml'))) expect(prometheus.rule_files).toContain(target);
    // alerts.yml and dashboards/ come from the observability work beside this one; the rest is here
    const elsewhere = new Set(['./observability/prometheus/alerts.yml', './observability/grafana/dashboards']);
    for (const [source] of mounts.filter(([source]) => !elsewhere.has(source))) expect(existsSync(join(root, source)), source).toBe(true);
    const provider = parse(readFileSync(join(root, 'observability/grafana/provisioning/dashboards/realtime.yml'), 'utf8')) as { providers: Array<{ options: { path: string } }> };
    expect(mounts).toContainEqual(['./observability/grafana/dashboards', provider.providers[0]!.options.path]);
  });
});
