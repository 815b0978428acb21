// The commands the image and docker-compose.yml run, run here without Docker: the Dockerfile's CMD
// picks the service from SERVICE (and says so when it is missing), and the compose health check
// passes on a service answering /healthcheck 200 on its *_LISTEN_PORT and fails otherwise.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { dirname, join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { runToExit } from './run-to-exit.ts';

const root = join(import.meta.dirname, '..');
// Node of this run first on PATH, as node:24-slim has it
const PATH = `${dirname(process.execPath)}:${process.env.PATH ?? ''}`;

const run = (cmd: string, args: string[], env: Record<string, string>) => runToExit(cmd, args, { cwd: root, env: { PATH, ...env } });

describe('the Dockerfile CMD', () => {
  const cmd = JSON.parse(/^CMD (\[.*\])$/m.exec(readFileSync(join(root, 'Dockerfile'), 'utf8'))![1]!) as string[];

  it('refuses to start without SERVICE, naming the choices', async () => {
    const { code, output } = await run(cmd[0]!, cmd.slice(1), {});
    expect(code).not.toBe(0);
    expect(output).toContain('set SERVICE to gateway, tenant-admin, ingest-cdc, presence-service or ratelimiter');
  });

  it('runs the service SERVICE names (here it stops at its config check: a placeholder secret)', async () => {
    const { code, output } = await run(cmd[0]!, cmd.slice(1), { SERVICE: 'ratelimiter', METRICS_JWT_SECRET: 'replace-me' });
    expect(code).toBe(1);
    expect(output).toContain('invalid config');
    expect(output).toContain('"service":"ratelimiter"');
  }, 30_000);
});

describe('the compose health check', () => {
  const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, { healthcheck?: { test: string[] } }> };
  const [kind, node, ...args] = compose.services.ratelimiter!.healthcheck!.test;
  let server: Server | undefined;
  afterEach(() => void server?.close());

  const serve = async (status: number) => {
    server = createServer((req, res) => void res.writeHead(req.url === '/healthcheck' ? status : 404).end());
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    return String((server.address() as AddressInfo).port);
  };

  it('is a command of the image (no shell, no curl)', () => {
    expect([kind, node]).toEqual(['CMD', 'node']);
  });

  it('passes on 200 from /healthcheck of the listen port', async () => {
    expect((await run(node!, args, { RATELIMITER_LISTEN_PORT: await serve(200) })).code).toBe(0);
  });

  it('fails on 503, and when nothing listens', async () => {
    expect((await run(node!, args, { RATELIMITER_LISTEN_PORT: await serve(503) })).code).toBe(1);
    const port = await serve(200);
    server!.close();
    expect((await run(node!, args, { RATELIMITER_LISTEN_PORT: port })).code).toBe(1);
  });
});
