// Runs our services as real child processes (node services/<name>/src/main.ts), for e2e tests and
// the local stack. Each child gets an IPC channel: when this process dies, even by SIGKILL, the
// channel closes and the service shuts itself down (main.ts listens for 'disconnect').
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { freePort } from './ports.ts';
import { join } from 'node:path';

export const repoRoot = join(import.meta.dirname, '../../..');

export type ServiceName = 'gateway' | 'tenant-admin' | 'ingest-cdc' | 'presence-service' | 'ratelimiter';

export interface ServiceProcess {
  name: ServiceName;
  port: number;
  url: string;
  logFile: string;
  child: ChildProcess;
  /** SIGTERM, then SIGKILL after `graceMs` (5 s); resolves with the exit code (null: killed by a signal). */
  stop(graceMs?: number): Promise<number | null>;
  /** SIGKILL, as a crash. */
  kill(): Promise<void>;
}

export async function startService(name: ServiceName, env: Record<string, string>, portVar: string, port?: number): Promise<ServiceProcess> {
  const listen = port ?? (await freePort());
  const logDir = join(repoRoot, '.cache/logs');
  mkdirSync(logDir, { recursive: true });
  const logFile = join(logDir, `${name}-${listen}.log`);
  const log = createWriteStream(logFile, { flags: 'a' });
  const child = spawn(process.execPath, [join(repoRoot, 'services', name, 'src/main.ts')], {
    cwd: repoRoot,
    env: { ...process.env, ...env, [portVar]: String(listen) },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  child.stdout!.pipe(log, { end: false });
  child.stderr!.pipe(log, { end: false });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${listen}`;
  await waitHealthy(url, exited, logFile);
  const stopWith = async (signal: NodeJS.Signals, graceMs = 5000) => {
    if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    const code = await exited;
    clearTimeout(timer);
    return code;
  };
  return { name, port: listen, url, logFile, child, stop: (graceMs) => stopWith('SIGTERM', graceMs), kill: async () => void (await stopWith('SIGKILL')) };
}

async function waitHealthy(url: string, exited: Promise<number | null>, logFile: string, timeoutMs = 60_000): Promise<void> {
  let dead = false;
  void exited.then(() => (dead = true));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (dead) throw new Error(`service exited during start-up; see ${logFile}`);
    try {
      const res = await fetch(`${url}/healthcheck`);
      if (res.ok) return;
    } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`service not healthy after ${timeoutMs} ms; see ${logFile}`);
}
