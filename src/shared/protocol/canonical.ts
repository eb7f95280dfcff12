// Runs anywhere: canonical JSON, the only byte form the protocol ever signs (ADR 10).

export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };
export type JsonObject = { readonly [key: string]: JsonValue };

function isPlainObject(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function write(value: unknown, open: Set<object>): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError('Canonical JSON cannot hold a non-finite number.');
    return JSON.stringify(value);
  }
  if (typeof value !== 'object') throw new TypeError(`Canonical JSON cannot hold a ${typeof value}.`);
  if (open.has(value)) throw new TypeError('Canonical JSON cannot hold a cycle.');
  open.add(value);
  let out: string;
  if (Array.isArray(value)) {
    const items: string[] = [];
    // An index loop, not map(): map() skips holes, which would silently drop them.
    for (let i = 0; i < value.length; i += 1) {
      if (!(i in value)) throw new TypeError('Canonical JSON cannot hold a sparse array.');
      items.push(write(value[i], open));
    }
    out = `[${items.join(',')}]`;
  } else {
    if (!isPlainObject(value)) throw new TypeError('Canonical JSON holds only plain objects.');
    if (Object.getOwnPropertySymbols(value).length > 0) throw new TypeError('Canonical JSON cannot hold symbol keys.');
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record).sort();
    out = `{${keys.map((key) => `${JSON.stringify(key)}:${write(record[key], open)}`).join(',')}}`;
  }
  open.delete(value);
  return out;
}

/**
 * Serialises like RFC 8785 (JCS): object keys sorted by UTF-16 code units, no whitespace,
 * numbers and strings as JSON.stringify writes them. Throws a TypeError for what JSON cannot
 * carry (NaN, Infinity, undefined, functions, bigints, symbols), for non-plain objects
 * (Date, Map, class instances), sparse arrays and cycles, instead of silently dropping them.
 */
export function canonicalJson(value: unknown): string {
  return write(value, new Set());
}

/**
 * UTF-8 bytes of a string. Lone surrogates become U+FFFD; canonicalJson never produces any,
 * because JSON.stringify escapes them.
 */
export function utf8Encode(text: string): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < text.length; i += 1) {
    let code = text.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      const low = text.charCodeAt(i + 1);
      if (low >= 0xdc00 && low <= 0xdfff) {
        code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00);
        i += 1;
      }
    }
    if (code >= 0xd800 && code <= 0xdfff) code = 0xfffd;
    if (code < 0x80) out.push(code);
    else if (code < 0x800) out.push(0xc0 | (code >> 6), 0x80 | (code & 0x3f));
    else if (code < 0x10000) out.push(0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f));
    else out.push(0xf0 | (code >> 18), 0x80 | ((code >> 12) & 0x3f), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f));
  }
  return Uint8Array.from(out);
}

/** The canonical JSON of a value as UTF-8 bytes. */
export function canonicalBytes(value: unknown): Uint8Array {
  return utf8Encode(canonicalJson(value));
}

/** Concatenates byte strings. */
export function concatBytes(...parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** `utf8(prefix) ‖ 0 ‖ canonical(value) ‖ extra`: the domain-separated bytes every signature covers. */
export function signingInput(prefix: string, value: unknown, extra: Uint8Array = new Uint8Array(0)): Uint8Array {
  return concatBytes(utf8Encode(prefix), Uint8Array.of(0), canonicalBytes(value), extra);
}
