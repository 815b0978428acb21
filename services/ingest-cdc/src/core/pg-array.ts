// Parser of the text output of Postgres arrays (array_out), any number of dimensions:
//   [lo:hi]={elem,elem}   the dimension prefix only appears when a lower bound is not 1
//   {{1,2},{3,4}}         nested braces per dimension; {} is the empty array
//   "a \"q\" \\ b"        quoted element: backslash escapes the next character
//   NULL                  unquoted NULL is SQL NULL ("NULL" quoted is the string)
// Spec: https://www.postgresql.org/docs/current/arrays.html#ARRAYS-IO
// `box` arrays use ';' as delimiter; every other built-in type uses ','.

export type PgArray = Array<string | null | PgArray>;

/** The nested elements as text (null for NULL), or null when `text` is not an array literal. */
export function parsePgArray(text: string, delimiter = ','): PgArray | null {
  let i = 0;
  if (text[0] === '[') {
    const eq = text.indexOf('=');
    if (eq < 0) return null;
    i = eq + 1;
  }
  function list(): PgArray | null {
    if (text[i] !== '{') return null;
    i++;
    const out: PgArray = [];
    if (text[i] === '}') return i++, out;
    for (;;) {
      const item = element();
      if (item === undefined) return null;
      out.push(item);
      const c = text[i++];
      if (c === '}') return out;
      if (c !== delimiter) return null;
    }
  }
  function element(): string | null | PgArray | undefined {
    if (text[i] === '{') return list() ?? undefined;
    if (text[i] === '"') {
      let s = '';
      for (i++; i < text.length && text[i] !== '"'; i++) s += text[i] === '\\' ? text[++i] : text[i];
      if (i++ >= text.length) return undefined;
      return s;
    }
    const start = i;
    while (i < text.length && text[i] !== delimiter && text[i] !== '}') i++;
    const raw = text.slice(start, i).trim();
    if (!raw) return undefined;
    return raw.toUpperCase() === 'NULL' ? null : raw;
  }
  const result = list();
  return result && i === text.length ? result : null;
}
