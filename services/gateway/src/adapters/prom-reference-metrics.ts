// The gateway's series under the reference's names (supabase/realtime PromEx plugins Tenant,
// TenantGlobal, Channels, Phoenix), beside the project's own, so dashboards and alerts built for
// the reference keep working (docs/METRICS.md says where the meaning differs). Same types, label
// names, units (milliseconds, bytes) and histogram buckets as the reference.
import { client, type Registry } from '@realtime/metrics';
import type { Vsn } from '@realtime/protocol';
import { newTally, type PayloadType, type TenantTally } from '../core/metrics/metrics.ts';

// The reference's Peep buckets (Tenant.PayloadSize.Buckets, PolicyAuthorization.Buckets, ...).
const PAYLOAD_BUCKETS = [250, 500, 1000, 3000, 5000, 10_000, 25_000, 100_000, 500_000, 1_000_000, 3_000_000];
const CHECK_BUCKETS_MS = [10, 250, 5000, 15_000];
// Phoenix.Buckets: the reference labels phoenix_* series with its endpoint module.
const ENDPOINT = 'RealtimeWeb.Endpoint';
const PHOENIX_BUCKETS_MS = [10, 100, 500, 1000, 5000, 10_000];
// The reference's serializer modules per vsn, as its phoenix_socket_connected series name them.
const SERIALIZERS: Record<Vsn, string> = { '1.0.0': 'Elixir.Phoenix.Socket.V1.JSONSerializer', '2.0.0': 'Elixir.RealtimeWeb.Socket.V2Serializer' };

type TallyKey = Exclude<keyof TenantTally, 'connections'>;
/** Counters summed from the tallies at scrape time: [tally field, per-tenant name, global name, what]. */
const TALLIED: Array<[TallyKey, string, string, string]> = [
  ['joins', 'realtime_channel_joins', 'realtime_channel_global_joins', 'join attempts past the tenant checks'],
  ['events', 'realtime_channel_events', 'realtime_channel_global_events', 'broadcasts published from sockets and REST'],
  ['presenceEvents', 'realtime_channel_presence_events', 'realtime_channel_global_presence_events', 'presence tracks/untracks received and presence diffs delivered'],
  ['dbEvents', 'realtime_channel_db_events', 'realtime_channel_global_db_events', 'Postgres changes delivered to channels'],
  ['inputBytes', 'realtime_channel_input_bytes', 'realtime_channel_global_input_bytes', 'WebSocket frame bytes received'],
  ['outputBytes', 'realtime_channel_output_bytes', 'realtime_channel_global_output_bytes', 'WebSocket frame bytes sent'],
];

export interface ReferenceMetrics {
  tenant(externalId: string): TenantTally;
  payloadSize(bytes: number, tenant: string, type: PayloadType): void;
  authorizationCheck(kind: 'read' | 'write', seconds: number, tenant: string): void;
  replay(tenant: string, seconds: number): void;
  channelJoined: { ok(): void; error(tenant: string, code: string): void };
  socketConnected(result: 'ok' | 'error', vsn: Vsn, seconds: number): void;
  fanoutDelivery(hit: boolean): void;
}

export interface PruneOptions {
  now?: () => number;
  /** A tenant without sockets here for this long loses its per-tenant series (the reference's MetricsCleaner: 10 min). */
  vacantMs?: number;
}

