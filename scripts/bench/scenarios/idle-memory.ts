// P3: memory per joined idle connection: RSS growth of the server while N sockets connect and
// each joins its own channel, our gateway against the bare server.
import type { BenchEnv, Scenario } from '../suite/env.ts';
import { closeAll, connect, join, type Target } from '../suite/phoenix.ts';
import { rssBytes } from '../suite/process-stats.ts';
import { sleep } from '../support.ts';
import type WebSocket from 'ws';

/** Bytes of RSS each of `n` joined sockets adds to `pid`. */
async function perConnection(env: BenchEnv, name: string, target: Target, pid: number, n: number): Promise<number> {
  await sleep(1000);
  const before = rssBytes(pid);
  const sockets: WebSocket[] = [];
  try {
    for (let i = 0; i < n; i += 200) {
      if (i % 2000 === 0) env.progress(`${name}: ${i}/${n} idle connections`);
      sockets.push(...(await Promise.all(Array.from({ length: Math.min(200, n - i) }, async (_, j) => {
        const ws = await connect(target);
        await join(ws, target, `idle-${i + j}`);
        return ws;
      }))));
    }
    await sleep(2000); // let allocations settle
    return (rssBytes(pid) - before) / n;
  } finally {
    closeAll(sockets);
    await sleep(1000);
  }
}

export const p3: Scenario = {
  name: 'p3', ids: 'P3',
  async run(env) {
    const n = env.short ? 500 : 10_000;
    const base = await perConnection(env, 'bare ws server', env.bare.target, env.bare.pid, n);
    const ours = await perConnection(env, 'gateway', await env.gateway(0), env.stack.gateways[0]!.child.pid!, n);
    const kb = (x: number) => `${(x / 1024).toFixed(1)} KB`;
    const ratio = ours / base;
    return [{ id: 'P3', scenario: `memory per joined idle connection, ${n.toLocaleString('en')} connections`, baseline: kb(base), ours: kb(ours), ratio, goal: '≤ 1.5×', pass: ratio <= 1.5 }];
  },
};
