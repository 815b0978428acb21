// Fixes a timer bug of kafkajs 2.2.4's request queue, once per process, on import.
//
// RequestQueue.scheduleCheckPendingRequests arms `setTimeout(check, throttledUntil - Date.now())`
// even when no request is pending and the broker does not throttle. throttledUntil starts at -1,
// so the delay is hugely negative: Node 24 prints a TimeoutNegativeWarning at every start, clamps
// the delay to 1 ms, and the check re-arms itself: a 1 ms wake-up loop for every broker
// connection for as long as it lives (~750 wake-ups a second per idle connection, measured).
//
// Fixed at the cause instead of filtering warnings (a filter would also hide our own negative
// timers): a check is armed only when requests wait, at the throttle's end or after kafkajs's
// 10 ms poll when they wait for in-flight room. Pushes, responses and timeouts already check the
// queue themselves, so nothing waits longer than before. Patched at run time rather than in
// node_modules at install (patch-package) so that every way of installing (npm ci
// --ignore-scripts, a Docker layer) gets it; kafkajs has had no release since 2.2.4 and the
// version is pinned by package-lock. Another version is left alone and kafkajsTimerFixed() says
// so: a unit test fails then, so an upgrade revisits this file.
import { createRequire } from 'node:module';

/** kafkajs's CHECK_PENDING_REQUESTS_INTERVAL (not exported by kafkajs). */
const CHECK_PENDING_REQUESTS_INTERVAL_MS = 10;
const PATCHED_VERSION = '2.2.4';

/** The fields of kafkajs's RequestQueue that the scheduler reads and writes. */
export interface RequestQueueState {
  pending: unknown[];
  throttledUntil: number;
  throttleCheckTimeoutId: ReturnType<typeof setTimeout> | null;
  checkPendingRequests(): void;
}

/** The fixed scheduler, installed as RequestQueue.prototype.scheduleCheckPendingRequests. */
export function scheduleCheckPendingRequests(this: RequestQueueState): void {
  if (this.throttleCheckTimeoutId || this.pending.length === 0) return;
  const untilThrottleEnds = this.throttledUntil - Date.now();
  const delay = untilThrottleEnds > 0 ? untilThrottleEnds : CHECK_PENDING_REQUESTS_INTERVAL_MS;
  this.throttleCheckTimeoutId = setTimeout(() => {
    this.throttleCheckTimeoutId = null;
    this.checkPendingRequests();
  }, delay);
}

const require = createRequire(import.meta.url);
const { version } = require('kafkajs/package.json') as { version: string };
const RequestQueue = require('kafkajs/src/network/requestQueue/index.js') as { prototype: { scheduleCheckPendingRequests: unknown } };
const applies = version === PATCHED_VERSION && typeof RequestQueue.prototype.scheduleCheckPendingRequests === 'function';
if (applies) RequestQueue.prototype.scheduleCheckPendingRequests = scheduleCheckPendingRequests;

/** True when this process's kafkajs request queues use the fixed scheduler. */
export function kafkajsTimerFixed(): boolean {
  return RequestQueue.prototype.scheduleCheckPendingRequests === scheduleCheckPendingRequests;
}
