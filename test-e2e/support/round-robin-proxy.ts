// A tiny TCP load balancer in front of a changing set of gateways, what an ingress is in
// production: realtime-js takes one endpoint, and a client whose gateway closes its socket must
// reach another one on reconnect. Like a load balancer it follows readiness: a backend whose
// /healthcheck fails (a draining gateway) gets no new connections; the ready ones take turns.
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

const HEALTH_POLL_MS = 100;

export interface RoundRobinProxy {
  port: number;
  /** Backends are gateway ports; add the replacement before stopping the old one. */
  add(port: number): void;
  remove(port: number): void;
  /** Ports that passed their last health check. */
  ready(): number[];
  /** Client connections open through this proxy to the backend on `port`. */
  connections(port: number): number;
  /** Cuts every open connection at once, as a network drop does (the clients see 1006 and reconnect). */
  dropAll(): void;
  close(): Promise<void>;
}

export async function startRoundRobinProxy(ports: number[]): Promise<RoundRobinProxy> {
  const backends = new Map<number, boolean>(ports.map((p) => [p, true]));
  const sockets = new Set<Socket>();
  const open = new Map<number, number>();
  let turn = 0;

  const poll = setInterval(() => {
    for (const port of backends.keys()) {
      fetch(`http://127.0.0.1:${port}/healthcheck`, { signal: AbortSignal.timeout(1000) })
        .then((res) => res.ok, () => false)
        .then((ok) => backends.has(port) && backends.set(port, ok));
    }
  }, HEALTH_POLL_MS);

  const ready = () => [...backends].filter(([, ok]) => ok).map(([p]) => p);

  const server: Server = createServer((client) => {
    const candidates = ready();
    if (candidates.length === 0) return void client.destroy(); // the client retries, as behind a real LB
    const port = candidates[turn++ % candidates.length]!;
    const upstream = connect(port, '127.0.0.1');
    open.set(port, (open.get(port) ?? 0) + 1);
    client.once('close', () => open.set(port, open.get(port)! - 1));
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.once('close', () => sockets.delete(s));
    }
    // pipe() ends one side when the other ends, after the last bytes (the gateway's close frame with
    // its code); only a reset tears the other side down at once.
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

  return {
    port: (server.address() as AddressInfo).port,
    add: (port) => void backends.set(port, false), // ready once its first health check passes
    remove: (port) => void backends.delete(port),
    ready,
    connections: (port) => open.get(port) ?? 0,
    dropAll: () => {
      for (const s of sockets) s.destroy();
    },
    async close() {
      clearInterval(poll);
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
