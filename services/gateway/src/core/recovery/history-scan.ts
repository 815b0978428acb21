// What both history readers (broadcasts.ts, changes.ts) count while they read (docs/PROTOCOL.md §11
// bounds): the bytes of the partition scanned, other tenants' and channels' records included, and
// the failure that stopped the read early. Thrown by the reader once the read is over.
import { RecoveryFailure, RecoveryResults } from './result.ts';

export class HistoryScan {
  #scanned = 0;
  readonly #maxScanBytes: number;
  failure: RecoveryFailure | null = null;

  constructor(maxScanBytes: number) {
    this.#maxScanBytes = maxScanBytes;
  }

  /** Counts one record read; 'stop' once the scan bound is passed (the answer is too_large). */
  count(bytes: number): 'stop' | null {
    this.#scanned += bytes;
    return this.#scanned > this.#maxScanBytes ? this.tooLarge('More history to scan than a recovery may read') : null;
  }

  /** Stops the read: the tenant's caps (or the scan bound) are passed. */
  tooLarge(message: string): 'stop' {
    this.failure = new RecoveryFailure(RecoveryResults.tooLarge, message);
    return 'stop';
  }

  /** After the read: the failure that stopped it, if any. */
  rethrow(): void {
    if (this.failure) throw this.failure;
  }
}
