// The postgres_changes event payload realtime-js expects (docs/PROTOCOL.md §6 "Event frame"): `ids` of the
// matching bindings and `data` with commit_timestamp in UTC with milliseconds and `Z`, columns,
// record (INSERT/UPDATE), old_record (UPDATE/DELETE) and errors.
export interface ChangeLike {
  schema: string;
  table: string;
  type: string;
  /** Microseconds since the Unix epoch. */
  commit_timestamp: number;
  columns: Array<{ name: string; type: string }>;
  record_json: string | null;
  old_record_json: string | null;
  pk_columns: string[];
  truncated: boolean;
}

export interface PayloadOptions {
  /** Keep only these columns (the primary key is always kept). */
  select?: string[] | null;
  /** Columns the subscriber's role may SELECT (column privileges); undefined = all. */
  visibleColumns?: Set<string>;
  /** DELETE on an RLS table: old_record carries only the primary key. */
  rlsDelete?: boolean;
}

export function commitTimestamp(us: number): string {
  return new Date(Math.floor(us / 1000)).toISOString();
}

export function changePayload(ids: number[], c: ChangeLike, o: PayloadOptions = {}) {
  const keep = (name: string) =>
    (o.visibleColumns === undefined || o.visibleColumns.has(name)) && (!o.select || o.select.includes(name) || c.pk_columns.includes(name));
  const base = { schema: c.schema, table: c.table, commit_timestamp: commitTimestamp(c.commit_timestamp), type: c.type };
  if (o.visibleColumns && c.pk_columns.some((k) => !o.visibleColumns!.has(k))) {
    return { ids, data: { schema: c.schema, table: c.table, type: c.type, errors: ['Error 401: Unauthorized'] } };
  }
  const pick = (json: string | null, only?: string[]) => {
    const row = json ? (JSON.parse(json) as Record<string, unknown>) : {};
    return Object.fromEntries(Object.entries(row).filter(([k]) => keep(k) && (!only || only.includes(k))));
  };
  const data: Record<string, unknown> = { ...base, columns: c.columns.filter((col) => keep(col.name)).map(({ name, type }) => ({ name, type })) };
  if (c.type === 'INSERT' || c.type === 'UPDATE') data.record = pick(c.record_json);
  if (c.type === 'UPDATE' || c.type === 'DELETE') data.old_record = pick(c.old_record_json, c.type === 'DELETE' && o.rlsDelete ? c.pk_columns : undefined);
  const errors = c.pk_columns.length === 0 && c.type !== 'TRUNCATE' ? ['Error 400: Bad Request, no primary key'] : c.truncated ? ['Error 413: Payload Too Large'] : null;
  data.errors = errors;
  return { ids, data };
}
