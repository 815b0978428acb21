// Postgres Changes helpers for the end-to-end tests: the tenant database as its superuser once
// tenant-admin's migrations made the publication (ingest-cdc's slot: waitForSlotStreaming in cdc.ts), and a channel subscribed to changes the way
// an app does it (on('postgres_changes') … subscribe), ready once the server said so.
import pg from 'pg';
import { expect } from 'vitest';
import type { RealtimeChannel } from '@supabase/supabase-js';
import { waitFor } from '@realtime/testing';
import { subscribed } from './fixture.ts';

/** The callback type realtime-js declares is a union; tests read rows loosely. */
export const asChange = (p: unknown) => p as Change;

export async function tenantDb(url: string): Promise<pg.Client> {
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  await waitFor(async () => expect((await db.query(`SELECT 1 FROM pg_publication WHERE pubname = 'supabase_realtime'`)).rowCount).toBe(1), { timeout: 30_000 });
  return db;
}

/** What a postgres_changes callback receives (realtime-js's payload, rows loosely typed). */
export interface Change {
  schema: string;
  table: string;
  commit_timestamp: string;
  eventType: 'INSERT' | 'UPDATE' | 'DELETE';
  new: Record<string, any>;
  old: Record<string, any>;
  errors: string[] | null;
}

/** Subscribes and resolves once the server reported `Subscribed to PostgreSQL` (or rejects with its error). */
export async function changesReady(channel: RealtimeChannel, timeoutMs = 15_000): Promise<void> {
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no postgres_changes system message')), timeoutMs);
    channel.on('system', {}, (msg: { extension?: string; status?: string; message?: string }) => {
      if (msg.extension !== 'postgres_changes') return;
      clearTimeout(timer);
      if (msg.status === 'ok') resolve();
      else reject(new Error(msg.message));
    });
  });
  await subscribed(channel);
  await ready;
}
