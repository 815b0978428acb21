// Shared e2e set-up: a stack of service processes over the suite's infrastructure, a tenant made
// through the management API, tokens, and supabase-js clients pointed at one gateway each.
import './localhost-dns.ts';
import { afterAll, beforeAll, inject } from 'vitest';
import { SignJWT } from 'jose';
import { randomBytes } from 'node:crypto';
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import type { RealtimeChannel } from '@supabase/supabase-js';
import { startStack, waitForTenant, type Stack, type StackOptions } from '@realtime/testing/stack';
import { createSupabaseDatabase } from '@realtime/testing/supabase-db';

export interface TenantInfo {
  externalId: string;
  jwtSecret: string;
  dbUrl: string;
}

export async function startE2eStack(options: Omit<StackOptions, 'infra'> & { infra?: Partial<StackOptions['infra']> } = {}): Promise<Stack> {
  const { infra: override, ...rest } = options;
  return startStack({ gateways: 2, ...rest, infra: { ...inject('infra'), ...override } });
}

export function adminToken(stack: Stack): Promise<string> {
  return new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('1h').sign(new TextEncoder().encode(stack.apiJwtSecret));
}

export async function adminFetch(stack: Stack, path: string, init: { method?: string; body?: unknown; token?: string } = {}): Promise<Response> {
  return fetch(`${stack.admin.url}${path}`, {
    method: init.method ?? 'GET',
    headers: { authorization: `Bearer ${init.token ?? (await adminToken(stack))}`, 'content-type': 'application/json' },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
}

/**
 * `pgUrl`: the Postgres server of the tenant's database (the suite's by default). Replication slot
 * names are per server, so tenants that both replicate need servers of their own.
 */
export async function createTenant(stack: Stack, fields: Record<string, unknown> = {}, pgUrl = inject('infra').pgUrl): Promise<TenantInfo> {
  const externalId = `t${randomBytes(5).toString('hex')}`;
  const jwtSecret = randomBytes(24).toString('hex');
  const dbUrl = await createSupabaseDatabase(pgUrl, `${externalId}_db`);
  const res = await adminFetch(stack, '/api/tenants', { method: 'POST', body: { tenant: tenantBody(externalId, jwtSecret, dbUrl, fields) } });
  if (res.status !== 201) throw new Error(`tenant create failed: ${res.status} ${await res.text()}`);
  await waitForTenant(stack, externalId);
  return { externalId, jwtSecret, dbUrl };
}

export function tenantBody(externalId: string, jwtSecret: string, dbUrl: string, fields: Record<string, unknown> = {}) {
  const db = new URL(dbUrl);
  return {
    name: externalId,
    external_id: externalId,
    jwt_secret: jwtSecret,
    extensions: [{
      type: 'postgres_cdc_rls',
      settings: { db_host: db.hostname, db_port: db.port, db_name: db.pathname.slice(1), db_user: db.username || 'postgres', db_password: 'postgres', region: 'local' },
    }],
    ...fields,
  };
}

export function token(secret: string, claims: Record<string, unknown> = { role: 'anon' }, expiresIn: string | number = '1h'): Promise<string> {
  const jwt = new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setIssuedAt();
  if (expiresIn !== 'none') jwt.setExpirationTime(expiresIn);
  return jwt.sign(new TextEncoder().encode(secret));
}

const clients: SupabaseClient[] = [];

/** A supabase-js client of `tenant` on one gateway process, exactly as an app would create it. */
export function client(port: number, tenant: string, key: string, realtime: Record<string, unknown> = {}): SupabaseClient {
  const c = createClient(`http://${tenant}.localhost:${port}`, key, {
    auth: { persistSession: false, autoRefreshToken: false },
    realtime: { ...realtime },
  });
  clients.push(c);
  return c;
}

export async function closeClients(): Promise<void> {
  await Promise.all(clients.splice(0).map((c) => c.removeAllChannels().catch(() => undefined)));
}

export function subscribed(channel: RealtimeChannel, timeoutMs = 15_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('subscribe timed out')), timeoutMs);
    channel.subscribe((status, err) => {
      if (status === 'SUBSCRIBED') { clearTimeout(timer); resolve(); }
      else if (status === 'CHANNEL_ERROR' || status === 'TIMED_OUT' || status === 'CLOSED') {
        clearTimeout(timer);
        reject(new Error(`${status}${err ? `: ${err.message}` : ''}`));
      }
    });
  });
}

/** Collects broadcasts of one event on a channel. */
export function collect<T = unknown>(channel: RealtimeChannel, event = '*'): T[] {
  const seen: T[] = [];
  channel.on('broadcast', { event }, (msg) => void seen.push(msg as T));
  return seen;
}

export interface TenantStack {
  stack: Stack;
  tenant: TenantInfo;
  /** An `anon` token of the tenant, valid for an hour. */
  key: string;
  /** Port of gateway i. */
  port(i?: number): number;
}

/** beforeAll/afterAll of a test file: a stack, one tenant made through the API, its anon key. */
/** `infra`: overrides of the suite's infrastructure, read when the stack starts. */
export function useTenantStack(options: { gateways?: number; tenant?: Record<string, unknown>; ingestCdc?: boolean; presence?: boolean; gatewayEnv?: Record<string, string>; infra?: () => Partial<StackOptions['infra']> } = {}): TenantStack {
  const ctx = { port: (i = 0) => ctx.stack.gateways[i]!.port } as TenantStack;
  beforeAll(async () => {
    ctx.stack = await startE2eStack({ gateways: options.gateways ?? 2, ingestCdc: options.ingestCdc ?? false, presence: options.presence ?? false, gatewayEnv: options.gatewayEnv, infra: options.infra?.() });
    ctx.tenant = await createTenant(ctx.stack, options.tenant);
    ctx.key = await token(ctx.tenant.jwtSecret);
  });
  afterAll(async () => {
    await closeClients();
    await ctx.stack?.stop();
  });
  return ctx;
}
