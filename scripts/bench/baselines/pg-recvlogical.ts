// The ingest baseline: Postgres' own logical replication client draining a slot with pgoutput,
// writing nothing anywhere (-f /dev/null, no fsync). It ships with the server packages
// (postgresql-15 puts it in /usr/lib/postgresql/15/bin).
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { canPin } from '../suite/machine.ts';

export function findPgRecvlogical(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  for (const v of versions) {
    const bin = `${root}/${v}/bin/pg_recvlogical`;
    if (existsSync(bin)) return bin;
  }
  throw new Error(`pg_recvlogical not found under ${root} (install the postgresql server package)`);
}

/**
 * Streams `slot` of `dbUrl` until `endLsn` and exits; resolves with its CPU seconds (user + system,
 * from bash's `times`) when it has, rejects on a failure.
 */
export function drainSlot(dbUrl: string, slot: string, publication: string, endLsn: string): Promise<number> {
  const args = ['-d', dbUrl, '--slot', slot, '--start', '--endpos', endLsn, '-F', '0', '-f', '/dev/null',
    '-o', 'proto_version=1', '-o', `publication_names=${publication}`, '--no-loop'];
  // On the server core, like ingest-cdc: the two drains compete for the same core.
  const command = canPin ? ['taskset', '-c', '0', findPgRecvlogical(), ...args] : [findPgRecvlogical(), ...args];
  // bash reports its children's CPU time (`times`, second line) once pg_recvlogical has exited
  const child = spawn('bash', ['-c', '"$@"; rc=$?; times >&2; exit $rc', 'drain', ...command]);
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(childCpuSeconds(stderr)) : reject(new Error(`pg_recvlogical exited ${code}: ${stderr.trim()}`))));
  });
}

/** The children's user + system seconds from the last line `times` printed ("0m1.234s 0m0.567s"). */
function childCpuSeconds(timesOutput: string): number {
  const last = timesOutput.trim().split('\n').at(-1) ?? '';
  const parts = [...last.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60 + Number(m[2]));
  return parts.length === 2 ? parts[0]! + parts[1]! : NaN;
}
