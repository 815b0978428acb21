import { describe, expect, it } from 'vitest';
import { closeMessage, Events, reply, serializerFor, v2Serializer } from './index.ts';

const utf8 = new TextEncoder();

describe('vsn 2.0.0 text frames', () => {
  it('decodes a join', () => {
    const frame = '["1","1","realtime:room1","phx_join",{"config":{"private":false}}]';
    expect(v2Serializer.decode(frame)).toEqual({
      type: 'message',
      message: { joinRef: '1', ref: '1', topic: 'realtime:room1', event: 'phx_join', payload: { config: { private: false } } },
    });
  });

  it('decodes a heartbeat with a null join_ref', () => {
    expect(v2Serializer.decode('[null,"12","phoenix","heartbeat",{}]')).toMatchObject({ message: { joinRef: null, ref: '12', topic: 'phoenix' } });
  });

  it.each([
    ['invalid JSON', '["1","1","t","e",{'],
    ['an object (vsn 1 shape)', '{"topic":"t","event":"e","payload":{},"ref":"1"}'],
    ['four elements', '["1","1","t","e"]'],
    ['six elements', '["1","1","t","e",{},1]'],
    ['a numeric topic', '["1","1",5,"e",{}]'],
    ['a null event', '["1","1","t",null,{}]'],
    ['a numeric ref', '["1",1,"t","e",{}]'],
    ['an object join_ref', '[{},"1","t","e",{}]'],
    ['an empty frame', ''],
    ['JSON null', 'null'],
  ])('gives a DecodeError for %s', (_name, frame) => {
    expect(v2Serializer.decode(frame)).toMatchObject({ type: 'error', reason: expect.any(String) });
  });

  it('decodes binary kind 3 as a user_broadcast_push and rejects other kinds', () => {
    const bytes = Uint8Array.of(3, 0, 0, 1, 1, 0, 1, ...utf8.encode('te{}'));
    expect(v2Serializer.decode(bytes)).toMatchObject({ type: 'user_broadcast_push', push: { topic: 't', event: 'e', joinRef: null } });
    expect(v2Serializer.decode(Uint8Array.of(4, 1, 1, 0, 1, 116, 101))).toMatchObject({ type: 'error' });
    expect(v2Serializer.decode(Buffer.from([3, 9]))).toMatchObject({ type: 'error' });
  });

  it('encodes server messages as arrays, join_ref included', () => {
    const push = { joinRef: '1', ref: '7', topic: 'realtime:room1', event: Events.leave, payload: {} };
    expect(v2Serializer.encode(reply(push, 'ok', {}))).toBe('["1","7","realtime:room1","phx_reply",{"status":"ok","response":{}}]');
    expect(v2Serializer.encode(closeMessage('realtime:room1', '1'))).toBe('["1","1","realtime:room1","phx_close",{}]');
    expect(v2Serializer.encode({ joinRef: null, ref: null, topic: 't', event: 'broadcast', payload: { a: 1 } })).toBe('[null,null,"t","broadcast",{"a":1}]');
  });

  it('round-trips text messages', () => {
    const m = { joinRef: '3', ref: null, topic: 'realtime:x', event: 'presence_state', payload: { k: { metas: [] } } };
    expect(v2Serializer.decode(v2Serializer.encode(m))).toEqual({ type: 'message', message: m });
  });

  it('encodes a user broadcast as kind 4 bytes', () => {
    const bytes = v2Serializer.encodeUserBroadcast({ topic: 't', event: 'e', metadata: null, encoding: 'binary', payload: Uint8Array.of(9) });
    expect([...bytes]).toEqual([4, 1, 1, 0, 0, 116, 101, 9]);
  });

  it('is what serializerFor picks for 2.0.0', () => {
    expect(serializerFor('2.0.0')).toBe(v2Serializer);
  });
});
