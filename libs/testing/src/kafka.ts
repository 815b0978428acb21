// A Kafka broker in KRaft mode (combined broker + controller) from the Maven Central jars in
// .cache/kafka/libs (scripts/fetch-kafka.sh), with a small heap. restart() keeps the data.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { startProcess, waitReady, type ManagedProcess } from './process.ts';
import { freePort } from './ports.ts';
import { repoRoot } from './services.ts';

export interface KafkaServer {
  brokers: string[];
  port: number;
  stop(): Promise<void>;
  /** Stops and starts the broker again on the same port and data: a broker restart. */
  restart(): Promise<void>;
  /** An outage: `down()` stops the broker, `up()` starts it again on the same port and data. */
  down(): Promise<void>;
  up(): Promise<void>;
}

const libs = join(repoRoot, '.cache/kafka/libs');
const jvm = ['-Xms128m', '-Xmx512m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-Djava.awt.headless=true'];

function ensureJars(): void {
  if (!existsSync(libs)) execFileSync('bash', [join(repoRoot, 'scripts/fetch-kafka.sh')], { stdio: 'inherit' });
}

export async function startKafka(options: { dataDir?: string; port?: number } = {}): Promise<KafkaServer> {
  ensureJars();
  const temporary = !options.dataDir;
  const root = options.dataDir ?? mkdtempSync(join(tmpdir(), 'rt-kafka-'));
  mkdirSync(root, { recursive: true });
  const port = options.port ?? (await freePort());
  const controllerPort = await freePort();
  const properties = join(root, 'server.properties');
  writeFileSync(properties, [
    'process.roles=broker,controller', 'node.id=1', `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
    `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`, `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
    'controller.listener.names=CONTROLLER', 'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    `log.dirs=${join(root, 'data')}`, 'num.partitions=1', 'auto.create.topics.enable=true',
    'offsets.topic.replication.factor=1', 'offsets.topic.num.partitions=4', 'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1', 'group.initial.rebalance.delay.ms=0', 'log.cleaner.backoff.ms=1000',
    'log.segment.bytes=16777216', 'log.retention.check.interval.ms=60000',
    // Kafka's own default, spelled out: record-size tests and start-up checks depend on it
    'message.max.bytes=1048588',
  ].join('\n') + '\n');
  const log4j = join(root, 'log4j.properties');
  writeFileSync(log4j, `log4j.rootLogger=WARN, file\nlog4j.appender.file=org.apache.log4j.FileAppender\nlog4j.appender.file.File=${join(root, 'kafka.log')}\nlog4j.appender.file.layout=org.apache.log4j.PatternLayout\nlog4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n\n`);
  const classpath = `${libs}/*`;
  if (!existsSync(join(root, 'data/meta.properties'))) {
    const clusterId = randomBytes(16).toString('base64url');
    execFileSync('java', ['-cp', classpath, `-Dlog4j.configuration=file:${log4j}`, 'kafka.tools.StorageTool', 'format', `--cluster-id=${clusterId}`, '-c', properties, '--ignore-formatted'], { stdio: 'ignore' });
  }
  const logFile = join(root, 'kafka.out');
  const brokers = [`127.0.0.1:${port}`];
  const launch = async (): Promise<ManagedProcess> => {
    const proc = startProcess('java', [...jvm, '-cp', classpath, `-Dlog4j.configuration=file:${log4j}`, 'kafka.Kafka', properties], { logFile });
    await waitReady('kafka', proc, () => probe(brokers), logFile, 90_000);
    return proc;
  };
  let proc = await launch();
  return {
    brokers, port,
    async restart() {
      await proc.stop(30_000);
      proc = await launch();
    },
    down: () => proc.stop(30_000),
    async up() {
      proc = await launch();
    },
    async stop() {
      await proc.stop(30_000);
      if (temporary) rmSync(root, { recursive: true, force: true });
    },
  };
}

async function probe(brokers: string[]): Promise<void> {
  const admin = new Kafka({ brokers, clientId: 'readiness', logLevel: logLevel.NOTHING, retry: { retries: 0 }, connectionTimeout: 1000 }).admin();
  await admin.connect();
  try {
    await admin.describeCluster();
  } finally {
    await admin.disconnect();
  }
}
