// A Kafka cluster of 3 (or N) KRaft nodes as separate processes, each broker + controller (combined
// mode) with its own ports and data dir, for tests that kill a broker: the global setup's single
// broker stays as it is, a test that needs a cluster starts its own. The internal topics get
// replication factor N and min ISR N-1, like the topics services create with
// KAFKA_TOPIC_REPLICATION_FACTOR / KAFKA_TOPIC_MIN_INSYNC_REPLICAS (docs/ENVS.md).
//
// Failover is tuned for tests: a broker that stops heartbeating is fenced (and its partitions get
// new leaders) after BROKER_SESSION_MS instead of Kafka's 9 s.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { partitionOf } from '@realtime/kafka';
import { startProcess, waitReady, type ManagedProcess } from './process.ts';
import { freePort } from './ports.ts';
import { ensureJars, jvm, kafkaVersion, loggingConfig } from './kafka.ts';

const BROKER_SESSION_MS = 3000;
const run = promisify(execFile);

export interface KafkaCluster {
  /** Bootstrap list: every node's host:port, as KAFKA_BROKERS takes it. */
  brokers: string[];
  /** node.id → its host:port. */
  nodes: Map<number, string>;
  version: string;
  /** How long the start took (format + 3 JVMs + all brokers registered). */
  startupMs: number;
  /** The node leading the partition that `key` lands on in `topic` (murmur2, as our producers). */
  leaderOf(topic: string, key: string): Promise<number>;
  /** SIGKILL the node's JVM: no controlled shutdown, no goodbye to the controller. */
  kill(id: number): Promise<void>;
  stop(): Promise<void>;
}

interface Node {
  id: number;
  port: number;
  controllerPort: number;
  dir: string;
  proc: ManagedProcess | null;
}

export async function startKafkaCluster(options: { nodes?: number; version?: string } = {}): Promise<KafkaCluster> {
  const count = options.nodes ?? 3;
  const version = options.version ?? kafkaVersion();
  const classpath = `${ensureJars(version)}/*`;
  const root = mkdtempSync(join(tmpdir(), 'rt-kafka-cluster-'));
  const nodes: Node[] = [];
  for (let id = 1; id <= count; id++) {
    const dir = join(root, `n${id}`);
    mkdirSync(dir);
    nodes.push({ id, port: await freePort(), controllerPort: await freePort(), dir, proc: null });
  }
  const voters = nodes.map((n) => `${n.id}@127.0.0.1:${n.controllerPort}`).join(',');
  const brokers = nodes.map((n) => `127.0.0.1:${n.port}`);
  const began = Date.now();
  const clusterId = randomBytes(16).toString('base64url');
  // one JVM each to format: in parallel, it is most of a second each on a loaded machine
  const launchers = await Promise.all(nodes.map((node) => prepare(node, { count, voters, classpath, version, clusterId })));
  // a node answers only once a quorum of controllers is up: start them all, then wait
  await Promise.all(nodes.map(async (node, i) => {
    node.proc = launchers[i]!.start();
    await waitReady(`kafka node ${node.id}`, node.proc, () => registered(brokers, count), launchers[i]!.logFile, 120_000);
  }));
  const startupMs = Date.now() - began;
  const admin = () => new Kafka({ brokers, clientId: 'cluster-harness', logLevel: logLevel.NOTHING, retry: { retries: 3 } }).admin();

  async function metadata<T>(read: (a: ReturnType<typeof admin>) => Promise<T>): Promise<T> {
    const a = admin();
    await a.connect();
    try {
      return await read(a);
    } finally {
      await a.disconnect();
    }
  }

  return {
    brokers, version, startupMs,
    nodes: new Map(nodes.map((n) => [n.id, `127.0.0.1:${n.port}`])),
    leaderOf: (topic, key) => metadata(async (a) => {
      const [meta] = (await a.fetchTopicMetadata({ topics: [topic] })).topics;
      const partition = partitionOf(key, meta!.partitions.length);
      return meta!.partitions.find((p) => p.partitionId === partition)!.leader;
    }),
    async kill(id) {
      const node = nodes.find((n) => n.id === id)!;
      // the watchdog (process.ts) is bash; the broker is its child JVM. Its other children come and
      // go (the watchdog's sleeps), so one may be gone by the time it is signalled.
      for (const pid of childPids(node.proc!.child.pid!)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
        }
      }
      await node.proc!.exited;
      node.proc = null;
    },
    async stop() {
      await Promise.all(nodes.map((n) => n.proc?.stop(30_000)));
      rmSync(root, { recursive: true, force: true });
    },
  };
}

interface Shared {
  count: number;
  voters: string;
  classpath: string;
  version: string;
  clusterId: string;
}

/** Writes the node's properties and formats its storage; returns how to start its JVM. */
async function prepare(node: Node, s: Shared): Promise<{ start: () => ManagedProcess; logFile: string }> {
  const properties = join(node.dir, 'server.properties');
  const minIsr = Math.max(1, s.count - 1);
  writeFileSync(properties, [
    'process.roles=broker,controller', `node.id=${node.id}`, `controller.quorum.voters=${s.voters}`,
    `listeners=PLAINTEXT://127.0.0.1:${node.port},CONTROLLER://127.0.0.1:${node.controllerPort}`, `advertised.listeners=PLAINTEXT://127.0.0.1:${node.port}`,
    'controller.listener.names=CONTROLLER', 'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    `log.dirs=${join(node.dir, 'data')}`, 'num.partitions=1', 'auto.create.topics.enable=false',
    `default.replication.factor=${s.count}`, `min.insync.replicas=${minIsr}`,
    `offsets.topic.replication.factor=${s.count}`, 'offsets.topic.num.partitions=4',
    `transaction.state.log.replication.factor=${s.count}`, `transaction.state.log.min.isr=${minIsr}`,
    'group.initial.rebalance.delay.ms=0', 'log.segment.bytes=16777216', 'message.max.bytes=1048588',
    `broker.session.timeout.ms=${BROKER_SESSION_MS}`, 'broker.heartbeat.interval.ms=500',
  ].join('\n') + '\n');
  const logging = loggingConfig(s.version, node.dir);
  await run('java', ['-XX:TieredStopAtLevel=1', '-cp', s.classpath, logging, 'kafka.tools.StorageTool', 'format', `--cluster-id=${s.clusterId}`, '-c', properties, '--ignore-formatted']);
  const logFile = join(node.dir, 'kafka.out');
  return { logFile, start: () => startProcess('java', [...jvm, '-cp', s.classpath, logging, 'kafka.Kafka', properties], { logFile }) };
}

const probeClient = (brokers: string[]) => new Kafka({ brokers, clientId: 'readiness', logLevel: logLevel.NOTHING, retry: { retries: 0 }, connectionTimeout: 1000 }).admin();

/** Every node registered as a broker. */
async function registered(brokers: string[], count: number): Promise<void> {
  const admin = probeClient(brokers);
  await admin.connect();
  try {
    const { brokers: live } = await admin.describeCluster();
    if (live.length < count) throw new Error(`${live.length} of ${count} brokers registered`);
  } finally {
    await admin.disconnect();
  }
}

function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}
