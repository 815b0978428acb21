// The shape of one catalog entry, before the catalog adds `code` and `clientFacing`.

export interface ErrorSpec {
  /** What happened, for operators reading logs and docs/ERROR_CODES.md. */
  description: string;
  /**
   * The same operation may succeed later with nothing changed (transient infrastructure, rate
   * limits). Supervising loops retry on true and crash or give up on false.
   */
  retryable: boolean;
  /** Status of the HTTP answer when the code ends a request or a WebSocket upgrade. */
  httpStatus?: number;
  /** WebSocket close code sent after the error (docs/PROTOCOL.md §2). */
  closeCode?: number;
  /** Text the client sees, where the reference fixes it (docs/PROTOCOL.md §1.2, §3.3, §3.5). */
  message?: string;
  /** The reference sends this join error as the bare message, without `<Code>: ` (docs/PROTOCOL.md §3.3). */
  bareReason?: true;
  /** `R+`: newer reference versions only; `ours`: no reference counterpart. Default: the reference. */
  origin?: 'R+' | 'ours';
}
