// docker-compose.yml is for users with Docker; there is no engine here, so this checks it by
// reading it: every service of ours has a known name, an environment its config schema accepts
// (no unknown or missing variables), a published port that is its listen port, and Kafka/Postgres
// addresses that point at services defined in the same file.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { defaultKafkaVersion } from '@realtime/testing';
import { listenPortVar, serviceConfigs, type ServiceName } from './service-configs.ts';

interface ComposeService {
  image?: string;
  mem_limit?: string;
  build?: { context: string; args?: { SERVICE?: string } };
  environment?: Record<string, string | number>;
  ports?: string[];
  depends_on?: unknown;
}

const compose = parse(readFileSync(join(import.meta.dirname, '../docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, ComposeService> };
const ours = Object.entries(compose.services).filter(([, s]) => s.build);
// `${NAME:?message}` is how the file asks for a secret from .env; these stand in for the random
// values the command at the top of docker-compose.yml writes there.
const REQUIRED_VAR = /^\$\{([A-Z_]+):\?[^}]+\}$/;
const dotEnv: Record<string, string> = {};
const fromDotEnv = (v: string) => v.replace(REQUIRED_VAR, (_m, name: string) => (dotEnv[name] ??= randomBytes(32).toString('hex')));
const stringEnv = (s: ComposeService) => Object.fromEntries(Object.entries(s.environment ?? {}).map(([k, v]) => [k, fromDotEnv(String(v))]));
const secretVars = new Set(Object.values(serviceConfigs).flatMap((c) => Object.values(c.settings).filter((s) => s.secret).map((s) => s.env)));

describe('docker-compose.yml', () => {
  it('runs Postgres with logical WAL, Kafka in KRaft mode, Redis and each of our services', () => {
    expect(compose.services.postgres?.image).toMatch(/^postgres:/);
    expect(JSON.stringify(compose.services.postgres)).toContain('wal_level=logical');
    expect(compose.services.kafka?.environment?.KAFKA_PROCESS_ROLES).toBe('broker,controller');
    expect(compose.services.redis?.image).toMatch(/^redis:/);
    // the broker version the tests and `npm start` run (infra/kafka/pom.xml) is the one shipped
    expect(compose.services.kafka?.image).toBe(`apache/kafka:${defaultKafkaVersion()}`);
    const built = new Set(ours.map(([, s]) => s.build?.args?.SERVICE));
    for (const name of Object.keys(serviceConfigs)) expect(built).toContain(name);
  });

  for (const [name, service] of ours) {
    const kind = service.build?.args?.SERVICE as ServiceName;
    describe(name, () => {
      it('names a service with a config schema', () => expect(Object.keys(serviceConfigs)).toContain(kind));

      it('has an environment its config schema accepts, with no unknown variables', () => {
        const env = stringEnv(service);
        const schema = serviceConfigs[kind];
        const known = new Set(Object.values(schema.settings).map((s) => s.env));
        expect(Object.keys(env).filter((k) => !known.has(k))).toEqual([]);
        expect(() => schema.load(env)).not.toThrow();
      });

      it('bounds its memory', () => expect(service.mem_limit).toMatch(/^\d+[mg]$/));

      it('publishes its listen port', () => {
        const port = stringEnv(service)[listenPortVar[kind]];
        expect(port).toBeDefined();
        expect(service.ports?.some((p) => p.endsWith(`:${port}`))).toBe(true);
      });

      it('points Kafka and Postgres at services of this file', () => {
        const env = stringEnv(service);
        for (const broker of (env.KAFKA_BROKERS ?? '').split(',')) {
          const [host, port] = broker.split(':');
          expect(compose.services[host!]).toBeDefined();
          expect(String(compose.services[host!]?.environment?.KAFKA_LISTENERS)).toContain(`:${port}`);
        }
        if (env.CONTROL_DB_URL) expect(compose.services[new URL(env.CONTROL_DB_URL).hostname]).toBeDefined();
      });
    });
  }

  it('ships no secret value: each comes from .env, required, and the .env command writes every one', () => {
    const header = readFileSync(join(import.meta.dirname, '../docker-compose.yml'), 'utf8');
    for (const [, s] of ours) {
      for (const [name, value] of Object.entries(s.environment ?? {})) {
        if (secretVars.has(name) && name !== 'CONTROL_DB_URL') expect(String(value), name).toMatch(REQUIRED_VAR);
      }
    }
    for (const name of Object.keys(dotEnv)) expect(header).toMatch(new RegExp(`^#.*${name}=%s`, 'm'));
  });

  it('never uses a <SERVICE>_PORT variable (Kubernetes injects those)', () => {
    for (const [, s] of ours) expect(Object.keys(s.environment ?? {}).filter((k) => /^[A-Z_]+_PORT$/.test(k) && !k.endsWith('_LISTEN_PORT'))).toEqual([]);
  });
});
