import { describe, expect, it } from 'vitest';
import { parseVsn, reply, serializerFor, v1Serializer } from './index.ts';

const utf8 = new TextEncoder();

describe('vsn 1.0.0 JSON objects', () => {
  it('decodes a push with and without join_ref', () => {
    expect(v1Serializer.decode('{"topic":"realtime:a","event":"phx_join","payload":{},"ref":"1","join_ref":"1"}')).toEqual({
      type: 'message',
      message: { joinRef: '1', ref: '1', topic: 'realtime:a', event: 'phx_join', payload: {} },
    });
    expect(v1Serializer.decode('{"topic":"phoenix","event":"heartbeat","payload":{},"ref":"2"}')).toMatchObject({ message: { joinRef: null, ref: '2' } });
  });

  it.each([
    ['invalid JSON', '{"topic":'],
    ['an array (vsn 2 shape)', '[null,"1","phoenix","heartbeat",{}]'],
    ['a missing payload', '{"topic":"t","event":"e","ref":"1"}'],
    ['a missing ref', '{"topic":"t","event":"e","payload":{}}'],
    ['a numeric topic', '{"topic":1,"event":"e","payload":{},"ref":"1"}'],
    ['a missing event', '{"topic":"t","payload":{},"ref":"1"}'],
    ['an object join_ref', '{"topic":"t","event":"e","payload":{},"ref":"1","join_ref":{}}'],
  ])('gives a DecodeError for %s', (_name, frame) => {
    expect(v1Serializer.decode(frame)).toMatchObject({ type: 'error', reason: expect.any(String) });
  });

  it('rejects binary frames', () => {
    expect(v1Serializer.decode(Uint8Array.of(3, 0, 0, 0, 0, 0, 1))).toMatchObject({ type: 'error' });
  });

  it('encodes server messages without join_ref', () => {
    const push = { joinRef: '1', ref: '5', topic: 'realtime:a', event: 'broadcast', payload: {} };
    expect(v1Serializer.encode(reply(push, 'error', { reason: 'unmatched topic' }))).toBe(
      '{"topic":"realtime:a","event":"phx_reply","payload":{"status":"error","response":{"reason":"unmatched topic"}},"ref":"5"}',
    );
  });

  it('encodes a JSON user broadcast as a broadcast event, meta only when present', () => {
    const b = { topic: 'realtime:a', event: 'msg', metadata: { id: 'u' }, encoding: 'json' as const, payload: utf8.encode('{"x":[1]}') };
    expect(v1Serializer.encodeUserBroadcast(b)).toBe(
      '{"topic":"realtime:a","event":"broadcast","payload":{"type":"broadcast","event":"msg","payload":{"x":[1]},"meta":{"id":"u"}},"ref":null}',
    );
    expect(v1Serializer.encodeUserBroadcast({ ...b, metadata: null })).toBe(
      '{"topic":"realtime:a","event":"broadcast","payload":{"type":"broadcast","event":"msg","payload":{"x":[1]}},"ref":null}',
    );
  });

  it('skips raw-binary user broadcasts', () => {
    expect(v1Serializer.encodeUserBroadcast({ topic: 't', event: 'e', metadata: null, encoding: 'binary', payload: Uint8Array.of(1) })).toBeNull();
  });

  it('is what serializerFor picks for 1.0.0', () => {
    expect(serializerFor('1.0.0')).toBe(v1Serializer);
  });
});

describe('parseVsn', () => {
  it.each([
    [null, '1.0.0'],
    [undefined, '1.0.0'],
    ['1.0.0', '1.0.0'],
    ['2.0.0', '2.0.0'],
    ['2.0.1', '2.0.0'],
    ['', null],
    ['3.0.0', null],
    ['2.1.0', null],
    ['2', null],
    ['2.0.0-rc', null],
    ['v2.0.0', null],
  ])('%s → %s', (value, expected) => {
    expect(parseVsn(value)).toBe(expected);
  });
});
