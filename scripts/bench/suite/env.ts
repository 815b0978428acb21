// What every scenario runs on: one infrastructure (Kafka, Postgres, Redis) and one stack (two
// gateways, ingest-cdc, presence-service) started once per suite run, a tenant with limits raised
// out of the way, and the bare baseline server. Scenarios share measured baselines through memo().
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { startInfra, type Infra } from '@realtime/testing';
import { startStack, type Stack } from '@realtime/testing/stack';
import { createBenchTenant, sign, type BenchTenant } from '../support.ts';
import { pinLoadGenerator, pinServer } from './machine.ts';
import type { Target } from './phoenix.ts';
import type { Row } from './report.ts';

export interface BenchEnv {
  short: boolean;
  infra: Infra;
  stack: Stack;
  tenant: BenchTenant;
  /** Our gateway `index` as a client target, with an anon token of the tenant. */
  gateway(index: number): Promise<Target>;
  bare: { target: Target; pid: number };
  /** The bare server writing prebuilt frames: what that technique alone buys. */
  barePrebuilt: { target: Target; pid: number };
  progress(message: string): void;
  /** One measurement shared by every scenario that needs it (e.g. the bare server's max rate). */
  memo<T>(key: string, measure: () => Promise<T>): Promise<T>;
  stop(): Promise<void>;
}

export interface Scenario {
  name: string;
  /** The row ids it yields, e.g. "P1". */
  ids: string;
  run(env: BenchEnv): Promise<Row[]>;
}

export interface EnvOptions {
  short: boolean;
  /** Where gateways and bare servers write CPU profiles (node --cpu-prof); null: no profiles. */
  profileDir: string | null;
}

export async function startEnv({ short, profileDir }: EnvOptions, progress: (m: string) => void): Promise<BenchEnv> {
  const profile = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  progress('starting Kafka, Postgres and Redis');
  const infra = await startInfra();
  let stack: Stack | undefined;
  const bare: ChildProcess[] = [];
  try {
    progress('starting tenant-admin, 2 gateways, ingest-cdc, presence-service');
    stack = await startStack({
      infra: { kafkaBrokers: infra.kafka.brokers, pgUrl: infra.postgres.url, redisUrl: infra.redis.url }, gateways: 2, ingestCdc: true, presence: true,
      // The load generator's subscribers only listen: no idle timeout may close them mid-run.
      gatewayEnv: { LOG_LEVEL: 'warn', GATEWAY_TENANT_DB_POOL_SIZE: '8', GATEWAY_IDLE_TIMEOUT_MS: '3600000', ...(profileDir ? { NODE_OPTIONS: profile.join(' ') } : {}) },
    });
    const tenant = await createBenchTenant(stack, infra.postgres.url);
    const started = await startBare(false, profile);
    const startedPrebuilt = await startBare(true, profile);
    bare.push(started.child, startedPrebuilt.child);
    for (const gw of stack.gateways) pinServer(gw.child.pid!);
    if (stack.ingestCdc) pinServer(stack.ingestCdc.child.pid!);
    for (const child of bare) pinServer(child.pid!);
    pinLoadGenerator();
    const anon = await sign(tenant.secret, { role: 'anon' });
    const memos = new Map<string, Promise<unknown>>();
    const s = stack;
    return {
      short, infra, stack, tenant, progress,
      gateway: async (i) => ({ port: s.gateways[i]!.port, host: `${tenant.tenant}.localhost`, token: anon }),
      bare: { target: { port: started.port, host: 'localhost', token: '' }, pid: started.child.pid! },
      barePrebuilt: { target: { port: startedPrebuilt.port, host: 'localhost', token: '' }, pid: startedPrebuilt.child.pid! },
      memo: <T>(key: string, measure: () => Promise<T>) => {
        if (!memos.has(key)) memos.set(key, measure());
        return memos.get(key) as Promise<T>;
      },
      stop: async () => {
        for (const child of bare) child.kill();
        await s.stop();
        await infra.stop();
      },
    };
  } catch (err) {
    for (const child of bare) child.kill();
    await stack?.stop();
    await infra.stop();
    throw err;
  }
}

function startBare(prebuilt: boolean, nodeArgs: string[]): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [...nodeArgs, join(import.meta.dirname, '../baselines/bare-ws-server.ts'), ...(prebuilt ? ['--prebuilt'] : [])], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`bare-ws-server exited with ${code}`)));
    child.stdout!.once('data', (chunk: Buffer) => {
      const port = Number(/listening (\d+)/.exec(chunk.toString())?.[1]);
      if (port) resolve({ child, port });
      else reject(new Error(`bare-ws-server said ${chunk.toString()}`));
    });
  });
}
