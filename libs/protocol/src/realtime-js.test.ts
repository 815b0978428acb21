// Fixtures made by the real client: @supabase/realtime-js's own serializer encodes pushes and
// decodes our frames, so a layout mistake on either side shows up here.
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { encodeUserBroadcastPush, v2Serializer } from './index.ts';

type ClientMessage = { join_ref: string | null; ref: string | null; topic: string; event: string; payload: any };
interface ClientSerializer {
  encode(msg: ClientMessage, cb: (out: string | ArrayBuffer) => void): void;
  decode(raw: string | ArrayBuffer, cb: (msg: ClientMessage) => void): void;
}

const require = createRequire(import.meta.url);
const ClientSerializerClass = require('@supabase/realtime-js/dist/main/lib/serializer.js').default as new () => ClientSerializer;
const client = new ClientSerializerClass();
const utf8 = new TextEncoder();

function clientEncode(msg: ClientMessage): string | Uint8Array {
  let out: string | ArrayBuffer = '';
  client.encode(msg, (o) => (out = o));
  return typeof out === 'string' ? out : new Uint8Array(out);
}

function clientDecode(frame: string | Uint8Array): ClientMessage {
  let msg: ClientMessage | undefined;
  const raw = typeof frame === 'string' ? frame : frame.slice().buffer;
  client.decode(raw, (m) => (msg = m));
  return msg!;
}

describe('against the realtime-js serializer', () => {
  it('JSON broadcast push: the client bytes equal ours and decode to the push', () => {
    const bytes = clientEncode({ join_ref: '10', ref: '1', topic: 'top', event: 'broadcast', payload: { type: 'broadcast', event: 'user-event', payload: { a: 'b' } } });
    const ours = encodeUserBroadcastPush({ joinRef: '10', ref: '1', topic: 'top', event: 'user-event', metadata: null, encoding: 'json', payload: utf8.encode('{"a":"b"}') });
    expect(bytes).toEqual(ours);
    expect(v2Serializer.decode(bytes)).toMatchObject({ type: 'user_broadcast_push', push: { joinRef: '10', ref: '1', topic: 'top', event: 'user-event', encoding: 'json' } });
  });

  it('binary broadcast push with persist metadata and a multi-byte topic', () => {
    const payload = Uint8Array.of(0, 1, 254, 255);
    const bytes = clientEncode({ join_ref: '2', ref: '33', topic: 'realtime:ñ', event: 'broadcast', payload: { type: 'broadcast', event: 'bin', payload: payload.slice().buffer, persist: true } });
    const decoded = v2Serializer.decode(bytes);
    expect(decoded).toEqual({
      type: 'user_broadcast_push',
      push: { joinRef: '2', ref: '33', topic: 'realtime:ñ', event: 'bin', metadata: { persist: true }, encoding: 'binary', payload },
    });
  });

  it('text pushes decode to the same message', () => {
    const frame = clientEncode({ join_ref: '1', ref: '4', topic: 'realtime:r', event: 'presence', payload: { type: 'presence', event: 'track', payload: { u: 1 } } });
    expect(frame).toBeTypeOf('string');
    expect(v2Serializer.decode(frame)).toEqual({
      type: 'message',
      message: { joinRef: '1', ref: '4', topic: 'realtime:r', event: 'presence', payload: { type: 'presence', event: 'track', payload: { u: 1 } } },
    });
  });

  it('the client reads our kind 4 frames as a broadcast', () => {
    const json = v2Serializer.encodeUserBroadcast({ topic: 'realtime:r', event: 'msg', metadata: { replayed: true, id: 'abc' }, encoding: 'json', payload: utf8.encode('{"n":1}') });
    expect(clientDecode(json)).toEqual({
      join_ref: null, ref: null, topic: 'realtime:r', event: 'broadcast',
      payload: { type: 'broadcast', event: 'msg', payload: { n: 1 }, meta: { replayed: true, id: 'abc' } },
    });
    const raw = clientDecode(v2Serializer.encodeUserBroadcast({ topic: 'realtime:r', event: 'b', metadata: null, encoding: 'binary', payload: Uint8Array.of(7, 8) }));
    expect(raw.payload.meta).toBeUndefined();
    expect(new Uint8Array(raw.payload.payload)).toEqual(Uint8Array.of(7, 8));
  });

  it('the client reads our text frames', () => {
    const frame = v2Serializer.encode({ joinRef: '1', ref: '1', topic: 'realtime:r', event: 'phx_reply', payload: { status: 'ok', response: { postgres_changes: [] } } });
    expect(clientDecode(frame)).toEqual({ join_ref: '1', ref: '1', topic: 'realtime:r', event: 'phx_reply', payload: { status: 'ok', response: { postgres_changes: [] } } });
  });
});
