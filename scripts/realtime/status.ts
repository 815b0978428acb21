// `realtime status`: one screen of a deployment. Services up (tenant-admin and each gateway's
// /healthcheck), tenants with their health and replication slot lag (the management API), the
// tenants the ratelimiter throttles (realtime.limits), and the lag of every consumer group that
// commits offsets on the realtime topics (presence-service, ratelimiter). Exit 1 when a service is
// down or a part could not be read, so it also works as a smoke check in scripts.
import type { Command } from 'commander';
import { createKafka, defaultTopicPrefix, groupLags } from '@realtime/kafka';
import { createLogger } from '@realtime/log';
import { kafkaTarget, message, type CliIo } from './io.ts';
import { formatBytes, readSlots, type TenantSlot } from './slots.ts';
import { request, resolveApi } from './tenants.ts';
import { readThrottles, type Throttle } from './throttles.ts';

// Tenant health is one request per tenant: past this many, only the count is shown.
const MAX_TENANT_HEALTH = 50;

export interface Status {
  services: Array<{ name: string; url: string; up: boolean; error?: string }>;
  tenants: { count: number; health: Array<{ external_id: string; healthy?: boolean; db_connected?: boolean; replication_connected?: boolean; error?: string }> } | { error: string };
  consumerLag: Array<{ group: string; topic: string; lag: number }> | { error: string };
  /** Replication slots of the tenants whose health is shown. */
  slots: TenantSlot[] | { error: string };
  throttled: Throttle[] | { error: string };
}

interface StatusOptions { url?: string; token?: string; gateway?: string[]; brokers?: string; topicPrefix?: string; json?: boolean }

export function addStatusCommand(program: Command, io: CliIo, done: (code: number) => void): void {
  program.command('status')
    .description('Services up, tenants with their health and slot lag, throttled tenants, consumer group lag. Exit 1 when anything is down or unreadable.')
    .option('--url <url>', 'tenant-admin base URL (default: $TENANT_ADMIN_URL, else .realtime/stack.json)')
    .option('--token <jwt>', 'admin token (default: $ADMIN_TOKEN, else .realtime/stack.json)')
    .option('--gateway <url...>', 'gateway base URLs to check (default: gateways of .realtime/stack.json)')
    .option('--brokers <list>', 'host:port,… (default: $KAFKA_BROKERS, else .realtime/stack.json)')
    .option('--topic-prefix <p>', `whose topics count (default: $KAFKA_TOPIC_PREFIX, else the local stack's, else "${defaultTopicPrefix}")`)
    .option('--json', 'print the status as JSON')
    .action(async (opts: StatusOptions) => {
      const status = await readStatus(opts, io);
      io.out(opts.json ? `${JSON.stringify(status)}\n` : formatStatus(status));
      done(isHealthy(status) ? 0 : 1);
    });
}

export function isHealthy(s: Status): boolean {
  return s.services.every((x) => x.up) && [s.tenants, s.consumerLag, s.slots, s.throttled].every((part) => !('error' in part));
}

export function formatStatus(s: Status): string {
  const lines = ['services'];
  for (const x of s.services) lines.push(`  ${x.up ? 'up  ' : 'DOWN'}  ${x.name.padEnd(14)} ${x.url}${x.error ? `  (${x.error})` : ''}`);
  if ('error' in s.tenants) lines.push(`tenants: cannot read (${s.tenants.error})`);
  else {
    lines.push(`tenants: ${s.tenants.count}`);
    for (const t of s.tenants.health) {
      lines.push(t.error ? `  ?     ${t.external_id}  (${t.error})`
        : `  ${t.healthy ? 'ok   ' : 'UNHEALTHY'.padEnd(5)} ${t.external_id}  db ${t.db_connected ? 'connected' : 'not connected'}, replication ${t.replication_connected ? 'connected' : 'not connected'}`);
    }
    if (s.tenants.count > s.tenants.health.length) lines.push(`  … health of the first ${s.tenants.health.length} only`);
  }
  if ('error' in s.slots) lines.push(`replication slots: cannot read (${s.slots.error})`);
  else {
    lines.push('replication slots');
    if (s.slots.length === 0) lines.push('  none');
    for (const x of s.slots) {
      lines.push(x.error ? `  ?         ${x.tenant}  (${x.error})`
        : x.slot_name ? `  ${formatBytes(x.lag_bytes).padStart(10)}  ${x.tenant}  ${x.active ? 'active' : 'INACTIVE'}` : `  ${'-'.padStart(10)}  ${x.tenant}  no slot`);
    }
  }
  if ('error' in s.throttled) lines.push(`throttled tenants: cannot read (${s.throttled.error})`);
  else {
    lines.push(`throttled tenants: ${s.throttled.length === 0 ? 'none' : s.throttled.length}`);
    for (const x of s.throttled) lines.push(`  ${x.tenant}  ${x.limit}  ${x.rate.toFixed(1)}/s over ${x.max}/s${x.until ? ` until ${x.until}` : ''}`);
  }
  if ('error' in s.consumerLag) lines.push(`consumer lag: cannot read (${s.consumerLag.error})`);
  else {
    lines.push('consumer lag (groups that commit)');
    if (s.consumerLag.length === 0) lines.push('  none');
    for (const l of s.consumerLag) lines.push(`  ${String(l.lag).padStart(8)}  ${l.group}  ${l.topic}`);
  }
  return `${lines.join('\n')}\n`;
}

