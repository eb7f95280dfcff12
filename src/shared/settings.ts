// Runs anywhere: pure TypeScript, no Node, no DOM.
import { z } from 'zod';

import { languages } from './i18n/languages';

/**
 * Settings of this computer, kept outside any staff profile because they are needed
 * before anyone unlocks one. They must never identify a patient or a staff member:
 * see docs/adr/0006-app-settings-outside-profiles.md.
 */
export const LanguageSetting = z.enum(['system', ...languages]);
export const ThemeSetting = z.enum(['system', 'light', 'dark']);

export const deviceLabelRules = { min: 2, max: 40 } as const;
// Letters and digits of any script, spaces and a few separators: no control characters,
// no markup, nothing that could smuggle formatting into an IT report.
const deviceLabelPattern = /^[\p{L}\p{N}][\p{L}\p{N} .,'’#()_-]*$/u;

export const DeviceLabel = z
  .string()
  .trim()
  .min(deviceLabelRules.min, { error: 'too-short' })
  .max(deviceLabelRules.max, { error: 'too-long' })
  .regex(deviceLabelPattern, { error: 'bad-characters' });

export const AppSettings = z
  .object({
    language: LanguageSetting,
    theme: ThemeSetting,
    /** A name for this computer, e.g. "Front desk 2", shown to IT when it joins a clinic. */
    deviceLabel: DeviceLabel.nullable(),
  })
  .strict();
export type AppSettings = z.infer<typeof AppSettings>;

export const defaultSettings: AppSettings = { language: 'system', theme: 'system', deviceLabel: null };

export const SettingsPatch = AppSettings.partial().strict();
export type SettingsPatch = z.infer<typeof SettingsPatch>;
