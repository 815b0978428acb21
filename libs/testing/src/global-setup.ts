// vitest globalSetup of the int and e2e projects: real Kafka, Postgres and Redis, started once per
// project run and stopped after it (also when tests fail; the process watchdog covers a kill).
import type { TestProject } from 'vitest/node';
import { startInfra, type InfraInfo } from './infra.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    infra: InfraInfo;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started = Date.now();
  const infra = await startInfra();
  process.stderr.write(`[infra] Kafka ${infra.info.kafkaVersion} ${infra.info.kafkaBrokers[0]} (${infra.info.kafkaStartupMs} ms), Postgres :${infra.info.pgPort}, Redis ${infra.info.redisUrl} up in ${Date.now() - started} ms\n`);
  project.provide('infra', infra.info);
  return () => infra.stop();
}
