// Runs in the renderer: DOM only, no Node.
import { type ReactNode, createContext, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';

import type { IpcResult } from '../../../shared/ipc/errors';
import type { AppSettings, SettingsPatch } from '../../../shared/settings';
import { clinic } from '../lib/api';
import { systemLanguage } from '../lib/i18n';

type SettingsApi = {
  /** null until main has answered. */
  readonly settings: AppSettings | null;
  readonly update: (patch: SettingsPatch) => Promise<IpcResult<AppSettings>>;
};

const SettingsContext = createContext<SettingsApi | null>(null);

/** Loads this computer's settings from main and applies language and theme as they change. */
export function SettingsProvider({ children }: Readonly<{ children: ReactNode }>) {
  const { i18n } = useTranslation();
  const [settings, setSettings] = useState<AppSettings | null>(null);

  useEffect(() => {
    let live = true;
    void clinic().settings.get({}).then((result) => {
      if (live && result.ok) setSettings(result.value);
    });
    return () => {
      live = false;
    };
  }, []);

  useEffect(() => {
    if (!settings) return;
    const language = settings.language === 'system' ? systemLanguage() : settings.language;
    if (i18n.language !== language) void i18n.changeLanguage(language);
    const root = document.documentElement;
    if (settings.theme === 'system') delete root.dataset.theme;
    else root.dataset.theme = settings.theme;
  }, [settings, i18n]);

  const update = useCallback(async (patch: SettingsPatch) => {
    const result = await clinic().settings.update(patch);
    if (result.ok) setSettings(result.value);
    return result;
  }, []);

  const api = useMemo(() => ({ settings, update }), [settings, update]);
  return <SettingsContext.Provider value={api}>{children}</SettingsContext.Provider>;
}

export function useSettings(): SettingsApi {
  const api = useContext(SettingsContext);
  if (!api) throw new Error('useSettings must be used inside <SettingsProvider>.');
  return api;
}
