// What the suite states about the machine, and how it keeps server and load generator apart:
// with two or more cores the server under test is pinned to core 0 and this process (the load
// generator) to the last core (taskset), so they never take turns on one core.
import { cpus } from 'node:os';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface Machine {
  cores: number;
  cpuModel: string;
  node: string;
  kafka: string;
  /** 1-minute load average when the suite started: other work on the machine skews wall-clock figures. */
  load: number;
  pinning: string;
}

const hasTaskset = spawnSync('taskset', ['--version']).status === 0;
const cores = cpus().length;
export const canPin = hasTaskset && cores >= 2;

export function describeMachine(kafkaVersion: string): Machine {
  const load = Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
  return {
    cores, cpuModel: cpus()[0]?.model.trim() ?? 'unknown', node: process.version, kafka: kafkaVersion, load,
    pinning: canPin ? `server on core 0, load generator on core ${cores - 1} (taskset)` : 'none (one core or no taskset)',
  };
}

/** Pins every thread of `pid` to the server core (0); a no-op where pinning is not possible. */
export function pinServer(pid: number): void {
  if (canPin) taskset(pid, '0');
}

/** Pins this process (the load generator) to the last core. */
export function pinLoadGenerator(): void {
  if (canPin) taskset(process.pid, String(cores - 1));
}

function taskset(pid: number, list: string): void {
  const r = spawnSync('taskset', ['-a', '-p', '-c', list, String(pid)]);
  if (r.status !== 0) throw new Error(`taskset ${list} ${pid}: ${r.stderr.toString().trim()}`);
}
