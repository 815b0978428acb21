// Runs a command of the tests in scripts/ to its end (killed after `timeoutMs`), with only the
// environment given, and returns its exit code and its stdout and stderr together.
import { spawn } from 'node:child_process';

export function runToExit(cmd: string, args: string[], o: { cwd: string; env: Record<string, string>; timeoutMs?: number }): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: o.cwd, env: o.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs ?? 20_000);
    child.on('exit', (code) => { clearTimeout(timer); resolve({ code, output }); });
  });
}
