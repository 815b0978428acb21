import { describe, expect, it } from 'vitest';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createInspector, type InspectorOptions } from './handler.ts';

interface Answer { status: number; headers: Record<string, string>; body: string; passed: boolean }

/** Calls the middleware with a minimal request and a response that records what it was given. */
function request(options: Partial<InspectorOptions>, url: string, method = 'GET'): Promise<Answer> {
  const handler = createInspector({ tenant: '', anonKey: '', onError: () => {}, ...options });
  return new Promise((resolve) => {
    const answer: Answer = { status: 0, headers: {}, body: '', passed: false };
    const res = {
      writeHead(status: number, headers: Record<string, string>) { answer.status = status; answer.headers = headers; return res; },
      end(body?: string) { answer.body = body ?? ''; resolve(answer); },
    };
    handler({ url, method } as IncomingMessage, res as unknown as ServerResponse, () => resolve({ ...answer, passed: true }));
  });
}

describe('createInspector', () => {
  it('serves the page at /inspector and /inspector/new, with a CSP that keeps it on its origin', async () => {
    for (const url of ['/inspector', '/inspector/', '/inspector/new?x=1']) {
      const a = await request({}, url);
      expect(a.status).toBe(200);
      expect(a.headers['content-type']).toMatch(/^text\/html/);
      expect(a.body).toContain('<title>Realtime Inspector</title>');
      expect(a.headers['content-security-policy']).toContain("script-src 'self'");
    }
  });

  it('bundles realtime-js into the page script on first request', async () => {
    const a = await request({}, '/inspector/app.js');
    expect(a.status).toBe(200);
    expect(a.headers['content-type']).toMatch(/^text\/javascript/);
    expect(a.body).toContain('phx_join'); // realtime-js's join event, so the client is in the bundle
    expect(a.body).not.toMatch(/from\s*["']@supabase/); // nothing left for the browser to resolve
  }, 30_000);

  it('offers the configured tenant and anon key, and nulls when there are none', async () => {
    expect(JSON.parse((await request({ tenant: 'dev', anonKey: 'ey.anon' }, '/inspector/config.json')).body)).toEqual({ tenant: 'dev', anonKey: 'ey.anon' });
    expect(JSON.parse((await request({}, '/inspector/config.json')).body)).toEqual({ tenant: null, anonKey: null });
  });

  it('passes every other path and method on', async () => {
    expect((await request({}, '/api/broadcast')).passed).toBe(true);
    expect((await request({}, '/inspector/../secrets')).passed).toBe(true);
    expect((await request({}, '/inspector', 'POST')).passed).toBe(true);
  });
});
