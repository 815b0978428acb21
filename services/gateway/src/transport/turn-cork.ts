// One write(2) per socket per message is what a fan-out costs (issue 11: about 80 % of the CPU of
// a delivery is the kernel's loopback TCP send). When several messages reach one socket in the
// same event-loop turn (frames read in one go from a busy publisher, a Kafka batch, a gateway
// catching up after a stall), the second one corks the socket and the turn's end uncorks it:
// that socket's remaining messages of the turn go out as one writev. The first message of a turn
// is always written at once, so a lone message (the common case) waits for nothing and costs one
// turn-stamp comparison more. Order is untouched: every write, ws's own included, goes through
// the same net.Socket buffer; bufferedAmount counts the corked bytes, so the slow-reader bound
// still sees them.

/** What a corked socket needs: Node's net.Socket (ws's `_socket`). */
export interface Corkable {
  cork(): void;
  uncork(): void;
}

let turn = 0;
let turnEndScheduled = false;
const corked: Corkable[] = [];

function endTurn(): void {
  turnEndScheduled = false;
  turn++;
  // uncork may run a write callback that sends again: that send belongs to the next turn.
  const list = corked.splice(0);
  for (const socket of list) socket.uncork();
}

/** Per socket: the turns of its last write and of its cork. */
export class TurnCork {
  #lastTurn = -1;
  #corkedTurn = -1;

  /** Call right before each write to `socket`. */
  beforeWrite(socket: Corkable): void {
    if (!turnEndScheduled) {
      turnEndScheduled = true;
      process.nextTick(endTurn);
    }
    if (this.#lastTurn !== turn) {
      this.#lastTurn = turn;
      return;
    }
    if (this.#corkedTurn === turn) return;
    this.#corkedTurn = turn;
    socket.cork();
    corked.push(socket);
  }
}
