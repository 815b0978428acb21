// @realtime/kafka: the only package that imports kafkajs.
export { createKafka, pinoLogCreator, type Kafka, type KafkaOptions } from './client.ts';
export { ensureTopics, readRecordLimits, type TopicOverrides } from './admin.ts';
export { createAvroProducer, type AvroProducer, type AvroProducerOptions, type OutgoingRecord, type SentRecord } from './producer.ts';
export { RECORD_ENVELOPE_BYTES, sendEachRecord, skipTooLarge, type RecordOutcome } from './record-outcomes.ts';
export { readCompactedTable, type CompactedTableOptions, type Reader } from './compacted.ts';
export { followTopic, type FollowOptions, type MessageMeta } from './follow.ts';
export { joinSharedGroup, recordTools, type RecordTools, type SharedGroupOptions } from './shared-group.ts';
export { type RecordSite, type SkippedRecordsCounter } from './record-guard.ts';
export { classifyKafkaError, toRealtimeError, type KafkaErrorClass } from './errors.ts';
export { defaultTopicPrefix, defaultTopicSpecs, recordKeys, topicNames, type TopicKey, type TopicNames, type TopicSpec } from './topics.ts';
export { itemFailures, orderedBatches, type ItemFailures, type OrderedBatchesOptions } from './ordered.ts';
export { consumerLag, watchConsumerLag, type ConsumerLagOptions, type LagGauge } from './consumer-lag.ts';
export { groupLags, type GroupLag } from './group-lags.ts';
export { partitionOf } from './partition.ts';
export { startRangeReader, RANGE_FETCH_WAIT_MS, RANGE_READ_TIMEOUT_MS, type RangeReader, type RangeReaderOptions, type RangeRecord, type RangeResult } from './range-reader.ts';
// Building blocks for readers written on top of this package (@realtime/replay).
export { decodeMessage, type Decoded } from './records.ts';
export { FETCH_WAIT_MS } from './compacted.ts';
export { Handoff } from './handoff.ts';
export { retrying } from './retry.ts';
