import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { defaultSettings } from '../../shared/settings';
import { createMemoryLogger } from '../log';
import { AppError } from '../router/app-error';
import { createSettingsStore } from './settings-store';

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'settings-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('settings store', () => {
  it('starts from the defaults and keeps an update across a restart', () => {
    const dir = tempDir();
    const store = createSettingsStore(dir, createMemoryLogger());
    expect(store.get()).toEqual(defaultSettings);
    store.update({ language: 'fr', deviceLabel: '  Accueil 2  ' });
    expect(createSettingsStore(dir, createMemoryLogger()).get()).toEqual({ language: 'fr', theme: 'system', deviceLabel: 'Accueil 2' });
    // No temporary file is left behind by the atomic write.
    expect(readdirSync(dir)).toEqual(['settings.json']);
  });

  it.each([
    ['x', 'too-short'],
    ['a'.repeat(41), 'too-long'],
    ['<script>', 'bad-characters'],
    ['Desk\u0000two', 'bad-characters'],
  ])('refuses the computer name %j with the code %s and keeps the old value', (label, code) => {
    const dir = tempDir();
    const store = createSettingsStore(dir, createMemoryLogger());
    store.update({ deviceLabel: 'Front desk 1' });
    let thrown: unknown;
    try {
      store.update({ deviceLabel: label });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(AppError);
    expect((thrown as AppError).code).toBe('invalid-setting');
    expect((thrown as AppError).fields).toEqual({ deviceLabel: code });
    expect(store.get().deviceLabel).toBe('Front desk 1');
    expect(JSON.parse(readFileSync(join(dir, 'settings.json'), 'utf8')).deviceLabel).toBe('Front desk 1');
  });

  it.each([['not json at all'], ['{"language":"de","theme":"light","deviceLabel":null}'], ['[]']])(
    'moves an unreadable file (%s) aside, keeps it, and starts from the defaults',
    (content) => {
      const dir = tempDir();
      writeFileSync(join(dir, 'settings.json'), content);
      const log = createMemoryLogger();
      expect(createSettingsStore(dir, log).get()).toEqual(defaultSettings);
      const aside = readdirSync(dir).filter((f) => f.startsWith('settings.json.unreadable-'));
      expect(aside).toHaveLength(1);
      expect(readFileSync(join(dir, aside[0] ?? ''), 'utf8')).toBe(content);
      expect(log.lines.join('\n')).toContain('settings.unreadable');
    },
  );

  it('reports a disk failure as `storage-failed` and keeps the value in memory unchanged', () => {
    const dir = tempDir();
    const blocked = join(dir, 'a-file');
    writeFileSync(blocked, 'not a folder');
    const store = createSettingsStore(join(blocked, 'inside'), createMemoryLogger());
    expect(() => store.update({ theme: 'dark' })).toThrow(expect.objectContaining({ code: 'storage-failed' }));
    expect(store.get().theme).toBe('system');
  });
});
