// Runs in the renderer: DOM only, no Node.
// The urgent signs of the clinic's rules: each sign's phrases, one per line, in English and
// French. The portal stops a patient's message that shows one, before it is sent.
import { useTranslation } from 'react-i18next';

import { TextArea } from './rules-fields';
import { type FieldErrors, type RulesForm } from './rules-form';

type Signs = RulesForm['urgentSigns'];

export function UrgentSignsField({ value, errors, onChange }: Readonly<{ value: Signs; errors: FieldErrors; onChange: (next: Signs) => void }>) {
  const { t } = useTranslation();
  const message = (field: string) => {
    const error = errors[field];
    return error ? t(`rules.errors.${error.key}`, error.values ?? {}) : null;
  };
  const edit = (id: string, lang: 'en' | 'fr', text: string) => onChange(value.map((sign) => (sign.id === id ? { ...sign, [lang]: text } : sign)));
  const listError = message('urgentSigns');
  return (
    <fieldset className="card rules-group" aria-describedby="urgent-signs-hint">
      <legend>{t('rules.urgent.legend')}</legend>
      <p id="urgent-signs-hint" className="small muted">
        {t('rules.urgent.hint')}
      </p>
      {listError ? (
        <p role="alert" className="form-error">
          {listError}
        </p>
      ) : null}
      {value.map((sign) => (
        <details key={sign.id} className="rules-urgent" open={Boolean(message(`urgentSigns.${sign.id}.en`) ?? message(`urgentSigns.${sign.id}.fr`))}>
          <summary>{t(`rules.urgent.signs.${sign.id}`, { defaultValue: sign.id })}</summary>
          <div className="rules-grid">
            <TextArea label={t('rules.urgent.english')} value={sign.en} onChange={(v) => edit(sign.id, 'en', v)} error={message(`urgentSigns.${sign.id}.en`)} rows={6} />
            <TextArea label={t('rules.urgent.french')} value={sign.fr} onChange={(v) => edit(sign.id, 'fr', v)} error={message(`urgentSigns.${sign.id}.fr`)} rows={6} />
          </div>
        </details>
      ))}
    </fieldset>
  );
}
