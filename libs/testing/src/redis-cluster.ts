// A Redis Cluster of separate redis-server processes on free ports, nothing persisted: N masters,
// each with R replicas (`redis-server --cluster-enabled yes` + `redis-cli --cluster create`).
// With replicas, killing a master (SIGKILL, no goodbye) makes its replica take over its slots after
// cluster-node-timeout; restart() brings the killed node back, where it rejoins as a replica.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { startProcess, waitReady, type ManagedProcess } from './process.ts';
import { freePort } from './ports.ts';

const run = promisify(execFile);

export interface RedisClusterOptions {
  masters?: number;
  replicasPerMaster?: number;
  /** How long a silent master stays in charge before its replica is promoted. */
  nodeTimeoutMs?: number;
}

export interface RedisCluster {
  /** host:port of every node, as REDIS_CLUSTER_NODES takes them. */
  nodes: string[];
  /** The port of the master that serves `key`'s slot now. */
  masterOf(key: string): Promise<number>;
  /** SIGKILL the node on `port` (its process, not just our watchdog). */
  kill(port: number): Promise<void>;
  /** Start the node on `port` again with its cluster config (it rejoins). */
  restart(port: number): Promise<void>;
  /** Resolves once every running node reports cluster_state:ok and agrees on who serves each slot. */
  waitHealthy(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

interface Node {
  port: number;
  busPort: number;
  dir: string;
  proc: ManagedProcess | null;
}

export async function startRedisCluster(options: RedisClusterOptions = {}): Promise<RedisCluster> {
  const masters = options.masters ?? 3;
  const replicas = options.replicasPerMaster ?? 1;
  const nodeTimeoutMs = options.nodeTimeoutMs ?? 2000;
  const root = mkdtempSync(join(tmpdir(), 'rt-redis-cluster-'));
  const nodes: Node[] = [];
  for (let i = 0; i < masters * (1 + replicas); i++) {
    const dir = join(root, `n${i}`);
    mkdirSync(dir);
    nodes.push({ port: await freePort(), busPort: await freePort(), dir, proc: null });
  }
  const launch = async (node: Node) => {
    const logFile = join(node.dir, 'redis.log');
    node.proc = startProcess('redis-server', [
      '--port', String(node.port), '--cluster-port', String(node.busPort), '--bind', '127.0.0.1', '--dir', node.dir,
      '--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', String(nodeTimeoutMs),
      '--save', '', '--appendonly', 'no',
    ], { logFile });
    await waitReady('redis cluster node', node.proc, () => withClient(node.port, (c) => c.ping()), logFile);
  };
  const alive = () => nodes.filter((n) => n.proc && n.proc.child.exitCode === null && n.proc.child.signalCode === null);
  const stop = async () => {
    await Promise.all(nodes.map((n) => n.proc?.stop()));
    rmSync(root, { recursive: true, force: true });
  };
  const waitHealthy = async (timeoutMs = 30_000) => {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < deadline) {
      try {
        const views = await Promise.all(alive().map((n) => withClient(n.port, async (c) => {
          const info = String(await c.call('CLUSTER', 'INFO'));
          if (!/cluster_state:ok/.test(info)) throw new Error(`:${n.port} ${info.split('\n')[0]}`);
          return JSON.stringify(slotOwners(await c.call('CLUSTER', 'SLOTS')));
        })));
        if (new Set(views).size === 1) return;
        last = 'nodes disagree on slot owners';
      } catch (err) {
        last = String(err);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`redis cluster not healthy after ${timeoutMs} ms: ${last}`);
  };
  try {
    await Promise.all(nodes.map(launch));
    await run('redis-cli', ['--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-replicas', String(replicas), '--cluster-yes']);
    await waitHealthy();
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    nodes: nodes.map((n) => `127.0.0.1:${n.port}`),
    async masterOf(key) {
      return withClient(alive()[0]!.port, async (c) => {
        const slot = Number(await c.call('CLUSTER', 'KEYSLOT', key));
        const owner = slotOwners(await c.call('CLUSTER', 'SLOTS')).find(([from, to]) => slot >= from && slot <= to);
        if (!owner) throw new Error(`no master serves slot ${slot}`);
        return owner[2];
      });
    },
    async kill(port) {
      const node = nodes.find((n) => n.port === port);
      if (!node?.proc) throw new Error(`no running cluster node on ${port}`);
      const info = await withClient(port, (c) => c.info('server'));
      process.kill(Number(/process_id:(\d+)/.exec(info)![1]), 'SIGKILL');
      await node.proc.exited; // the watchdog exits with its child
      node.proc = null;
    },
    async restart(port) {
      const node = nodes.find((n) => n.port === port);
      if (!node) throw new Error(`no cluster node on ${port}`);
      await node.proc?.stop();
      await launch(node);
    },
    waitHealthy,
    stop,
  };
}

/** [from, to, master port] per slot range of a CLUSTER SLOTS reply, sorted. */
function slotOwners(reply: unknown): [number, number, number][] {
  return (reply as [number, number, [string, number]][]).map(([from, to, master]) => [from, to, Number(master[1])] as [number, number, number])
    .sort((a, b) => a[0] - b[0]);
}

async function withClient<T>(port: number, fn: (c: Redis) => Promise<T>): Promise<T> {
  const client = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => {}); // refused while starting or after a kill: callers retry
  try {
    await client.connect();
    return await fn(client);
  } finally {
    client.disconnect();
  }
}
