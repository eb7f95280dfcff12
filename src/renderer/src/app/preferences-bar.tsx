// Runs in the renderer: DOM only, no Node.
import { useTranslation } from 'react-i18next';

import { languages } from '../../../shared/i18n/languages';
import type { AppSettings, SettingsPatch } from '../../../shared/settings';
import { SelectField } from '../components/select-field';
import { useToast } from '../components/toast';
import { errorText } from '../lib/i18n';
import { useSettings } from './settings-context';

export function PreferencesBar() {
  const { t } = useTranslation();
  const { settings, update } = useSettings();
  const toast = useToast();

  const save = async (patch: SettingsPatch) => {
    const result = await update(patch);
    if (!result.ok) toast.show('error', errorText(t, result.error));
  };

  const language: AppSettings['language'] = settings?.language ?? 'system';
  const theme: AppSettings['theme'] = settings?.theme ?? 'system';
  return (
    <div className="preferences">
      <SelectField
        label={t('preferences.language')}
        value={language}
        disabled={!settings}
        options={[
          { value: 'system', label: t('preferences.languageOptions.system') },
          ...languages.map((l) => ({ value: l, label: t(`preferences.languageOptions.${l}`) })),
        ]}
        onChange={(value) => void save({ language: value })}
      />
      <SelectField
        label={t('preferences.theme')}
        value={theme}
        disabled={!settings}
        options={(['system', 'light', 'dark'] as const).map((value) => ({
          value,
          label: t(`preferences.themeOptions.${value}`),
        }))}
        onChange={(value) => void save({ theme: value })}
      />
    </div>
  );
}
