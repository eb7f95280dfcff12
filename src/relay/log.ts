// JSON-line log for the relay. Fields are typed and few on purpose: event names, codes,
// frame types, sizes, counts and durations. Never a frame body, a token, an address or
// anything that could name a patient. Strings are reduced to a short, plain alphabet.

export type RelayLogFields = {
  readonly code?: string;
  /** A frame type the relay knows; never a type string taken from an unknown frame. */
  readonly type?: string;
  readonly bytes?: number;
  readonly ms?: number;
  readonly count?: number;
  readonly status?: number;
  readonly closeCode?: number;
  readonly port?: number;
  readonly tls?: boolean;
  readonly version?: string;
};
export type RelayLogLevel = 'info' | 'warn' | 'error';
export type RelayLogger = {
  info(event: string, fields?: RelayLogFields): void;
  warn(event: string, fields?: RelayLogFields): void;
  error(event: string, fields?: RelayLogFields): void;
};

const allowedKeys = new Set<string>(['code', 'type', 'bytes', 'ms', 'count', 'status', 'closeCode', 'port', 'tls', 'version']);
const maxText = 64;

/** Keeps letters, digits and `._:-`, cut short; anything else becomes `_`. */
export function cleanText(text: string): string {
  return text.slice(0, maxText).replace(/[^A-Za-z0-9._:-]/g, '_');
}

export function formatRelayLine(level: RelayLogLevel, event: string, fields: RelayLogFields = {}, now = new Date()): string {
  const safe: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (!allowedKeys.has(key)) continue;
    if (typeof value === 'string') safe[key] = cleanText(value);
    else if (typeof value === 'number') safe[key] = Number.isFinite(value) ? Math.round(value * 1000) / 1000 : -1;
    else if (typeof value === 'boolean') safe[key] = value;
  }
  return JSON.stringify({ t: now.toISOString(), level, event: cleanText(event), ...safe });
}

/** Writes one JSON line per event to `write` (stdout by default); a failing sink is ignored. */
export function createRelayLogger(write: (line: string) => void = (line) => process.stdout.write(line)): RelayLogger {
  const at = (level: RelayLogLevel) => (event: string, fields?: RelayLogFields) => {
    try {
      write(formatRelayLine(level, event, fields) + '\n');
    } catch {
      // A log that cannot be written must never take the relay down.
    }
  };
  return { info: at('info'), warn: at('warn'), error: at('error') };
}

export type MemoryRelayLogger = RelayLogger & { readonly lines: string[] };

export function createMemoryRelayLogger(): MemoryRelayLogger {
  const lines: string[] = [];
  return { lines, ...createRelayLogger((line) => lines.push(line.trimEnd())) };
}

export const silentRelayLogger: RelayLogger = { info: () => {}, warn: () => {}, error: () => {} };
