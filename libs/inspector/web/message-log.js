// The live message log: one row per thing the client saw (broadcast, presence, Postgres change,
// system message, subscribe status, error), newest first, filtered by a text typed by the user.
// It keeps the last MAX_ENTRIES rows only, so a busy channel cannot grow the page without bound.
import { row } from './dom.js';

const MAX_ENTRIES = 500;

export function messageLog(tbody, filterInput) {
  const matches = (tr) => {
    const needle = filterInput.value.trim().toLowerCase();
    return needle === '' || tr.textContent.toLowerCase().includes(needle);
  };
  filterInput.addEventListener('input', () => {
    for (const tr of tbody.rows) tr.hidden = !matches(tr);
  });
  return {
    add(type, event, payload) {
      const time = new Date().toISOString().slice(11, 23);
      const text = typeof payload === 'string' ? payload : JSON.stringify(payload);
      const tr = row([time, type, event ?? '', text ?? '']);
      tr.dataset.type = type;
      tr.hidden = !matches(tr);
      tbody.prepend(tr);
      while (tbody.rows.length > MAX_ENTRIES) tbody.lastElementChild.remove();
    },
    clear() {
      tbody.replaceChildren();
    },
  };
}
