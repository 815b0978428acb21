import { afterAll, describe, expect, inject, it } from 'vitest';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { Redis } from 'ioredis';
import { startKafka, startRedis, uniqueName, waitFor } from './index.ts';

const stops: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const stop of stops) await stop();
});

describe('infrastructure harness', () => {
  it('gives a Postgres with logical WAL where a pgoutput slot can be made', async () => {
    const { pgUrl } = inject('infra');
    const client = new pg.Client({ connectionString: pgUrl });
    await client.connect();
    try {
      expect((await client.query('SHOW wal_level')).rows[0].wal_level).toBe('logical');
      const slot = uniqueName('slot');
      await client.query(`SELECT pg_create_logical_replication_slot($1, 'pgoutput')`, [slot]);
      await client.query('SELECT pg_drop_replication_slot($1)', [slot]);
    } finally {
      await client.end();
    }
  });

  it('gives a Kafka broker that keeps its data across a restart', async () => {
    const kafka = await startKafka();
    stops.push(() => kafka.stop());
    const client = new Kafka({ brokers: kafka.brokers, logLevel: logLevel.NOTHING });
    const topic = uniqueName('t');
    const producer = client.producer();
    await producer.connect();
    await producer.send({ topic, messages: [{ key: 'k', value: 'before restart' }] });
    await producer.disconnect();
    await kafka.restart();
    const consumer = client.consumer({ groupId: uniqueName('g') });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const seen: string[] = [];
    await consumer.run({ eachMessage: async ({ message }) => void seen.push(String(message.value)) });
    await waitFor(() => expect(seen).toEqual(['before restart']), { timeout: 30_000 });
    await consumer.disconnect();
  });

  it('gives a Redis that comes back empty after a restart', async () => {
    const redis = await startRedis();
    stops.push(() => redis.stop());
    const client = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    client.on('error', () => {});
    await client.set('k', 'v');
    expect(await client.get('k')).toBe('v');
    await redis.restart();
    await waitFor(async () => expect(await client.get('k')).toBeNull());
    client.disconnect();
  });
});
