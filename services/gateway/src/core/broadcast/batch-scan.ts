// A look at a REST batch body before JSON.parse. Parsing is what costs: a body at the size limit
// made of 100,000 tiny messages, or of arrays nested a million deep, holds the event loop for
// hundreds of milliseconds, and a deep payload later overflows JSON.stringify's stack. One linear
// pass counts the elements of the arrays directly under the root object (`messages`) and the
// nesting depth, stopping as soon as either is over its bound.

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_ARRAY = 0x5b;
const OPEN_OBJECT = 0x7b;
const CLOSE_ARRAY = 0x5d;
const CLOSE_OBJECT = 0x7d;

const isSpace = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

export type BatchScan = 'too_many' | 'too_deep' | 'ok';

/**
 * 'too_many' once the root object's arrays hold more than `maxItems` elements, 'too_deep' once
 * nesting passes `maxDepth`. Malformed JSON is left to JSON.parse.
 */
export function scanBatch(text: string, maxItems: number, maxDepth: number): BatchScan {
  let depth = 0;
  let inString = false;
  let items = 0;
  let inItemsArray = false; // an array directly under the root object
  let inItem = false; // an element of that array has started and its comma is not yet seen
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
      continue;
    }
    if (depth === 2 && inItemsArray && !inItem && c !== COMMA && c !== CLOSE_ARRAY && !isSpace(c)) {
      inItem = true;
      if (++items > maxItems) return 'too_many';
    }
    if (c === QUOTE) {
      inString = true;
    } else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
      if (++depth > maxDepth) return 'too_deep';
      if (depth === 2) {
        inItemsArray = c === OPEN_ARRAY;
        inItem = false;
      }
    } else if (c === CLOSE_ARRAY || c === CLOSE_OBJECT) {
      depth--;
    } else if (c === COMMA && depth === 2) {
      inItem = false;
    }
  }
  return 'ok';
}
