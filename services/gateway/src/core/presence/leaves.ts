// Presence leaves that must reach presence-service. An UNTRACK whose Kafka send failed would leave
// the member in Redis for as long as this gateway lives (NODE_DOWN only cleans up after dead
// gateways), so a failed leave is sent again with exponential backoff, a bounded number of times.
//
// Bounded: at most `maxPending` leaves wait at once (the oldest is dropped past it, logged and
// counted), each for at most `attempts` sends. A later TRACK of the same member cancels its waiting
// leave: sent after that TRACK, the old leave would remove the new presence.
import type { PresenceCommand } from '@realtime/schemas';
import type { Logger } from '@realtime/log';
import { ErrorCodes } from '@realtime/errors';
import type { Clock } from '../../ports.ts';

export interface LeaveRetryOptions {
  /** Sends of one leave, the first included. */
  attempts: number;
  firstDelayMs: number;
  maxDelayMs: number;
  maxPending: number;
}

/** About a minute of retries: longer than a broker's leader election or a short outage. */
const LEAVE_RETRY: LeaveRetryOptions = { attempts: 10, firstDelayMs: 250, maxDelayMs: 10_000, maxPending: 10_000 };

export type LeaveOutcome = 'retried' | 'sent' | 'dropped';

interface Pending {
  cancelled: boolean;
  timer: { cancel(): void } | null;
}

export interface LeaveRetryDeps {
  send(command: PresenceCommand): Promise<void>;
  clock: Clock;
  log: Logger;
  onOutcome?: (outcome: LeaveOutcome) => void;
  options?: LeaveRetryOptions;
}

export class LeaveRetries {
  readonly #pending = new Map<string, Pending>();
  readonly send: (command: PresenceCommand) => Promise<void>;
  readonly clock: Clock;
  readonly log: Logger;
  readonly onOutcome: (outcome: LeaveOutcome) => void;
  readonly options: LeaveRetryOptions;

  constructor(d: LeaveRetryDeps) {
    this.send = d.send;
    this.clock = d.clock;
    this.log = d.log;
    this.onOutcome = d.onOutcome ?? (() => {});
    this.options = d.options ?? LEAVE_RETRY;
  }

  /** Leaves waiting for another send. */
  get size(): number {
    return this.#pending.size;
  }

  /** Sends the leave of `member`; resolves after the first send, retries in the background. */
  async leave(member: string, command: PresenceCommand): Promise<void> {
    this.cancel(member);
    try {
      await this.send(command);
    } catch (err) {
      const entry: Pending = { cancelled: false, timer: null };
      this.#admit(member, entry);
      this.#retry(member, command, entry, 1, err);
    }
  }

  /** The member is tracked again: its waiting leave must not be sent any more. */
  cancel(member: string): void {
    const entry = this.#pending.get(member);
    if (!entry) return;
    entry.cancelled = true;
    entry.timer?.cancel();
    this.#pending.delete(member);
  }

  stop(): void {
    for (const member of [...this.#pending.keys()]) this.cancel(member);
  }

  #admit(member: string, entry: Pending): void {
    if (this.#pending.size >= this.options.maxPending) {
      const [oldest] = this.#pending.keys();
      this.cancel(oldest!);
      this.onOutcome('dropped');
      this.log.error({ code: ErrorCodes.UnableToHandlePresence, member: oldest, pending: this.options.maxPending }, 'too many presence leaves waiting to be sent; oldest dropped');
    }
    this.#pending.set(member, entry);
  }

  #retry(member: string, command: PresenceCommand, entry: Pending, sent: number, err: unknown): void {
    if (entry.cancelled) return;
    if (sent >= this.options.attempts) {
      this.#pending.delete(member);
      this.onOutcome('dropped');
      this.log.error({ code: ErrorCodes.UnableToHandlePresence, tenant: command.tenant, member, attempts: sent, err: String(err) }, 'presence leave not sent; giving up');
      return;
    }
    this.onOutcome('retried');
    this.log.warn({ code: ErrorCodes.UnableToHandlePresence, tenant: command.tenant, member, attempts: sent, err: String(err) }, 'presence leave not sent; retrying');
    const delay = Math.min(this.options.maxDelayMs, this.options.firstDelayMs * 2 ** (sent - 1));
    entry.timer = this.clock.setTimeout(() => {
      entry.timer = null;
      if (entry.cancelled) return;
      this.send(command).then(
        () => {
          if (entry.cancelled) return;
          this.#pending.delete(member);
          this.onOutcome('sent');
        },
        (next: unknown) => this.#retry(member, command, entry, sent + 1, next),
      );
    }, delay);
  }
}
