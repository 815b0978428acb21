// Starts an infrastructure server as a child that cannot outlive us: a small bash watchdog runs
// it, polls our PID and terminates it when we are gone, even if we died by SIGKILL (Node has no
// PDEATHSIG). stop() sends SIGTERM, then SIGKILL after a grace period.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';

const WATCHDOG = `
parent=$1; shift
"$@" &
child=$!
trap 'kill -TERM $child 2>/dev/null; wait $child; exit 0' TERM INT
while kill -0 "$parent" 2>/dev/null && kill -0 "$child" 2>/dev/null; do sleep 0.5; done
kill -TERM $child 2>/dev/null
for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 $child 2>/dev/null || exit 0; sleep 0.5; done
kill -KILL $child 2>/dev/null
`;

export interface ManagedProcess {
  child: ChildProcess;
  exited: Promise<void>;
  stop(graceMs?: number): Promise<void>;
}

const live = new Set<ManagedProcess>();
let hooked = false;

function hookExit(): void {
  if (hooked) return;
  hooked = true;
  // Best effort on a normal exit; the watchdog covers everything else.
  process.once('exit', () => { for (const p of live) p.child.kill('SIGTERM'); });
}

export function startProcess(command: string, args: string[], options: { logFile: string; env?: NodeJS.ProcessEnv; cwd?: string }): ManagedProcess {
  hookExit();
  const log = createWriteStream(options.logFile, { flags: 'a' });
  const child = spawn('bash', ['-c', WATCHDOG, 'watchdog', String(process.pid), command, ...args], {
    env: { ...process.env, ...options.env },
    cwd: options.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.pipe(log, { end: false });
  child.stderr!.pipe(log, { end: false });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const managed: ManagedProcess = {
    child,
    exited,
    async stop(graceMs = 10_000) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      }
      live.delete(managed);
    },
  };
  live.add(managed);
  void exited.then(() => live.delete(managed));
  return managed;
}

/** Retries `probe` until it resolves, failing early if the process died. */
export async function waitReady(name: string, proc: ManagedProcess, probe: () => Promise<unknown>, logFile: string, timeoutMs = 60_000): Promise<void> {
  let dead = false;
  void proc.exited.then(() => (dead = true));
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    if (dead) throw new Error(`${name} exited during start-up; see ${logFile}`);
    try {
      await probe();
      return;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${name} not ready after ${timeoutMs} ms (${String(last)}); see ${logFile}`);
}
