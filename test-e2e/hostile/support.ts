// What every hostile scenario checks besides the attack itself: everyone else is still served
// (/api/ping within a second, a broadcast between two gateways) and the gateway's resources stay
// bounded (RSS, counters read from /metrics). Raw sockets use `ws` with an explicit Host, so a
// test can send frames the official client never would.
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import WebSocket from 'ws';
import { waitFor } from '@realtime/testing';
import type { Stack } from '@realtime/testing/stack';
import { client, collect, subscribed, token } from '../support/fixture.ts';

/** Opens a raw socket; resolves with the HTTP refusal or the open socket. */
export function rawSocket(port: number, tenant: string, query: string): Promise<{ status: number; body: string } | WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/socket/websocket?${query}`, { headers: { host: `${tenant}.localhost` }, maxPayload: 64 * 1024 * 1024 });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c)).on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    ws.once('error', (err) => (ws.readyState === WebSocket.CLOSED ? undefined : reject(err)));
  });
}

/** Milliseconds /api/ping of `tenant` takes on `port`; fails the test on anything but 200. */
export async function pingMs(port: number, tenant: string): Promise<number> {
  const started = performance.now();
  const res = await fetch(`http://${tenant}.localhost:${port}/api/ping`, { signal: AbortSignal.timeout(10_000) });
  expect(res.status).toBe(200);
  await res.arrayBuffer();
  return performance.now() - started;
}

/** Pings every `everyMs` until stopped; `worst()` is the slowest answer seen. */
export function pingLoop(port: number, tenant: string, everyMs = 50) {
  const seen: number[] = [];
  let running = true;
  const done = (async () => {
    while (running) {
      seen.push(await pingMs(port, tenant));
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    async stop(): Promise<number[]> {
      running = false;
      await done;
      return seen;
    },
  };
}

/**
 * The slowest /api/ping over `ms` with no attack: the allowance a scenario adds its one second to,
 * so that a machine already slow for other reasons does not fail the scenario (a stall caused by
 * the attack still does: it shows up on top).
 */
export async function idleWorstPing(port: number, tenant: string, ms = 2000): Promise<number> {
  const loop = pingLoop(port, tenant);
  await new Promise((r) => setTimeout(r, ms));
  return Math.max(...(await loop.stop()));
}

/** A broadcast sent through gateway 0 arrives at a client of gateway 1 (official client). */
export async function broadcastCrossesGateways(stack: Stack, tenant: string, secret: string, topic = `still-served-${Date.now()}`): Promise<void> {
  const key = await token(secret);
  const near = client(stack.gateways[0]!.port, tenant, key).channel(topic);
  const far = client(stack.gateways[1]!.port, tenant, key).channel(topic);
  const got = collect<{ payload: { n: number } }>(far, 'check');
  await Promise.all([subscribed(near), subscribed(far)]);
  await waitFor(async () => {
    await near.send({ type: 'broadcast', event: 'check', payload: { n: 1 } });
    expect(got.length).toBeGreaterThan(0);
  }, { timeout: 10_000 });
}

/** Resident set of a service process, in MB (Linux /proc). */
export function rssMb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'))!;
  return Number(line.split(/\s+/)[1]) / 1024;
}

/** /metrics of a service, scraped with the stack's metrics token. */
export async function scrape(stack: Stack, url: string): Promise<string> {
  const res = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${await token(stack.metricsJwtSecret, {})}` } });
  expect(res.status).toBe(200);
  return res.text();
}

/** The value of the one series whose line starts with `series` (name and labels), 0 when absent. */
export function metric(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

/** Lines of a service's log that carry `text`. */
export function logLines(logFile: string, text: string): string[] {
  return readFileSync(logFile, 'utf8').split('\n').filter((l) => l.includes(text));
}
