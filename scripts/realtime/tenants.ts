// `realtime tenants list|get|create|update|delete|reload` over tenant-admin's management API
// (docs/PROTOCOL.md §8), plus `import` (import.ts). The URL and admin token come from --url/--token, else
// $TENANT_ADMIN_URL/$ADMIN_TOKEN, else the local stack's stack.json. An HTTP error answer is a
// failure (exit 1) with the status and the server's message on stderr.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { runTenants } from './import.ts';
import { CommandFailed, message, UsageError, type CliIo } from './io.ts';

// An answer body echoed on failure (422 field errors) is capped so a misbehaving server cannot flood.
const MAX_ERROR_TEXT = 2000;
// A tenant body is a few kB; the server refuses more than 1 MB, so a larger file is a mistake.
const MAX_BODY_BYTES = 1024 * 1024;

interface ApiOptions { url?: string; token?: string; json?: boolean }
interface Api { url: string; token: string }

export function addTenantsCommand(program: Command, io: CliIo, done: (code: number) => void): void {
  const tenants = program.command('tenants').summary('list, show, create, update, delete, reload or import tenants')
    .description('Tenants through tenant-admin\'s management API (/api/tenants).');
  const api = (cmd: Command) => cmd
    .option('--url <url>', 'tenant-admin base URL (default: $TENANT_ADMIN_URL, else .realtime/stack.json)')
    .option('--token <jwt>', 'admin token (default: $ADMIN_TOKEN, else .realtime/stack.json; see `realtime token admin`)')
    .option('--json', 'print the API\'s JSON instead of text');

  api(tenants.command('list').description('every tenant, one per line: external_id and name'))
    .action(async (opts: ApiOptions) => {
      const { data } = (await call(io, opts, 'GET', '/api/tenants')) as { data: Array<Record<string, unknown>> };
      if (opts.json) io.out(`${JSON.stringify(data)}\n`);
      else for (const t of data) io.out(`${String(t.external_id)}\t${String(t.name ?? '')}\n`);
      done(0);
    });
  api(tenants.command('get').description('one tenant as JSON (secrets are never returned)').argument('<id>', 'external_id'))
    .action(async (id: string, opts: ApiOptions) => {
      const { data } = (await call(io, opts, 'GET', tenantPath(id))) as { data: unknown };
      io.out(`${JSON.stringify(data, null, opts.json ? undefined : 2)}\n`);
      done(0);
    });
  api(tenants.command('create').description('create (or update) the tenant in a JSON file: {"tenant":{…}} or the tenant object')
    .requiredOption('--file <file.json>', 'the tenant, with external_id, jwt_secret and extensions'))
    .action(async (opts: ApiOptions & { file: string }) => {
      const tenant = readTenantFile(opts.file);
      if (typeof tenant.external_id !== 'string' || tenant.external_id === '') throw new UsageError(`${opts.file}: external_id is required`);
      done(await upsert(io, opts, 'POST', '/api/tenants', tenant.external_id, tenant));
    });
  api(tenants.command('update').description('update (or create) tenant <id> from a JSON file, as PUT /api/tenants/<id>')
    .argument('<id>', 'external_id').requiredOption('--file <file.json>', 'the tenant fields'))
    .action(async (id: string, opts: ApiOptions & { file: string }) => done(await upsert(io, opts, 'PUT', tenantPath(id), id, readTenantFile(opts.file))));
  api(tenants.command('delete').description('delete a tenant: disconnects its sockets, stops CDC, drops its slot').argument('<id>', 'external_id'))
    .action(async (id: string, opts: ApiOptions) => {
      await call(io, opts, 'DELETE', tenantPath(id));
      io.out(opts.json ? `${JSON.stringify({ external_id: id, result: 'deleted' })}\n` : `${id} deleted\n`);
      done(0);
    });
  api(tenants.command('reload').description('drop cached state of a tenant everywhere (its sockets reconnect)').argument('<id>', 'external_id'))
    .action(async (id: string, opts: ApiOptions) => {
      await call(io, opts, 'POST', `${tenantPath(id)}/reload`);
      io.out(opts.json ? `${JSON.stringify({ external_id: id, result: 'reloaded' })}\n` : `${id} reloaded\n`);
      done(0);
    });
  // The import command keeps its own argument parser and usage text (import-args.ts).
  tenants.command('import').description('tenants exported from a Supabase Realtime deployment (import --help)')
    .helpOption(false).allowUnknownOption().allowExcessArguments().argument('[args...]')
    .action(async (args: string[]) => done(await runTenants(['import', ...args])));
}

const tenantPath = (id: string) => `/api/tenants/${encodeURIComponent(id)}`;

async function upsert(io: CliIo, opts: ApiOptions, method: string, path: string, id: string, tenant: Record<string, unknown>): Promise<number> {
  const { status, body } = await request(resolveApi(io, opts), method, path, { tenant });
  if (opts.json) io.out(`${JSON.stringify({ external_id: id, result: status === 201 ? 'created' : 'updated', data: (body as { data?: unknown }).data })}\n`);
  else io.out(`${id} ${status === 201 ? 'created' : 'updated'}\n`);
  return 0;
}

async function call(io: CliIo, opts: ApiOptions, method: string, path: string): Promise<unknown> {
  return (await request(resolveApi(io, opts), method, path)).body;
}

export function resolveApi(io: CliIo, opts: ApiOptions): Api {
  let url = opts.url ?? io.env.TENANT_ADMIN_URL;
  let token = opts.token ?? io.env.ADMIN_TOKEN;
  if (!url || !token) {
    const local = io.stack();
    url ??= local?.tenantAdmin;
    token ??= local?.adminToken;
  }
  if (!url) throw new UsageError('no tenant-admin URL: pass --url, set TENANT_ADMIN_URL, or start the local stack (npm start)');
  if (!token) throw new UsageError('no admin token: pass --token, set ADMIN_TOKEN, or start the local stack (npm start)');
  return { url: url.replace(/\/+$/, ''), token };
}

export async function request(api: Api, method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
  let res: Response;
  try {
    res = await fetch(`${api.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${api.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(60_000),
    });
  } catch (err) {
    throw new CommandFailed(`${method} ${api.url}${path} failed: ${message((err as { cause?: unknown }).cause ?? err)}`);
  }
  const text = await res.text();
  if (!res.ok) {
    const why = res.status === 404 ? 'not found' : res.status === 403 ? 'forbidden (is the admin token signed with API_JWT_SECRET?)' : '';
    throw new CommandFailed(`${method} ${path}: ${res.status}${why ? ` ${why}` : ''}${text ? ` ${text.slice(0, MAX_ERROR_TEXT)}` : ''}`);
  }
  try {
    return { status: res.status, body: text ? JSON.parse(text) : null };
  } catch {
    throw new CommandFailed(`${method} ${path}: ${res.status} with a body that is not JSON`);
  }
}

function readTenantFile(file: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    const text = readFileSync(file, 'utf8');
    if (text.length > MAX_BODY_BYTES) throw new Error(`more than ${MAX_BODY_BYTES} bytes`);
    parsed = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${message(err)}`);
  }
  const tenant = isObject(parsed) && isObject(parsed.tenant) ? parsed.tenant : parsed;
  if (!isObject(tenant)) throw new UsageError(`${file}: expected a JSON object, {"tenant":{…}} or the tenant itself`);
  return tenant;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
