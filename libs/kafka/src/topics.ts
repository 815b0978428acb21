// The one builder of Kafka topic names and record keys (docs/STYLE.md §9), pinned by topics.test.ts.
// Keys decide partitions, and so ordering: everything of one channel lands on one partition.

export const defaultTopicPrefix = 'realtime.';

export interface TopicNames {
  tenants: string;
  cdc: string;
  /** Signed heads of each tenant's cdc hash chain (docs/ARCHITECTURE.md "Audit trail"). */
  cdcCheckpoints: string;
  broadcast: string;
  presenceCommands: string;
  presenceEvents: string;
  usage: string;
  limits: string;
}

export type TopicKey = keyof TopicNames;

const suffixes: TopicNames = {
  tenants: 'tenants',
  cdc: 'cdc',
  cdcCheckpoints: 'cdc.checkpoints',
  broadcast: 'broadcast',
  presenceCommands: 'presence.commands',
  presenceEvents: 'presence.events',
  usage: 'usage',
  limits: 'limits',
};

/** `topicNames('t1.').cdc === 't1.cdc'`; the prefix includes its trailing separator. */
export function topicNames(prefix: string = defaultTopicPrefix): TopicNames {
  const out = {} as TopicNames;
  for (const key of Object.keys(suffixes) as TopicKey[]) out[key] = prefix + suffixes[key];
  return out;
}

export interface TopicSpec {
  partitions: number;
  /** -1: the broker's default.replication.factor. */
  replicationFactor: number;
  config: Record<string, string>;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Defaults for ensureTopics; any field can be overridden per topic. */
export const defaultTopicSpecs: Record<TopicKey, TopicSpec> = {
  // compacted state topics: readers rebuild their table from the beginning on every start
  tenants: { partitions: 8, replicationFactor: -1, config: { 'cleanup.policy': 'compact' } },
  limits: { partitions: 4, replicationFactor: -1, config: { 'cleanup.policy': 'compact' } },
  // the audit log that replay reads: long, bounded retention (raise to -1 to keep everything)
  cdc: { partitions: 8, replicationFactor: -1, config: { 'retention.ms': String(30 * DAY) } },
  // what verifies that audit log: kept as long (not compacted, a verifier checks every checkpoint of a range)
  cdcCheckpoints: { partitions: 8, replicationFactor: -1, config: { 'retention.ms': String(30 * DAY) } },
  // live fan-out: nobody replays history, keep it short
  broadcast: { partitions: 8, replicationFactor: -1, config: { 'retention.ms': String(HOUR) } },
  presenceEvents: { partitions: 8, replicationFactor: -1, config: { 'retention.ms': String(HOUR) } },
  // work for presence-service's shared group: survive a presence-service outage of a day
  presenceCommands: { partitions: 8, replicationFactor: -1, config: { 'retention.ms': String(DAY) } },
  usage: { partitions: 4, replicationFactor: -1, config: { 'retention.ms': String(HOUR) } },
};

/** Record keys. Channel-scoped topics key by tenant + visibility + subtopic, so order holds per channel. */
export const recordKeys = {
  tenant: (externalId: string): string => externalId,
  channel: (tenant: string, isPrivate: boolean, topic: string): string => `${tenant}:${isPrivate ? 'p' : 'o'}:${topic}`,
  /** realtime.limits is compacted: one key per tenant and limit keeps each limit's latest decision. */
  limit: (tenant: string, limit: string): string => `${tenant}:${limit}`,
} as const;
