// `realtime replay --into <topic>`: the replayed changes published again as ChangeEvent records,
// keyed by tenant as ingest-cdc keys realtime.cdc, so a consumer of the new topic reads them in the
// same order. A missing topic is created with the source's partition count (the broker's default
// replication). Sends go in batches on an idempotent producer: retries cannot duplicate or reorder.
import { createAvroProducer, recordKeys, type Kafka } from '@realtime/kafka';
import type { ChangeEvent } from '@realtime/schemas';

const BATCH = 500;

export async function publishInto(kafka: Kafka, into: string, source: string, changes: AsyncIterable<ChangeEvent>): Promise<number> {
  await ensureTopic(kafka, into, source);
  const producer = createAvroProducer(kafka, { idempotent: true });
  await producer.connect();
  let count = 0;
  let batch: ChangeEvent[] = [];
  const flush = async () => {
    await producer.send(into, 'ChangeEvent', batch.map((e) => ({ key: recordKeys.tenant(e.tenant), value: e })));
    count += batch.length;
    batch = [];
  };
  try {
    for await (const change of changes) {
      batch.push(change);
      if (batch.length >= BATCH) await flush();
    }
    if (batch.length > 0) await flush();
    return count;
  } finally {
    await producer.disconnect().catch(() => {});
  }
}

async function ensureTopic(kafka: Kafka, topic: string, source: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    if ((await admin.listTopics()).includes(topic)) return;
    const { topics } = await admin.fetchTopicMetadata({ topics: [source] });
    await admin.createTopics({ topics: [{ topic, numPartitions: topics[0]?.partitions.length ?? 1, replicationFactor: -1 }], waitForLeaders: true });
  } finally {
    await admin.disconnect().catch(() => {});
  }
}
