import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Structured log lines. Callers pass an event name and a few fields chosen on purpose:
 * codes, channel names, durations. Never a payload, a message body or a patient detail;
 * string fields are cut to a short length so nothing long slips in by accident.
 */
export type LogFields = Readonly<Record<string, string | number | boolean>>;
export type Logger = {
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
};

const maxFieldLength = 120;

export function formatLine(level: string, event: string, fields: LogFields = {}, now = new Date()): string {
  const safe: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(fields)) {
    safe[key] = typeof value === 'string' ? value.slice(0, maxFieldLength) : value;
  }
  return JSON.stringify({ t: now.toISOString(), level, event, ...safe });
}

export function createFileLogger(file: string): Logger {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const write = (level: string) => (event: string, fields?: LogFields) => {
    try {
      appendFileSync(file, formatLine(level, event, fields) + '\n', { mode: 0o600 });
    } catch {
      // A log that cannot be written must never take the app down.
    }
  };
  return { info: write('info'), warn: write('warn'), error: write('error') };
}

export type MemoryLogger = Logger & { readonly lines: string[] };

export function createMemoryLogger(): MemoryLogger {
  const lines: string[] = [];
  const write = (level: string) => (event: string, fields?: LogFields) => {
    lines.push(formatLine(level, event, fields));
  };
  return { lines, info: write('info'), warn: write('warn'), error: write('error') };
}
