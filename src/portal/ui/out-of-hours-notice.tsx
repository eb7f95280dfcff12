// Runs in the portal: the automatic notice under a message written while the clinic was
// closed, built by the portal itself from the rules the patient agreed to, so it appears at
// once, with every clinic computer off.
import { endSentence } from '../../shared/consent/consent-format';
import { type ClinicRules } from '../../shared/protocol/clinic-rules';
import { type OutOfHoursNotice as Notice } from '../client/out-of-hours';
import { EmergencyCall } from './emergency-call';
import { formatWhen, useI18n } from './i18n';

export function OutOfHoursNotice({ notice, rules }: { readonly notice: Notice; readonly rules: ClinicRules | null }) {
  const { t, language } = useI18n();
  return (
    <li className="message notice-item" data-testid="out-of-hours-notice">
      <p className="message-meta">
        <span className="sender">{t('outOfHoursFrom')}</span>
      </p>
      <p>{notice.reopensAt !== null ? endSentence(t('outOfHoursReopens', { when: formatWhen(notice.reopensAt, language) })) : t('outOfHoursClosed')}</p>
      {notice.replyDueAt !== null ? <p>{endSentence(t('outOfHoursAnswer', { when: formatWhen(notice.replyDueAt, language) }))}</p> : null}
      <p>
        <strong>{t('outOfHoursEmergency')}</strong>
      </p>
      {rules ? <EmergencyCall rules={rules} /> : null}
    </li>
  );
}
