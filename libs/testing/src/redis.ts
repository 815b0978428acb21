// redis-server on a free port, nothing persisted; restart() brings it back empty on the same port.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { startProcess, waitReady, type ManagedProcess } from './process.ts';
import { freePort } from './ports.ts';

export interface RedisServer {
  url: string;
  port: number;
  stop(): Promise<void>;
  restart(): Promise<void>;
}

export async function startRedis(options: { port?: number } = {}): Promise<RedisServer> {
  const dir = mkdtempSync(join(tmpdir(), 'rt-redis-'));
  const port = options.port ?? (await freePort());
  const url = `redis://127.0.0.1:${port}`;
  const logFile = join(dir, 'redis.log');
  const launch = async (): Promise<ManagedProcess> => {
    const proc = startProcess('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { logFile });
    await waitReady('redis', proc, async () => {
      const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      client.on('error', () => {}); // refused while starting: the probe just retries
      try {
        await client.connect();
        await client.ping();
      } finally {
        client.disconnect();
      }
    }, logFile);
    return proc;
  };
  let proc = await launch();
  return {
    url, port,
    async restart() {
      await proc.stop();
      proc = await launch();
    },
    async stop() {
      await proc.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
