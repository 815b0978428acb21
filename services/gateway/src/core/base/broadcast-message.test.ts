// The REST entry of the field-length check: a topic or event a kind 4 frame cannot carry is a 422
// in the reference's validation form, and nothing of the request is published.
import { describe, expect, it } from 'vitest';
import { tenant, testGateway } from '../../../test/support.ts';
import { batchBroadcast, singleBroadcast } from '../broadcast/rest.ts';
import { fieldLengthErrors } from './broadcast-message.ts';
import type { Claims } from '../auth/jwt.ts';

function setup() {
  const t = testGateway();
  t.tenants.put(tenant());
  return { ...t, acme: t.gateway.tenant('acme')!, claims: { role: 'anon', exp: t.clock.now() / 1000 + 60 } as Claims };
}

describe('fieldLengthErrors', () => {
  it('names the first field a kind 4 frame cannot carry, in bytes', () => {
    expect(fieldLengthErrors({ topic: 't'.repeat(246), event: 'e'.repeat(255) })).toEqual({});
    expect(fieldLengthErrors({ topic: 't'.repeat(247), event: 'e' })).toEqual({ topic: ['should be at most 246 byte(s)'] });
    expect(fieldLengthErrors({ topic: 'room', event: 'é'.repeat(128) })).toEqual({ event: ['should be at most 255 byte(s)'] });
    expect(fieldLengthErrors({ topic: 42, event: 'e' })).toEqual({}); // "can't be blank" is the batch's own check
  });
});

describe('REST broadcast with a field too long', () => {
  it('POST /api/broadcast answers 422 with the error at the message\'s index and publishes none of the batch', async () => {
    const { gateway, bus, acme, claims } = setup();
    const result = await batchBroadcast(gateway, acme, claims, {
      messages: [{ topic: 'ok', event: 'e', payload: {} }, { topic: 'room', event: 'x'.repeat(300), payload: {} }],
    }, 1000);
    expect(result).toEqual({ status: 422, body: { errors: { messages: [{}, { event: ['should be at most 255 byte(s)'] }] } } });
    expect(bus.published).toHaveLength(0);
  });

  it('POST /api/broadcast/:topic/events/:event answers 422 for a 300-byte event or topic', async () => {
    const { gateway, bus, acme, claims } = setup();
    const payload = new TextEncoder().encode('{}');
    expect(await singleBroadcast(gateway, acme, claims, 'room', 'x'.repeat(300), false, payload, 'json'))
      .toEqual({ status: 422, body: { errors: { event: ['should be at most 255 byte(s)'] } } });
    expect(await singleBroadcast(gateway, acme, claims, 'r'.repeat(300), 'e', false, payload, 'json'))
      .toEqual({ status: 422, body: { errors: { topic: ['should be at most 246 byte(s)'] } } });
    expect(bus.published).toHaveLength(0);
    expect(await singleBroadcast(gateway, acme, claims, 'room', 'e', false, payload, 'json')).toEqual({ status: 202 });
  });
});
