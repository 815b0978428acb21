// Subscribing a joined channel to Postgres Changes (docs/PROTOCOL.md §3.5, §6): its bindings are parsed, then
// checked against the tenant database the way the reference's realtime.subscription trigger does
// (the table is in the publication, filter columns exist, are SELECTable by the role and their
// values cast). The outcome reaches the client as a `system` message. Parameter errors are final;
// database errors are retried after 5–10 s while the channel stays joined.
import { ErrorCodes, type ErrorCode } from '@realtime/errors';
import type { TableInfo, TenantDatabase } from '../../ports.ts';
import type { Channel } from '../channels/connection.ts';
import { parseBindings, type Binding } from './bindings.ts';
import { validateFilters } from './matcher.ts';
import { messageOf } from '../base/messages.ts';

export type SubscribeOutcome =
  | { ok: true; bindings: Binding[] }
  | { ok: false; final: boolean; code: ErrorCode; message: string };

// The reference's parameter list (docs/PROTOCOL.md §3.5), values printed as Elixir's inspect does: filters
// as tuples, `select` as a list of names or nil when the binding has none.
const describe = (b: Binding) =>
  `[event: ${b.event}, schema: ${b.schema}, table: ${b.table}, filters: [${b.filters.map((f) => `{"${f.column}", "${f.negate ? 'not.' : ''}${f.op}", ${JSON.stringify(f.value)}}`).join(', ')}], select: ${b.select ? `[${b.select.map((c) => JSON.stringify(c)).join(', ')}]` : 'nil'}]`;

const paramError = (message: string): SubscribeOutcome => ({ ok: false, final: true, code: ErrorCodes.UnableToSubscribeToPostgres, message });

/** Checks the channel's bindings; never throws. */
export async function checkSubscription(db: TenantDatabase | null, channel: Channel, rawBindings: unknown): Promise<SubscribeOutcome> {
  const parsed = parseBindings(rawBindings);
  if (!parsed.ok) return paramError(parsed.error);
  if (!db) return { ok: false, final: true, code: ErrorCodes.UnableToConnectToProject, message: messageOf(ErrorCodes.UnableToConnectToProject) };
  const role = typeof channel.claims.role === 'string' ? channel.claims.role : 'anon';
  // Bindings of one channel often name the same table: ask the tenant database once per table.
  const published = new Map<string, Promise<TableInfo[]>>();
  const publishedTables = (schema: string, table: string) => {
    const key = `${schema}\u0000${table}`;
    let tables = published.get(key);
    if (!tables) published.set(key, (tables = db.publishedTables(schema, table)));
    return tables;
  };
  try {
    for (const b of parsed.bindings) {
      const tables = await publishedTables(b.schema, b.table);
      if (tables.length === 0) {
        return paramError(`Unable to subscribe to changes with given parameters. Please check Realtime is enabled for the given connect parameters: ${describe(b)}`);
      }
      if (b.filters.length === 0 && !b.select) continue;
      for (const t of tables) {
        const problem = validateFilters(b.filters, t.columns) ?? (await unselectable(db, b, t.schema, t.table, role)) ?? unknownSelect(b, t.columns);
        if (problem) {
          return paramError(`Unable to subscribe to changes with given parameters. An exception happened so please check your connect parameters: ${describe(b)}. Exception: ${problem}`);
        }
      }
    }
  } catch (err) {
    const e = err as { code?: string; message?: string };
    const code = e.code === ErrorCodes.DatabaseLackOfConnections ? ErrorCodes.DatabaseLackOfConnections : ErrorCodes.UnableToConnectToProject;
    return { ok: false, final: false, code, message: messageOf(ErrorCodes.UnableToConnectToProject) };
  }
  return { ok: true, bindings: parsed.bindings };
}

async function unselectable(db: TenantDatabase, b: Binding, schema: string, table: string, role: string): Promise<string | null> {
  const allowed = await db.selectableColumns(schema, table, role);
  const denied = b.filters.find((f) => !allowed.has(f.column));
  return denied ? `invalid column for filter ${denied.column}` : null;
}

function unknownSelect(b: Binding, columns: Array<{ name: string }>): string | null {
  const missing = b.select?.find((c) => !columns.some((col) => col.name === c));
  return missing ? `invalid column for select ${missing}` : null;
}
