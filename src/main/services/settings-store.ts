import { existsSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';

import { type AppSettings, AppSettings as AppSettingsSchema, type SettingsPatch, defaultSettings } from '../../shared/settings';
import type { Logger } from '../log';
import { AppError } from '../router/app-error';
import { fieldsOf } from '../router/router';
import { writeFileAtomic } from './atomic-file';

export type SettingsStore = {
  get(): AppSettings;
  update(patch: SettingsPatch): AppSettings;
};

/**
 * Settings of this computer in `settings.json` under the app's data folder. A file that
 * cannot be read or does not match the schema is moved aside (kept, never deleted) and
 * the defaults apply, so a bad file can never stop the app from starting.
 */
export function createSettingsStore(dataDir: string, log: Logger): SettingsStore {
  const file = join(dataDir, 'settings.json');
  let current = load();

  function load(): AppSettings {
    if (!existsSync(file)) return defaultSettings;
    try {
      return AppSettingsSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
    } catch {
      const aside = `${file}.unreadable-${Date.now()}`;
      try {
        renameSync(file, aside);
      } catch {
        // Leave it where it is; defaults still apply.
      }
      log.warn('settings.unreadable', { movedAside: true });
      return defaultSettings;
    }
  }

  return {
    get: () => current,
    update(patch) {
      const next = AppSettingsSchema.safeParse({ ...current, ...patch });
      if (!next.success) {
        throw new AppError('invalid-setting', 'That value cannot be saved.', fieldsOf(next.error));
      }
      try {
        writeFileAtomic(file, JSON.stringify(next.data, null, 2));
      } catch (error) {
        log.error('settings.write-failed', { kind: error instanceof Error ? error.name : 'unknown' });
        throw new AppError('storage-failed', 'The settings could not be written to disk.');
      }
      current = next.data;
      return current;
    },
  };
}
