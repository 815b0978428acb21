import { describe, expect, it } from 'vitest';
import {
  decodeUserBroadcast,
  decodeUserBroadcastPush,
  encodeUserBroadcast,
  encodeUserBroadcastPush,
  type UserBroadcastPush,
} from './index.ts';

const utf8 = new TextEncoder();
const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const concat = (...parts: (number[] | string)[]) =>
  Uint8Array.from(parts.flatMap((p) => (typeof p === 'string' ? [...utf8.encode(p)] : p)));

// [CT] serializer.test.ts: 03 02 01 03 0a 00 01 + "10" "1" "top" "user-event" + {"a":"b"}
const specExample = concat([0x03, 0x02, 0x01, 0x03, 0x0a, 0x00, 0x01], '10', '1', 'top', 'user-event', '{"a":"b"}');

describe('kind 3 user_broadcast_push', () => {
  it('decodes the documented example', () => {
    expect(decodeUserBroadcastPush(specExample)).toEqual({
      joinRef: '10',
      ref: '1',
      topic: 'top',
      event: 'user-event',
      metadata: null,
      encoding: 'json',
      payload: utf8.encode('{"a":"b"}'),
    });
  });

  it('encodes the documented example byte for byte', () => {
    const push: UserBroadcastPush = { joinRef: '10', ref: '1', topic: 'top', event: 'user-event', metadata: null, encoding: 'json', payload: utf8.encode('{"a":"b"}') };
    expect(encodeUserBroadcastPush(push)).toEqual(specExample);
  });

  it('round-trips raw binary, metadata, multi-byte UTF-8 and null refs', () => {
    const push: UserBroadcastPush = { joinRef: null, ref: null, topic: 'realtime:café', event: 'ev🎉', metadata: { persist: true }, encoding: 'binary', payload: Uint8Array.of(0, 255, 3) };
    const bytes = encodeUserBroadcastPush(push);
    expect([...bytes.subarray(0, 7)]).toEqual([3, 0, 0, 14, 6, 16, 0]);
    expect(decodeUserBroadcastPush(bytes)).toEqual(push);
  });

  it('accepts an empty payload', () => {
    const bytes = encodeUserBroadcastPush({ joinRef: '1', ref: '2', topic: 't', event: 'e', metadata: null, encoding: 'binary', payload: new Uint8Array() });
    expect(decodeUserBroadcastPush(bytes)).toMatchObject({ payload: new Uint8Array() });
  });

  it.each([
    ['empty frame', new Uint8Array()],
    ['header only partly there', hex('03 02 01')],
    ['truncated strings', specExample.subarray(0, 12)],
    ['lengths beyond the buffer', hex('03 ff 00 00 00 00 01 31')],
    ['kind 4 sent to the server', hex('04 01 01 00 01 74 65 7b 7d')],
    ['Phoenix kind 0', hex('00 00 00 00 00 00 00')],
    ['unknown encoding byte', concat([3, 0, 0, 1, 1, 0, 7], 't', 'e')],
    ['metadata that is not JSON', concat([3, 0, 0, 1, 1, 2, 1], 't', 'e', '{x', '{}')],
    ['metadata that is an array', concat([3, 0, 0, 1, 1, 2, 1], 't', 'e', '[]', '{}')],
    ['JSON encoding with a non-JSON payload', concat([3, 0, 0, 1, 1, 0, 1], 't', 'e', '{"a":')],
    ['invalid UTF-8 in the topic', concat([3, 0, 0, 1, 1, 0, 0], [0xff], 'e')],
  ])('rejects %s with a DecodeError', (_name, bytes) => {
    const result = decodeUserBroadcastPush(bytes);
    expect(result).toMatchObject({ type: 'error', reason: expect.any(String) });
  });

  it('does not mistake user metadata shaped like an error for a DecodeError', () => {
    const bytes = encodeUserBroadcastPush({ joinRef: '1', ref: '2', topic: 't', event: 'e', metadata: { type: 'error', reason: 'x' }, encoding: 'json', payload: utf8.encode('1') });
    expect(decodeUserBroadcastPush(bytes)).toMatchObject({ metadata: { type: 'error', reason: 'x' } });
  });

  it('throws on fields over 255 bytes, like realtime-js', () => {
    const push: UserBroadcastPush = { joinRef: '1', ref: '1', topic: 'x'.repeat(256), event: 'e', metadata: null, encoding: 'json', payload: utf8.encode('{}') };
    expect(() => encodeUserBroadcastPush(push)).toThrow(/topic is 256 bytes/);
    expect(() => encodeUserBroadcastPush({ ...push, topic: 't', event: 'é'.repeat(128) })).toThrow(/event/);
    expect(encodeUserBroadcastPush({ ...push, topic: 'x'.repeat(255) })[3]).toBe(255);
  });
});

describe('kind 4 user_broadcast', () => {
  it('encodes exact bytes', () => {
    const bytes = encodeUserBroadcast({ topic: 'realtime:r', event: 'ev', metadata: { id: 'u1' }, encoding: 'json', payload: utf8.encode('{"n":1}') });
    expect(Buffer.from(bytes).toString('hex')).toBe(
      '04' + '0a' + '02' + '0b' + '01' +
        Buffer.from('realtime:r').toString('hex') +
        Buffer.from('ev').toString('hex') +
        Buffer.from('{"id":"u1"}').toString('hex') +
        Buffer.from('{"n":1}').toString('hex'),
    );
  });

  it('sends null and {} metadata as nothing, and raw binary with encoding 0', () => {
    const payload = Uint8Array.of(1, 2, 3);
    expect(encodeUserBroadcast({ topic: 't', event: 'e', metadata: null, encoding: 'binary', payload })).toEqual(hex('04 01 01 00 00 74 65 01 02 03'));
    expect(encodeUserBroadcast({ topic: 't', event: 'e', metadata: {}, encoding: 'binary', payload })).toEqual(hex('04 01 01 00 00 74 65 01 02 03'));
  });

  it('round-trips', () => {
    const b = { topic: 'realtime:ü', event: 'e', metadata: { replayed: true, id: 'x' }, encoding: 'json' as const, payload: utf8.encode('[1,2]') };
    expect(decodeUserBroadcast(encodeUserBroadcast(b))).toEqual(b);
  });

  it('rejects truncated frames and other kinds', () => {
    expect(decodeUserBroadcast(hex('04 05 01 00 01 74'))).toMatchObject({ type: 'error' });
    expect(decodeUserBroadcast(specExample)).toMatchObject({ type: 'error', reason: 'unsupported binary kind 3' });
  });

  it('throws on metadata over 255 bytes', () => {
    expect(() => encodeUserBroadcast({ topic: 't', event: 'e', metadata: { id: 'x'.repeat(300) }, encoding: 'json', payload: utf8.encode('1') })).toThrow(/metadata/);
  });
});
