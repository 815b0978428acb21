// JSON text helpers that keep numbers exactly as written (JSON.parse would round int8 and
// numeric beyond 2^53), shaped like jsonb prints them.

const numberRe = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/**
 * A JSON number as jsonb stores it: numeric_in reads it and numeric_out writes plain decimal
 * digits, with as many fraction digits as the input had after its exponent is applied
 * (1e-07 → 0.0000001, 1.5e+20 → 150000000000000000000, 2.50 → 2.50, -0 → 0).
 */
export function jsonbNumber(text: string): string {
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!m) return text;
  const [, sign, int, frac = '', exp = '0'] = m;
  const e = Number(exp);
  let digits = int! + frac;
  let point = int!.length + e; // position of the decimal point within `digits`
  if (point <= 0) digits = '0'.repeat(1 - point) + digits, point = 1;
  if (point > digits.length) digits += '0'.repeat(point - digits.length);
  const whole = digits.slice(0, point).replace(/^0+(?=\d)/, '');
  const fraction = digits.slice(point);
  const out = fraction ? `${whole}.${fraction}` : whole;
  return /[1-9]/.test(out) ? sign + out : out;
}

/**
 * Valid JSON text → the same value, compact, numbers as jsonb prints them; null when not JSON.
 * Key order and duplicate keys stay as written (jsonb would sort by length then bytes and keep
 * the last duplicate): equal as JSON values, not always equal as text.
 */
export function compactJson(text: string): string | null {
  try {
    JSON.parse(text);
  } catch {
    return null;
  }
  let out = '';
  for (let i = 0; i < text.length; ) {
    const c = text[i]!;
    if (c === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
    } else if (c === '-' || (c >= '0' && c <= '9')) {
      numberRe.lastIndex = i;
      const n = numberRe.exec(text)![0];
      out += jsonbNumber(n);
      i += n.length;
    } else {
      if (c !== ' ' && c !== '\t' && c !== '\n' && c !== '\r') out += c;
      i++;
    }
  }
  return out;
}
