// Creates the topics this system uses, when missing. Safe to call from every service on every
// start, concurrently: a topic that another caller created first counts as created.
import type { Admin, Kafka } from 'kafkajs';
import { defaultTopicPrefix, defaultTopicSpecs, topicNames, type TopicKey, type TopicSpec } from './topics.ts';
import { toRealtimeError } from './errors.ts';
import { checkBrokerApiVersions } from './api-versions.ts';

export type TopicOverrides = Partial<Record<TopicKey, Partial<TopicSpec>>>;

/** A service's KAFKA_TOPIC_REPLICATION_FACTOR / KAFKA_TOPIC_MIN_INSYNC_REPLICAS (its config fits). */
export interface TopicReplication {
  topicReplicationFactor?: number;
  topicMinInsyncReplicas?: number;
}

/** Returns the names that were missing (empty when all existed). Replication applies to the
 *  topics created here; existing topics keep theirs. */
export async function ensureTopics(kafka: Kafka, prefix: string = defaultTopicPrefix, overrides: TopicOverrides = {}, replication: TopicReplication = {}): Promise<string[]> {
  const names = topicNames(prefix);
  const admin = kafka.admin();
  try {
    await admin.connect();
    // every service calls this first on start: refuse a broker kafkajs cannot talk to, clearly
    await checkBrokerApiVersions(admin);
    const existing = new Set(await admin.listTopics());
    const missing = (Object.keys(names) as TopicKey[]).filter((key) => !existing.has(names[key]));
    if (missing.length === 0) return [];
    const topics = missing.map((key) => {
      const spec = { ...defaultTopicSpecs[key], ...replicated(replication), ...overrides[key] };
      const config = { ...defaultTopicSpecs[key].config, ...minInsync(replication), ...overrides[key]?.config };
      return {
        topic: names[key],
        numPartitions: spec.partitions,
        replicationFactor: spec.replicationFactor,
        configEntries: Object.entries(config).map(([name, value]) => ({ name, value })),
      };
    });
    try {
      // kafkajs's own waitForLeaders gives up on the UNKNOWN_TOPIC_OR_PARTITION that a KRaft broker
      // answers until the new topic's metadata has propagated; waitForLeaders below tolerates it.
      await admin.createTopics({ topics, waitForLeaders: false });
    } catch (err) {
      if (!onlyAlreadyExists(err)) throw toRealtimeError(err, `creating topics with prefix ${prefix} failed (${creationErrors(err, replication)})`, { prefix });
    }
    await waitForLeaders(admin, topics.map((t) => t.topic));
    return topics.map((t) => t.topic);
  } catch (err) {
    throw toRealtimeError(err, `ensuring topics with prefix ${prefix} failed`, { prefix });
  } finally {
    await admin.disconnect();
  }
}

const replicated = (r: TopicReplication) => (r.topicReplicationFactor === undefined ? {} : { replicationFactor: r.topicReplicationFactor });
const minInsync = (r: TopicReplication) => (r.topicMinInsyncReplicas === undefined ? {} : { 'min.insync.replicas': String(r.topicMinInsyncReplicas) });

async function waitForLeaders(admin: Admin, topics: string[], timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const meta = await admin.fetchTopicMetadata({ topics });
      const led = meta.topics.length === topics.length && meta.topics.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0));
      // ListOffsets answers only once each leader has taken over: then producers and readers can start.
      if (led) return void (await Promise.all(topics.map((topic) => admin.fetchTopicOffsets(topic))));
    } catch (err) {
      if (Date.now() > deadline) throw err;
    }
    if (Date.now() > deadline) throw new Error(`no leaders for ${topics.join(', ')} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

// kafkajs reports per-topic failures of one CreateTopics request as an aggregate.
function onlyAlreadyExists(err: unknown): boolean {
  const e = err as { type?: string; errors?: { type?: string }[] };
  if (e.type === 'TOPIC_ALREADY_EXISTS') return true;
  return Array.isArray(e.errors) && e.errors.length > 0 && e.errors.every((x) => x.type === 'TOPIC_ALREADY_EXISTS');
}

/** What the broker refused, by kind: kafkajs's own message says only "Topic creation errors". */
function creationErrors(err: unknown, replication: TopicReplication): string {
  const errors = (err as { errors?: { type?: string }[] }).errors ?? [err as { type?: string }];
  const kinds = [...new Set(errors.map((e) => e.type ?? 'UNKNOWN'))];
  return kinds.map((kind) => (kind === 'INVALID_REPLICATION_FACTOR'
    ? `INVALID_REPLICATION_FACTOR: KAFKA_TOPIC_REPLICATION_FACTOR ${replication.topicReplicationFactor ?? '(broker default)'} is more than the brokers the cluster has`
    : kind)).join('; ');
}

/** ConfigResourceType TOPIC of the Kafka protocol (kafkajs's constant is not an ESM named export). */
const TOPIC_RESOURCE = 2;

/**
 * Every topic's max.message.bytes (its own setting, else the broker's message.max.bytes): the
 * largest record batch the broker accepts. Services read it at start-up, so that the sizes they
 * let clients send and the records they produce agree with what Kafka stores.
 */
export async function readRecordLimits(kafka: Kafka, topics: string[]): Promise<Record<string, number>> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    const { resources } = await admin.describeConfigs({
      includeSynonyms: false,
      resources: topics.map((name) => ({ type: TOPIC_RESOURCE, name, configNames: ['max.message.bytes'] })),
    });
    const limits: Record<string, number> = {};
    for (const r of resources) {
      const value = Number(r.configEntries.find((c) => c.configName === 'max.message.bytes')?.configValue);
      if (!Number.isSafeInteger(value) || value <= 0) throw new Error(`no max.message.bytes for ${r.resourceName}`);
      limits[r.resourceName] = value;
    }
    return limits;
  } catch (err) {
    throw toRealtimeError(err, `reading max.message.bytes of ${topics.join(', ')} failed`, { topics });
  } finally {
    await admin.disconnect();
  }
}
