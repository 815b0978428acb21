// Small DOM helpers: every text a server or a client sent goes through textContent, never HTML.

/** A table row of text cells. */
export function row(cells) {
  const tr = document.createElement('tr');
  for (const text of cells) {
    const td = document.createElement('td');
    td.textContent = text;
    tr.append(td);
  }
  return tr;
}

/** A captioned table with a header row and the given rows. */
export function table(caption, headings, rows) {
  const t = document.createElement('table');
  t.createCaption().textContent = caption;
  const head = t.createTHead().insertRow();
  for (const h of headings) {
    const th = document.createElement('th');
    th.scope = 'col';
    th.textContent = h;
    head.append(th);
  }
  const body = t.createTBody();
  for (const cells of rows) body.append(row(cells));
  if (rows.length === 0) body.append(row(['none']));
  return t;
}

/** Parses a JSON text field; an error names the field so the user knows what to fix. */
export function parseJsonField(text, name) {
  try {
    return { ok: true, value: text.trim() === '' ? {} : JSON.parse(text) };
  } catch (err) {
    return { ok: false, error: `${name} is not valid JSON: ${err.message}` };
  }
}

export function setStatus(el, text, isError = false) {
  el.textContent = text;
  el.classList.toggle('error', isError);
}