export function promReferenceMetrics(registry: Registry, prune: PruneOptions = {}): ReferenceMetrics {
  const { now = Date.now, vacantMs = 600_000 } = prune;
  const registers = [registry];
  const tallies = new Map<string, TenantTally>();
  /** When each tenant without sockets was first seen so at a scrape. */
  const vacantSince = new Map<string, number>();
  /** What pruned tenants had counted: the global counters must not go back. */
  const retired = newTally();
  /** Error codes per tenant, to remove its realtime_channel_error series (prom-client removes exact label sets only). */
  const errorCodes = new Map<string, Set<string>>();

  // Registered first, so pruning runs before the other series of the same scrape are collected.
  new client.Gauge({
    name: 'realtime_connections_connected', help: 'WebSockets of the tenant open on this gateway (reference name)', labelNames: ['tenant'], registers,
    collect() {
      pruneVacant();
      this.reset();
      for (const [tenant, tally] of tallies) if (tally.connections > 0) this.set({ tenant }, tally.connections);
    },
  });

  for (const [key, perTenant, global, what] of TALLIED) {
    new client.Counter({
      name: perTenant, help: `Per tenant: ${what} (reference name)`, labelNames: ['tenant'], registers,
      collect() {
        this.reset();
        for (const [tenant, tally] of tallies) this.inc({ tenant }, tally[key]);
      },
    });
    new client.Counter({
      name: global, help: `All tenants: ${what} (reference name)`, registers,
      collect() {
        this.reset();
        let sum = retired[key];
        for (const tally of tallies.values()) sum += tally[key];
        this.inc(sum);
      },
    });
  }
  const tenantPayload = new client.Histogram({ name: 'realtime_tenants_payload_size', help: 'Inbound broadcast and presence payload bytes, per tenant (reference name)', labelNames: ['tenant', 'message_type'], buckets: PAYLOAD_BUCKETS, registers });
  const globalPayload = new client.Histogram({ name: 'realtime_payload_size', help: 'Inbound broadcast and presence payload bytes (reference name)', labelNames: ['message_type'], buckets: PAYLOAD_BUCKETS, registers });
  for (const message_type of ['broadcast', 'presence']) globalPayload.zero({ message_type });
  const checks = {
    read: new client.Histogram({ name: 'realtime_tenants_read_authorization_check', help: 'Private channel read policy checks, ms (reference name)', labelNames: ['tenant'], buckets: CHECK_BUCKETS_MS, registers }),
    write: new client.Histogram({ name: 'realtime_tenants_write_authorization_check', help: 'Private channel write policy checks, ms (reference name)', labelNames: ['tenant'], buckets: CHECK_BUCKETS_MS, registers }),
  };
  const replay = new client.Histogram({ name: 'realtime_tenants_replay', help: 'Replay queries of joins, ms (reference name)', labelNames: ['tenant'], buckets: CHECK_BUCKETS_MS, registers });
  const channelError = new client.Counter({ name: 'realtime_channel_error', help: 'Joins refused, by error code, per tenant (reference name)', labelNames: ['code', 'tenant'], registers });
  const globalError = new client.Counter({ name: 'realtime_channel_global_error', help: 'Joins refused, by error code (reference name)', labelNames: ['code'], registers });
  const joined = new client.Counter({ name: 'phoenix_channel_joined_total', help: 'Joins answered, by result (reference name)', labelNames: ['result', 'transport', 'endpoint'], registers });
  const joinedOk = joined.labels({ result: 'ok', transport: 'websocket', endpoint: ENDPOINT });
  const joinedError = joined.labels({ result: 'error', transport: 'websocket', endpoint: ENDPOINT });
  joinedOk.inc(0);
  joinedError.inc(0);
  const connected = new client.Histogram({
    name: 'phoenix_socket_connected_duration_milliseconds', help: 'Connect checks of WebSocket upgrades, ms, by result (reference name)',
    labelNames: ['result', 'transport', 'endpoint', 'serializer'], buckets: PHOENIX_BUCKETS_MS, registers,
  });
  // Plain numbers: counted for every broadcast a gateway reads, read at scrape.
  const fanout = { true: 0, false: 0 };
  new client.Counter({
    name: 'realtime_broadcast_global_fanout_node_delivery_total', labelNames: ['hit'], registers,
    help: 'Broadcasts handed to this gateway\'s fan-out, hit=true when the tenant had a socket here (reference name)',
    collect() {
      this.reset();
      this.inc({ hit: 'true' }, fanout.true);
      this.inc({ hit: 'false' }, fanout.false);
    },
  });

  function pruneVacant(): void {
    const at = now();
    for (const [tenant, tally] of tallies) {
      if (tally.connections > 0) vacantSince.delete(tenant);
      else if (!vacantSince.has(tenant)) vacantSince.set(tenant, at);
      else if (at - vacantSince.get(tenant)! >= vacantMs) forget(tenant, tally);
    }
  }

  function forget(tenant: string, tally: TenantTally): void {
    for (const [key] of TALLIED) retired[key] += tally[key];
    tallies.delete(tenant);
    vacantSince.delete(tenant);
    for (const message_type of ['broadcast', 'presence']) tenantPayload.remove({ tenant, message_type });
    for (const h of [checks.read, checks.write, replay]) h.remove({ tenant });
    for (const code of errorCodes.get(tenant) ?? []) channelError.remove({ code, tenant });
    errorCodes.delete(tenant);
  }

  // Every per-tenant series goes through here, so the tenant is pruned with all of them.
  function tallyOf(externalId: string): TenantTally {
    let tally = tallies.get(externalId);
    if (!tally) tallies.set(externalId, (tally = newTally()));
    return tally;
  }

  return {
    tenant: tallyOf,
    payloadSize(bytes, tenant, message_type) {
      tallyOf(tenant);
      tenantPayload.observe({ tenant, message_type }, bytes);
      globalPayload.observe({ message_type }, bytes);
    },
    authorizationCheck(kind, seconds, tenant) {
      tallyOf(tenant);
      checks[kind].observe({ tenant }, seconds * 1000);
    },
    replay(tenant, seconds) {
      tallyOf(tenant);
      replay.observe({ tenant }, seconds * 1000);
    },
    socketConnected: (result, vsn, seconds) => connected.observe({ result, transport: 'websocket', endpoint: ENDPOINT, serializer: SERIALIZERS[vsn] }, seconds * 1000),
    fanoutDelivery: (hit) => void (hit ? fanout.true++ : fanout.false++),
    channelJoined: {
      ok: () => joinedOk.inc(),
      error(tenant, code) {
        joinedError.inc();
        tallyOf(tenant);
        channelError.inc({ code, tenant });
        let codes = errorCodes.get(tenant);
        if (!codes) errorCodes.set(tenant, (codes = new Set()));
        codes.add(code);
        globalError.inc({ code });
      },
    },
  };
}

/**
 * phoenix_connections_{total,max} of the gateway's HTTP server: every open TCP connection
 * (WebSocket or HTTP keep-alive), like Ranch's all_connections, and the limit past which an
 * upgrade is refused (GATEWAY_MAX_CONNECTIONS, counted in WebSockets).
 */
export function promServerConnections(registry: Registry, maxConnections: number, server: { on(event: 'connection', l: (s: { once(e: 'close', l: () => void): unknown }) => void): unknown }): void {
  let open = 0;
  server.on('connection', (socket) => {
    open++;
    socket.once('close', () => open--);
  });
  const registers = [registry];
  new client.Gauge({ name: 'phoenix_connections_total', help: 'TCP connections open on the HTTP server, WebSocket or HTTP (reference name)', registers, collect() { this.set(open); } });
  new client.Gauge({
    name: 'phoenix_connections_max', help: 'GATEWAY_MAX_CONNECTIONS: WebSockets past which an upgrade is refused (reference name)', registers,
    collect() { this.set(maxConnections); },
  });
}
