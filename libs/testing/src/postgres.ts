// A throwaway Postgres cluster made with the machine's initdb (wal_level=logical), on a free port.
// Postgres refuses to run as root, so as root the cluster belongs to and runs as `postgres`.
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startProcess, waitReady, type ManagedProcess } from './process.ts';
import { freePort } from './ports.ts';

export interface PgServer {
  url: string;
  host: string;
  port: number;
  createDatabase(name: string): Promise<string>;
  stop(): Promise<void>;
}

export interface PgOptions {
  /** Kept between runs (the local stack); a temporary directory otherwise. */
  dataDir?: string;
  port?: number;
  settings?: Record<string, string>;
}

function binDir(): string {
  const base = '/usr/lib/postgresql';
  if (existsSync(base)) {
    const versions = readdirSync(base).filter((v) => existsSync(join(base, v, 'bin/initdb'))).sort((a, b) => Number(b) - Number(a));
    if (versions[0]) return join(base, versions[0], 'bin');
  }
  return ''; // rely on PATH
}

const asRoot = userInfo().uid === 0;
const bin = (name: string) => (binDir() ? join(binDir(), name) : name);
/** Runs a Postgres binary as `postgres` when we are root. */
const runAs = (command: string, args: string[]): [string, string[]] => (asRoot ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args]);

// Every e2e file's stack leaves its tenants' slots behind (inactive, one name per stack): with 20
// the later CDC files of a full run found no free slot. WAL senders are only the active ones.
const defaults: Record<string, string> = {
  wal_level: 'logical', max_wal_senders: '20', max_replication_slots: '100', max_connections: '200',
  fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off', shared_buffers: '128MB',
  // With synchronous_commit off, WAL senders only see what the WAL writer flushed, every
  // wal_writer_delay (200 ms by default): logical replication would lag by up to that much.
  wal_writer_delay: '10ms',
};

export async function startPostgres(options: PgOptions = {}): Promise<PgServer> {
  const temporary = !options.dataDir;
  const root = options.dataDir ?? mkdtempSync(join(tmpdir(), 'rt-pg-'));
  const data = join(root, 'data');
  mkdirSync(root, { recursive: true });
  if (asRoot) chownSync(root, ...pgIds());
  if (!existsSync(join(data, 'PG_VERSION'))) {
    const [cmd, args] = runAs(bin('initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
    execFileSync(cmd, args, { stdio: 'ignore' });
  }
  const port = options.port ?? (await freePort());
  const settings = { ...defaults, ...options.settings, port: String(port), listen_addresses: '127.0.0.1', unix_socket_directories: root };
  const logFile = join(root, 'postgres.log');
  writeFileSync(logFile, '');
  if (asRoot) chownSync(logFile, ...pgIds());
  const [cmd, args] = runAs(bin('postgres'), ['-D', data, ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`])]);
  const proc: ManagedProcess = startProcess(cmd, args, { logFile });
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  await waitReady('postgres', proc, async () => {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    await c.end();
  }, logFile);
  return {
    url, host: '127.0.0.1', port,
    async createDatabase(name) {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      try {
        await c.query(`CREATE DATABASE "${name}"`);
      } catch (err) {
        if ((err as { code?: string }).code !== '42P04') throw err;
      } finally {
        await c.end();
      }
      return `postgres://postgres@127.0.0.1:${port}/${name}`;
    },
    async stop() {
      await proc.stop();
      if (temporary) rmSync(root, { recursive: true, force: true });
    },
  };
}

function pgIds(): [number, number] {
  const out = execFileSync('id', ['-u', 'postgres']).toString().trim();
  const gid = execFileSync('id', ['-g', 'postgres']).toString().trim();
  return [Number(out), Number(gid)];
}
