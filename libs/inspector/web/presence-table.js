// The channel's presence state as a table, redrawn from channel.presenceState() on every sync:
// one row per presence (a key may have several, one per socket that tracked under it).
import { row } from './dom.js';

const META_KEYS = new Set(['presence_ref', 'phx_ref', 'phx_ref_prev']);

export function presenceTable(tbody, counter) {
  return {
    show(state) {
      const rows = [];
      for (const [key, presences] of Object.entries(state)) {
        for (const p of presences) {
          const payload = Object.fromEntries(Object.entries(p).filter(([k]) => !META_KEYS.has(k)));
          rows.push(row([key, p.presence_ref ?? p.phx_ref ?? '', JSON.stringify(payload)]));
        }
      }
      tbody.replaceChildren(...rows);
      counter.textContent = String(rows.length);
    },
  };
}
