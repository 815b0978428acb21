// Drops ChangeEvents a restarted ingest-cdc replays (docs/ARCHITECTURE.md "Delivery guarantees"). A tenant's
// events arrive in commit order on one partition, and a replay always starts again at the slot's
// confirmed position, so a per-tenant watermark of (commit LSN, seq) is enough: anything at or
// below it was delivered already.
import type { TenantDbSettings } from '@realtime/schemas';

export interface ChangePosition {
  tenant: string;
  commit_lsn_num: number;
  seq: number;
}

export class ChangeDedupe {
  readonly #watermarks = new Map<string, { lsn: number; seq: number }>();

  /** True the first time a position is seen; false for a replayed duplicate. */
  accept(e: ChangePosition): boolean {
    const mark = this.#watermarks.get(e.tenant);
    if (mark && (e.commit_lsn_num < mark.lsn || (e.commit_lsn_num === mark.lsn && e.seq <= mark.seq))) return false;
    this.#watermarks.set(e.tenant, { lsn: e.commit_lsn_num, seq: e.seq });
    return true;
  }

  forget(tenant: string): void {
    this.#watermarks.delete(tenant);
  }
}

/**
 * Does a tenant's new snapshot point at another database (host, port or name)? Its slot and LSNs
 * are then new, so the old watermark would drop its changes as "already seen".
 */
export function databaseMoved(prev: TenantDbSettings | null, next: TenantDbSettings | null): boolean {
  if (!prev || !next) return prev !== next;
  return prev.host !== next.host || prev.port !== next.port || prev.database !== next.database;
}
