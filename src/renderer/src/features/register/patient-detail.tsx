// Runs in the renderer: DOM only, no Node.
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';

import { describeIdentityMethod } from '../../../../shared/consent/template';
import { Button } from '../../components/button';
import { Dialog } from '../../components/dialog';
import { useToast } from '../../components/toast';
import { clinic } from '../../lib/api';
import { useQuery } from '../../lib/use-query';
import { errorText } from '../../lib/i18n';
import { ChangeScopesDialog, RenewDialog, ReverifyDialog, WithdrawDialog } from './consent-dialogs';
import { consentErrorText, consentLanguage, formatDate, formatDateTime, formatIsoDate, scopeList } from './format';
import { StatusBadge, Warning } from './status-badge';
import { ReminderDialog } from '../notices/reminder-dialog';
import { useClinicStatus } from '../../app/clinic-context';

type Open = 'withdraw' | 'change' | 'renew' | 'reverify' | 'reminder' | null;

export type PatientDetailProps = Readonly<{
  patientId: string;
  onBack: () => void;
  onNewConsent: (patientId: string) => void;
  onShowReceipt: (recordId: string) => void;
}>;

/** One patient: where their consent stands, every record since the first, and what can change. */
export function PatientDetail({ patientId, onBack, onNewConsent, onShowReceipt }: PatientDetailProps) {
  const { t, i18n } = useTranslation();
  const toast = useToast();
  const { query: load, refresh } = useQuery(() => clinic().consent.history({ patientId }), [patientId]);
  const [open, setOpen] = useState<Open>(null);
  const [issuing, setIssuing] = useState(false);
  const [askNewCode, setAskNewCode] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);
  const language = i18n.language;
  const clinicStatus = useClinicStatus().status;
  const rules = clinicStatus?.state === 'member' ? clinicStatus.rules : null;

  // The page changed under the keyboard user: put them at its heading.
  const ready = load.state === 'ready';
  useEffect(() => {
    if (ready) heading.current?.focus();
  }, [ready]);

  // After a change, the button that opened its dialog may be gone (a withdrawal removes it):
  // the focus would fall to the page's body, so it goes to the heading instead.
  const refocus = useRef(false);
  useEffect(() => {
    if (!refocus.current || load.state !== 'ready') return;
    refocus.current = false;
    const active = document.activeElement;
    if (active === null || active === document.body || !active.isConnected) heading.current?.focus();
  }, [load]);

  const done = (message: string) => {
    setOpen(null);
    toast.show('success', message);
    refocus.current = true;
    void refresh();
  };

  const back = (
    <Button variant="quiet" onClick={onBack}>
      <span aria-hidden="true">← </span>
      {t('register.detail.back')}
    </Button>
  );

  if (load.state === 'loading') {
    return (
      <div className="register">
        <div className="actions actions--start">{back}</div>
        <p className="register__loading" role="status">
          <span className="spinner" aria-hidden="true" /> {t('common.loading')}
        </p>
      </div>
    );
  }
  if (load.state === 'failed') {
    return (
      <div className="register">
        <div className="actions actions--start">{back}</div>
        <div className="notice notice--warn register__error" role="alert">
          <p>{errorText(t, load.error)}</p>
          <Button onClick={() => void refresh()}>{t('register.retry')}</Button>
        </div>
      </div>
    );
  }

  const { row, records } = load.value;
  const { patient, status } = row;
  const granted = status !== 'withdrawn' && status !== 'none';
  const canChange = granted && status !== 'expired';
  const latestGrant = [...records].reverse().find((r) => r.record.event === 'grant');
  const codeMissing = granted && latestGrant !== undefined && !latestGrant.published;
  const newest = [...records].reverse();

  const issueCode = async (fresh = false) => {
    setIssuing(true);
    const result = fresh ? await clinic().consent['new-code']({ patientId }) : await clinic().consent['issue-code']({ patientId });
    setAskNewCode(false);
    setIssuing(false);
    if (!result.ok) return toast.show('error', consentErrorText(t, result.error));
    toast.show('success', t('register.detail.codeIssued'));
    void refresh();
    onShowReceipt(result.value.record.recordId);
  };

  return (
    <div className="register">
      <div className="actions actions--start">{back}</div>

      <section className="card register-patient" aria-labelledby="register-patient-title">
        <div className="card__head">
          <div>
            <h2 id="register-patient-title" className="register__title" ref={heading} tabIndex={-1}>
              {patient.givenName} {patient.familyName}
            </h2>
            <p className="muted">{t('register.detail.bornOn', { date: formatIsoDate(patient.dateOfBirth, language) })}</p>
          </div>
          <StatusBadge status={status} />
        </div>
        <dl className="facts">
          <dt>{t('register.detail.status')}</dt>
          <dd>{t(`register.statuses.${status}`)}</dd>
          <dt>{t('register.detail.scopes')}</dt>
          <dd>{row.scopes.length === 0 ? t('register.noScopes') : scopeList(row.scopes, language).join(', ')}</dd>
          {granted ? (
            <>
              <dt>{t('register.detail.expires')}</dt>
              <dd>{row.expiresAt === null ? t('register.noEnd') : formatDate(row.expiresAt, language)}</dd>
            </>
          ) : null}
        </dl>
        {row.unpublished || row.renewalDue ? (
          <div className="register-notes">
            {row.unpublished ? <Warning>{t('register.unpublished')}</Warning> : null}
            {row.renewalDue ? <Warning>{t('register.renewalDue')}</Warning> : null}
          </div>
        ) : null}
        {codeMissing ? <p className="notice notice--warn">{t('register.detail.codeNotIssued')}</p> : null}

        <h3 className="visually-hidden">{t('register.detail.actions')}</h3>
        <div className="actions actions--start register-actions">
          {latestGrant ? (
            codeMissing ? (
              <Button variant="primary" busy={issuing} onClick={() => void issueCode()}>
                {t('register.detail.issueCode')}
              </Button>
            ) : (
              <Button onClick={() => onShowReceipt(latestGrant.record.recordId)}>{t('register.detail.showReceipt')}</Button>
            )
          ) : null}
          {latestGrant && !codeMissing && canChange ? <Button onClick={() => setAskNewCode(true)}>{t('register.detail.newCode')}</Button> : null}
          {canChange ? <Button onClick={() => setOpen('change')}>{t('register.change.action')}</Button> : null}
          {granted ? <Button onClick={() => setOpen('renew')}>{t('register.renew.action')}</Button> : null}
          {granted ? <Button onClick={() => setOpen('reverify')}>{t('register.reverify.action')}</Button> : null}
          {canChange && row.scopes.includes('reminders') ? <Button onClick={() => setOpen('reminder')}>{t('notices.reminder.action')}</Button> : null}
          {granted ? (
            <Button key="withdraw" variant="danger" onClick={() => setOpen('withdraw')}>
              {t('register.withdraw.action')}
            </Button>
          ) : (
            <Button key="new-consent" variant="primary" onClick={() => onNewConsent(patient.id)}>
              {t('register.detail.newConsent')}
            </Button>
          )}
        </div>
      </section>

      <section className="card" aria-labelledby="register-history-title">
        <h3 id="register-history-title">{t('register.detail.history')}</h3>
        <p className="small muted">{t('register.detail.historyIntro')}</p>
        {newest.length === 0 ? (
          <p>{t('register.detail.noHistory')}</p>
        ) : (
          <ol className="register-history" reversed>
            {newest.map(({ record, published }) => (
              <li key={record.recordId} className={`register-history__item register-history__item--${record.event}`}>
                <h4 className="register-history__title">
                  {t(`register.events.${record.event}`)}
                  <span className="register-history__when">
                    {' — '}
                    <time dateTime={new Date(record.recordedAt).toISOString()}>{formatDateTime(record.recordedAt, language)}</time>
                  </span>
                </h4>
                <dl className="facts register-history__facts">
                  <dt>{t('register.record.recordedBy')}</dt>
                  <dd>{record.recordedBy.name}</dd>
                  <dt>{t('register.record.scopesAfter')}</dt>
                  <dd>{record.scopes.length === 0 ? t('register.noScopes') : scopeList(record.scopes, language).join(', ')}</dd>
                  <dt>{t('register.record.textVersion')}</dt>
                  <dd>{record.textVersion}</dd>
                  <dt>{t('register.record.identity')}</dt>
                  <dd>
                    {describeIdentityMethod(record.identity.method, consentLanguage(language))}
                    {record.identity.note ? ` (${record.identity.note})` : ''}
                  </dd>
                  {record.reason ? (
                    <>
                      <dt>{t('register.record.reason')}</dt>
                      <dd>{record.reason}</dd>
                    </>
                  ) : null}
                </dl>
                {published ? null : <Warning>{t('register.record.notSent')}</Warning>}
              </li>
            ))}
          </ol>
        )}
      </section>

      <Dialog
        open={askNewCode}
        title={t('register.detail.newCodeTitle')}
        onClose={() => setAskNewCode(false)}
        footer={
          <>
            <Button variant="quiet" onClick={() => setAskNewCode(false)}>
              {t('register.detail.newCodeCancel')}
            </Button>
            <Button variant="primary" busy={issuing} onClick={() => void issueCode(true)}>
              {t('register.detail.newCodeConfirm')}
            </Button>
          </>
        }
      >
        <p>{t('register.detail.newCodeBody')}</p>
        <p className="small muted">{t('register.detail.newCodeOld')}</p>
      </Dialog>
      {open === 'withdraw' ? <WithdrawDialog patientId={patient.id} onClose={() => setOpen(null)} onDone={done} /> : null}
      {open === 'change' ? <ChangeScopesDialog patientId={patient.id} current={row.scopes} onClose={() => setOpen(null)} onDone={done} /> : null}
      {open === 'renew' ? <RenewDialog patientId={patient.id} currentEnd={row.expiresAt} onClose={() => setOpen(null)} onDone={done} /> : null}
      {open === 'reverify' ? <ReverifyDialog patientId={patient.id} onClose={() => setOpen(null)} onDone={done} /> : null}
      {open === 'reminder' ? <ReminderDialog patientId={patient.id} name={`${patient.givenName} ${patient.familyName}`} rules={rules} onClose={() => setOpen(null)} onSent={done} /> : null}
    </div>
  );
}
