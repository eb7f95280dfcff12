// Runs in the renderer: DOM only, no Node.
// "Send a reminder…" on a patient's page (front desk, IT admins): an appointment reminder,
// sealed by main to the patient's devices and the records key; refused by main and by the
// relay unless the patient agreed to reminders. The text starts from a template whose
// [day] and [time] must be replaced before it can leave.
import { type JSX, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';

import type { ClinicRules } from '../../../../shared/protocol/clinic-rules';
import { MAX_BODY_CHARS } from '../../../../shared/protocol/delivery';
import { Button } from '../../components/button';
import { Dialog } from '../../components/dialog';
import { clinic } from '../../lib/api';
import { errorText } from '../../lib/i18n';

/** Square-bracket blanks of the template still in the text: [day], [jour]… */
const blanks = (text: string): string[] => text.match(/\[(day|time|jour|heure)\]/gi) ?? [];

export function ReminderDialog({ patientId, name, rules, onClose, onSent }: Readonly<{ patientId: string; name: string; rules: ClinicRules | null; onClose: () => void; onSent: (message: string) => void }>): JSX.Element {
  const { t } = useTranslation();
  const id = useId();
  const [body, setBody] = useState(() => t('notices.reminder.template', { clinic: rules?.clinicName ?? '', phone: rules?.phone ?? '' }));
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const send = async () => {
    if (body.trim() === '') return setProblem(t('notices.required'));
    if (body.length > MAX_BODY_CHARS) return setProblem(t('notices.tooLong'));
    if (blanks(body).length > 0) return setProblem(t('notices.reminder.placeholderLeft'));
    setBusy(true);
    const result = await clinic().notices.reminder({ patientId, body });
    setBusy(false);
    if (!result.ok) return setProblem(result.error.reason === 'no-consent' ? t('notices.reminder.noScope', { name }) : errorText(t, result.error));
    onSent(t('notices.reminder.sent', { name }));
  };

  return (
    <Dialog
      open
      title={t('notices.reminder.title')}
      onClose={onClose}
      onSubmit={() => void send()}
      footer={
        <>
          <Button variant="quiet" onClick={onClose}>
            {t('notices.reminder.cancel')}
          </Button>
          <Button type="submit" variant="primary" busy={busy}>
            {t('notices.reminder.send')}
          </Button>
        </>
      }
    >
      <p>{t('notices.reminder.intro', { name })}</p>
      <div className={`field${problem ? ' field--invalid' : ''}`}>
        <label htmlFor={id} className="field__label">
          {t('notices.reminder.body')}
        </label>
        <p id={`${id}-hint`} className="field__hint">
          {t('notices.reminder.hint')}
        </p>
        <textarea
          id={id}
          className="field__input"
          rows={4}
          value={body}
          aria-invalid={problem ? true : undefined}
          aria-describedby={`${id}-hint${problem ? ` ${id}-error` : ''}`}
          onChange={(e) => {
            setBody(e.target.value);
            if (problem) setProblem(null);
          }}
        />
        {problem ? (
          <p id={`${id}-error`} className="field__error" role="alert">
            {problem}
          </p>
        ) : null}
      </div>
    </Dialog>
  );
}
