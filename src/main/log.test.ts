import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { createFileLogger, formatLine } from './log';

describe('log', () => {
  it('writes one JSON object per line, with long strings cut short', () => {
    const line = JSON.parse(formatLine('warn', 'x.y', { channel: 'a'.repeat(500), ms: 3 }, new Date(0)));
    expect(line).toEqual({ t: '1970-01-01T00:00:00.000Z', level: 'warn', event: 'x.y', channel: 'a'.repeat(120), ms: 3 });
  });

  it('appends to a private file and never throws when it cannot write', () => {
    const dir = mkdtempSync(join(tmpdir(), 'log-'));
    try {
      const log = createFileLogger(join(dir, 'logs', 'main.log'));
      log.info('app.started', { packaged: false });
      log.error('ipc.crashed', { kind: 'TypeError' });
      const lines = readFileSync(join(dir, 'logs', 'main.log'), 'utf8').trim().split('\n');
      expect(lines.map((l) => JSON.parse(l).event)).toEqual(['app.started', 'ipc.crashed']);
      rmSync(join(dir, 'logs'), { recursive: true });
      expect(() => log.info('after.removal')).not.toThrow();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