async function readStatus(opts: StatusOptions, io: CliIo): Promise<Status> {
  const local = io.stack();
  const api = resolveApi(io, opts);
  const gateways = opts.gateway ?? local?.gateways ?? [];
  const services = await Promise.all([
    health('tenant-admin', api.url),
    ...gateways.map((url, i) => health(`gateway ${i + 1}`, url.replace(/\/+$/, ''))),
  ]);
  const [tenants, lag, throttled] = await Promise.all([tenantHealth(api), groupLag(opts, io), throttles(opts, io)]);
  const slots = 'error' in tenants ? { error: 'no tenants read' } : await readSlots(api, tenants.health.map((t) => t.external_id));
  return { services, tenants, consumerLag: lag, slots, throttled };
}

async function throttles(opts: StatusOptions, io: CliIo): Promise<Status['throttled']> {
  const { brokers, prefix } = kafkaTarget(opts, io);
  if (brokers.length === 0) return { error: 'no Kafka brokers: pass --brokers, set KAFKA_BROKERS, or start the local stack' };
  try {
    return await readThrottles(brokers, prefix ?? defaultTopicPrefix, cliLogger(io));
  } catch (err) {
    return { error: `Kafka at ${brokers.join(',')}: ${message(err)}` };
  }
}

const cliLogger = (io: CliIo) => createLogger({ service: 'realtime-cli', level: io.env.LOG_LEVEL ?? 'warn', destination: process.stderr });

async function health(name: string, url: string): Promise<Status['services'][number]> {
  try {
    const res = await fetch(`${url}/healthcheck`, { signal: AbortSignal.timeout(5000) });
    return res.ok ? { name, url, up: true } : { name, url, up: false, error: `healthcheck ${res.status}` };
  } catch (err) {
    return { name, url, up: false, error: message((err as { cause?: unknown }).cause ?? err) };
  }
}

async function tenantHealth(api: { url: string; token: string }): Promise<Status['tenants']> {
  try {
    const { data } = (await request(api, 'GET', '/api/tenants')).body as { data: Array<{ external_id: string }> };
    const health = await Promise.all(data.slice(0, MAX_TENANT_HEALTH).map(async ({ external_id }) => {
      try {
        const h = (await request(api, 'GET', `/api/tenants/${encodeURIComponent(external_id)}/health`)).body as { data: { healthy: boolean; db_connected: boolean; replication_connected: boolean } };
        return { external_id, healthy: h.data.healthy, db_connected: h.data.db_connected, replication_connected: h.data.replication_connected };
      } catch (err) {
        return { external_id, error: message(err) };
      }
    }));
    return { count: data.length, health };
  } catch (err) {
    return { error: message(err) };
  }
}

async function groupLag(opts: StatusOptions, io: CliIo): Promise<Status['consumerLag']> {
  const { brokers, prefix } = kafkaTarget(opts, io);
  if (brokers.length === 0) return { error: 'no Kafka brokers: pass --brokers, set KAFKA_BROKERS, or start the local stack' };
  const admin = createKafka({ brokers, clientId: 'realtime-cli', logger: cliLogger(io), kafkaLogLevel: 'error' }).admin();
  try {
    await admin.connect();
    return await groupLags(admin, prefix ?? defaultTopicPrefix);
  } catch (err) {
    return { error: `Kafka at ${brokers.join(',')}: ${message(err)}` };
  } finally {
    await admin.disconnect().catch(() => {});
  }
}
