// `realtime tenants import`: reads a reference deployment's tenant export and upserts each tenant
// through tenant-admin (PUT /api/tenants/:id). stdout gets one line per tenant, `<id> created|updated`
// or `<id> failed: <why>`; a failed tenant does not stop the others. Exit 0 / 1 (any failed) / 2.
import { readFileSync, statSync } from 'node:fs';
import { print } from '@realtime/log';
import { IMPORT_USAGE, parseImportArgs } from './import-args.ts';
import { readExport } from './import-tenants.ts';
import { readStackFile } from './stack-file.ts';

// An answer body is echoed on failure (422 field errors); cap it so a misbehaving server cannot flood.
const MAX_ERROR_TEXT = 2000;
// The whole file is parsed in memory; an export of thousands of tenants is a few MB, so a file far
// beyond that is refused before it is read rather than exhausting the operator's machine.
export const MAX_IMPORT_BYTES = 64 * 1024 * 1024;

export async function runTenants(argv: string[]): Promise<number> {
  const [sub = '', ...rest] = argv;
  if (sub !== 'import') {
    process.stderr.write(`${sub ? `unknown tenants command: ${sub}\n\n` : ''}${IMPORT_USAGE}`);
    return 2;
  }
  const parsed = parseImportArgs(rest, process.env, readStackFile);
  if (!parsed.ok && parsed.error === '') return (print(IMPORT_USAGE.trimEnd()), 0); // --help
  if (!parsed.ok) {
    process.stderr.write(`${parsed.error}\n\n${IMPORT_USAGE}`);
    return 2;
  }
  const { file, url, adminToken, keys, format } = parsed.args;
  let entries;
  try {
    const size = statSync(file).size;
    if (size > MAX_IMPORT_BYTES) throw new Error(`${size} bytes is more than the ${MAX_IMPORT_BYTES} an export can be`);
    entries = readExport(JSON.parse(readFileSync(file, 'utf8')), format, keys);
  } catch (err) {
    process.stderr.write(`cannot read ${file}: ${err instanceof Error ? err.message : String(err)}\n`);
    return 2;
  }
  let failed = 0;
  for (const { externalId, result } of entries) {
    const line = result.ok ? await upsertTenant(url, adminToken, externalId, result.body) : `failed: ${result.error}`;
    if (line.startsWith('failed')) failed++;
    print(`${externalId} ${line}`);
  }
  return failed > 0 ? 1 : 0;
}

export async function upsertTenant(url: string, adminToken: string, externalId: string, body: unknown): Promise<string> {
  try {
    const res = await fetch(`${url}/api/tenants/${encodeURIComponent(externalId)}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(60_000),
    });
    if (res.status === 201) return 'created';
    // created, but its database could not be migrated yet: tenant-admin keeps retrying
    if (res.status === 202) return 'created (database migrations pending)';
    if (res.status === 200) return 'updated';
    const text = (await res.text()).slice(0, MAX_ERROR_TEXT);
    return `failed: ${res.status}${text ? ` ${text}` : ''}`;
  } catch (err) {
    return `failed: ${err instanceof Error ? err.message : String(err)}`;
  }
}
