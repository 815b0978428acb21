// Samples a tenant's replication slot lag on the worker that replicates the tenant: at once, then
// every `intervalMs`, until stop(). A failed sample keeps the last value and is logged once per
// streak of failures (ReplicationSlotLagCheckSkipped), not every interval.
import type { Logger } from '@realtime/log';
import { ErrorCodes } from '@realtime/errors';
import type { SlotLagReader } from './ports.ts';

export interface SlotLagSamplerOptions {
  reader: SlotLagReader;
  intervalMs: number;
  onLag(bytes: number): void;
  log: Logger;
}

export function startSlotLagSampler(o: SlotLagSamplerOptions): { stop(): Promise<void> } {
  let stopped = false;
  let failing = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const sample = async () => {
    try {
      const bytes = await o.reader.read();
      if (bytes !== null && !stopped) o.onLag(Math.max(0, bytes));
      failing = false;
    } catch (err) {
      if (!failing) o.log.warn({ code: ErrorCodes.ReplicationSlotLagCheckSkipped, err: String(err) }, 'slot lag not measured; retried next interval');
      failing = true;
    }
  };
  const next = (delay: number) => {
    timer = setTimeout(() => {
      running = sample().finally(() => void (stopped || next(o.intervalMs)));
    }, delay);
  };
  next(0);
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
      await o.reader.close();
    },
  };
}
