// topics tail's pure parts: which topic and brokers, and how a record of any schema is printed.
import { describe, expect, it } from 'vitest';
import { encode } from '@realtime/schemas';
import { sampleRecords } from '@realtime/testing/samples';
import { decodeRecord, resolveTail, toJson } from './topics.ts';
import type { CliIo } from './io.ts';

const io = (env: Record<string, string> = {}, stack = { kafkaBrokers: ['s:9092'], topicPrefix: 'local.' }): CliIo =>
  ({ out: () => {}, err: () => {}, env, stack: () => stack });

describe('resolveTail', () => {
  it('prefixes short names and keeps full names; brokers from flag, env, then the stack file', () => {
    expect(resolveTail('broadcast', {}, io())).toEqual({ topic: 'local.broadcast', brokers: ['s:9092'], limit: Infinity });
    expect(resolveTail('presence.events', { brokers: 'a:1, b:2', limit: '3' }, io())).toEqual({ topic: 'realtime.presence.events', brokers: ['a:1', 'b:2'], limit: 3 });
    expect(resolveTail('custom.topic', {}, io({ KAFKA_BROKERS: 'e:1', KAFKA_TOPIC_PREFIX: 'x.' }))).toMatchObject({ topic: 'custom.topic', brokers: ['e:1'] });
    expect(resolveTail('cdc', { topicPrefix: 'p.' }, io({ KAFKA_BROKERS: 'e:1' })).topic).toBe('p.cdc');
  });
});

describe('decodeRecord', () => {
  it('finds the writer schema by fingerprint and prints bytes as text', () => {
    const value = encode('BroadcastMessage', { ...sampleRecords.BroadcastMessage, payload: Buffer.from('{"n":1}') });
    const record = decodeRecord('t.broadcast', 2, { offset: '7', timestamp: '0', key: Buffer.from('k'), value });
    expect(record).toMatchObject({ topic: 't.broadcast', partition: 2, offset: '7', timestamp: '1970-01-01T00:00:00.000Z', key: 'k', schema: 'BroadcastMessage v1' });
    expect(JSON.parse(toJson(record)).value.payload).toBe('{"n":1}');
  });

  it('prints bytes that are not UTF-8 as base64, and a tombstone as a null value', () => {
    const value = encode('BroadcastMessage', { ...sampleRecords.BroadcastMessage, encoding: 'BINARY', payload: Buffer.from([0xff, 0xfe]) });
    expect(JSON.parse(toJson(decodeRecord('t', 0, { offset: '0', timestamp: '0', key: null, value }))).value.payload).toEqual({ base64: '//4=' });
    expect(decodeRecord('t', 0, { offset: '1', timestamp: '0', key: Buffer.from('k'), value: null })).toMatchObject({ schema: null, value: null });
  });

  it('throws on a value that is not single-object Avro (the tail reports it and goes on)', () => {
    expect(() => decodeRecord('t', 0, { offset: '0', timestamp: '0', key: null, value: Buffer.from('{"json":true}') })).toThrow(/marker/);
  });
});
