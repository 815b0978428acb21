// The prebuilt frame is byte for byte what ws frames for an unmasked server message, at each of
// RFC 6455's three length encodings and their edges.
import { describe, expect, it } from 'vitest';
import * as ws from 'ws';
import { buildFrame } from './prebuilt-frame.ts';

// ws exports its Sender at run time; its types do not declare it.
const { Sender } = ws as unknown as { Sender: { frame(data: Buffer, options: object): Buffer[] } };
const wsFrame = (payload: Buffer, binary: boolean) =>
  Buffer.concat(Sender.frame(payload, { fin: true, opcode: binary ? 2 : 1, mask: false, readOnly: true, rsv1: false }));

describe('buildFrame', () => {
  for (const length of [0, 1, 125, 126, 127, 65_535, 65_536, 200_000]) {
    it(`frames ${length} bytes as ws does, text and binary`, () => {
      const payload = Buffer.alloc(length, 'a');
      expect(buildFrame(payload, false).equals(wsFrame(payload, false))).toBe(true);
      expect(buildFrame(payload, true).equals(wsFrame(payload, true))).toBe(true);
    });
  }

  it('sets FIN and the opcode, never the mask bit', () => {
    const frame = buildFrame(Buffer.from('hi'), false);
    expect([...frame]).toEqual([0x81, 2, 0x68, 0x69]);
    expect(buildFrame(new Uint8Array([1]), true)[0]).toBe(0x82);
  });
});
