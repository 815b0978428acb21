// The gateway's view of a socket's codec: the protocol lib's serializer plus the one thing the
// core needs on top, turning an OutboundBroadcast into the frame its kind calls for (docs/PROTOCOL.md §1.4):
// a UserBroadcast is kind 4 for 2.0.0 and JSON for 1.0.0 (raw binary skipped); a JSON broadcast is
// a text `broadcast` frame for everyone.
import { serializerFor, type Serializer, type Vsn } from '@realtime/protocol';
import { jsonPayload, type OutboundBroadcast } from '../base/broadcast-message.ts';

export interface Wire extends Serializer {
  /** `position`: the recovery position of a channel joined with `broadcast.recover`, in the meta (docs/PROTOCOL.md §11). */
  encodeBroadcast(message: OutboundBroadcast, topic: string, position?: string): string | Uint8Array | null;
}

function wire(serializer: Serializer): Wire {
  return {
    ...serializer,
    encodeBroadcast(m, topic, position) {
      const metadata = position ? (m.metaId ? { id: m.metaId, position } : { position }) : m.metaId ? { id: m.metaId } : null;
      if (m.kind === 'user') return serializer.encodeUserBroadcast({ topic, event: m.event, metadata, encoding: m.encoding, payload: m.payload });
      if (m.encoding !== 'json') return null;
      const payload: Record<string, unknown> = { type: 'broadcast', event: m.event, payload: jsonPayload(m) };
      if (metadata) payload.meta = metadata;
      return serializer.encode({ joinRef: null, ref: null, topic, event: 'broadcast', payload });
    },
  };
}

const wires: Record<Vsn, Wire> = { '1.0.0': wire(serializerFor('1.0.0')), '2.0.0': wire(serializerFor('2.0.0')) };

export function wireFor(vsn: Vsn): Wire {
  return wires[vsn];
}
