// A Kafka broker in KRaft mode (combined broker + controller) from the Maven Central jars in
// .cache/kafka/<version>/libs (scripts/fetch-kafka.sh), with a small heap. restart() keeps the data.
// The version is a setting: KAFKA_VERSION (or the `version` option), default infra/kafka/pom.xml's.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import '@realtime/kafka/kafkajs-timer-fix'; // the readiness probe's client too: no TimeoutNegativeWarning
import { startProcess, waitReady, type ManagedProcess } from './process.ts';
import { freePort } from './ports.ts';
import { repoRoot } from './services.ts';

export interface KafkaServer {
  brokers: string[];
  port: number;
  /** The broker's version, e.g. "4.1.1". */
  version: string;
  /** How long the first start took (format + JVM start + ready), for the run's summary line. */
  startupMs: number;
  stop(): Promise<void>;
  /** Stops and starts the broker again on the same port and data: a broker restart. */
  restart(): Promise<void>;
  /** An outage: `down()` stops the broker, `up()` starts it again on the same port and data. */
  down(): Promise<void>;
  up(): Promise<void>;
}

export const jvm = ['-Xms128m', '-Xmx512m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-Djava.awt.headless=true'];

/** The project's default broker version: infra/kafka/pom.xml's <kafka.version>. */
export function defaultKafkaVersion(): string {
  const pom = readFileSync(join(repoRoot, 'infra/kafka/pom.xml'), 'utf8');
  const match = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(pom);
  if (!match) throw new Error('infra/kafka/pom.xml has no <kafka.version>');
  return match[1]!;
}

/** The broker version the harness starts: KAFKA_VERSION, else the default. */
export function kafkaVersion(): string {
  return process.env.KAFKA_VERSION?.trim() || defaultKafkaVersion();
}

export function ensureJars(version: string): string {
  const libs = join(repoRoot, '.cache/kafka', version, 'libs');
  if (!existsSync(join(libs, `kafka_2.13-${version}.jar`))) {
    execFileSync('bash', [join(repoRoot, 'scripts/fetch-kafka.sh'), version], { stdio: ['ignore', 'ignore', 'inherit'] });
  }
  return libs;
}

/** Kafka 3 logs through reload4j (log4j 1 properties), Kafka 4 through log4j2: one file config each. */
export function loggingConfig(version: string, root: string): string {
  const logFile = join(root, 'kafka.log');
  if (version.startsWith('3.')) {
    const path = join(root, 'log4j.properties');
    writeFileSync(path, `log4j.rootLogger=WARN, file\nlog4j.appender.file=org.apache.log4j.FileAppender\nlog4j.appender.file.File=${logFile}\nlog4j.appender.file.layout=org.apache.log4j.PatternLayout\nlog4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n\n`);
    return `-Dlog4j.configuration=file:${path}`;
  }
  const path = join(root, 'log4j2.properties');
  writeFileSync(path, [
    'status=error', 'appender.file.type=File', 'appender.file.name=file', `appender.file.fileName=${logFile}`,
    'appender.file.layout.type=PatternLayout', 'appender.file.layout.pattern=[%d] %p %m (%c)%n',
    'rootLogger.level=WARN', 'rootLogger.appenderRef.file.ref=file',
  ].join('\n') + '\n');
  return `-Dlog4j2.configurationFile=${path}`;
}

export async function startKafka(options: { dataDir?: string; port?: number; version?: string } = {}): Promise<KafkaServer> {
  const version = options.version ?? kafkaVersion();
  const libs = ensureJars(version);
  const temporary = !options.dataDir;
  const root = options.dataDir ?? mkdtempSync(join(tmpdir(), 'rt-kafka-'));
  mkdirSync(root, { recursive: true });
  const port = options.port ?? (await freePort());
  const controllerPort = await freePort();
  const began = Date.now();
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
  const logging = loggingConfig(version, root);
  const classpath = `${libs}/*`;
  if (!existsSync(join(root, 'data/meta.properties'))) {
    const clusterId = randomBytes(16).toString('base64url');
    execFileSync('java', ['-cp', classpath, logging, 'kafka.tools.StorageTool', 'format', `--cluster-id=${clusterId}`, '-c', properties, '--ignore-formatted'], { stdio: 'ignore' });
  }
  const logFile = join(root, 'kafka.out');
  const brokers = [`127.0.0.1:${port}`];
  const launch = async (): Promise<ManagedProcess> => {
    const proc = startProcess('java', [...jvm, '-cp', classpath, logging, 'kafka.Kafka', properties], { logFile });
    await waitReady('kafka', proc, () => probe(brokers), logFile, 90_000);
    return proc;
  };
  let proc = await launch();
  const startupMs = Date.now() - began;
  return {
    brokers, port, version, startupMs,
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

export async function probe(brokers: string[]): Promise<void> {
  const admin = new Kafka({ brokers, clientId: 'readiness', logLevel: logLevel.NOTHING, retry: { retries: 0 }, connectionTimeout: 1000 }).admin();
  await admin.connect();
  try {
    await admin.describeCluster();
  } finally {
    await admin.disconnect();
  }
}
