// Runs in the portal: the consent text the patient agreed to, generated from the clinic's
// signed rules with the same template the front desk used, their consent status from the
// verified directory, and withdrawing consent from this device.
import { useId, useMemo, useState } from 'react';

import { buildConsentDocument, scopeLabel } from '../../shared/consent/template';
import { type ConsentTemplateEdits } from '../../shared/consent/types';
import { type PatientClient, type PortalSnapshot } from '../client/patient-client';
import { type MessageKey } from '../i18n/catalog';
import { ConfirmDialog } from './confirm-dialog';
import { formatDate, useI18n } from './i18n';

function ConsentStatusCard({ snapshot }: { readonly snapshot: PortalSnapshot }) {
  const { t, language } = useI18n();
  const headingId = useId();
  const consent = snapshot.directory?.consent ?? null;
  const [now] = useState(() => Date.now());
  const expired = consent !== null && consent.expiresAt !== null && now >= consent.expiresAt;
  const summary: MessageKey = !consent
    ? 'statusNone'
    : consent.activeScopes.length === 0
      ? snapshot.directory?.withdrawal
        ? 'statusWithdrawn'
        : 'statusNone'
      : expired
        ? 'statusExpired'
        : 'statusActive';
  return (
    <section className="card status-card" aria-labelledby={headingId} data-testid="consent-status">
      <h2 id={headingId}>{t('statusTitle')}</h2>
      <p className={summary === 'statusActive' ? 'status-ok' : 'status-stopped'}>{t(summary)}</p>
      {consent && consent.activeScopes.length > 0 ? (
        <>
          <p>{t('statusScopes')}</p>
          <ul>
            {consent.activeScopes.map((scope) => (
              <li key={scope}>{scopeLabel(scope, language)}</li>
            ))}
          </ul>
          <p>{consent.expiresAt !== null ? t('statusExpires', { date: formatDate(consent.expiresAt, language) }) : t('statusNoExpiry')}</p>
        </>
      ) : null}
    </section>
  );
}

export function TermsView({ client, snapshot }: { readonly client: PatientClient; readonly snapshot: PortalSnapshot }) {
  const { t, language } = useI18n();
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<'done' | 'offline' | null>(null);
  const withdrawHeading = useId();
  const rules = snapshot.rules;
  const policyVersion = snapshot.rulesVersion;
  const document = useMemo(
    () =>
      rules && policyVersion !== null
        ? buildConsentDocument(rules, {
            language,
            policyVersion,
            templateVersion: rules.consentText.templateVersion,
            edits: rules.consentText.edits[language] as ConsentTemplateEdits,
          })
        : null,
    [rules, policyVersion, language],
  );
  const active = client.canWrite();

  const withdraw = async () => {
    setBusy(true);
    try {
      await client.withdraw();
      setOutcome('done');
    } catch {
      setOutcome('offline');
    } finally {
      setBusy(false);
      setAsking(false);
    }
  };

  return (
    <div className="terms-view">
      <ConsentStatusCard snapshot={snapshot} />
      {active ? (
        <section className="card" aria-labelledby={withdrawHeading}>
          <h2 id={withdrawHeading}>{t('withdrawTitle')}</h2>
          <p>{t('withdrawIntro')}</p>
          <div className="actions">
            <button type="button" className="danger" onClick={() => setAsking(true)}>
              {t('withdrawButton')}
            </button>
          </div>
        </section>
      ) : null}
      {outcome ? (
        <p className={outcome === 'done' ? 'notice' : 'error'} role={outcome === 'done' ? 'status' : 'alert'}>
          {t(outcome === 'done' ? 'withdrawDone' : 'withdrawOffline')}
        </p>
      ) : null}
      {document ? (
        <article className="card consent-text" lang={language} aria-labelledby="consent-title">
          <h2 id="consent-title">{document.title}</h2>
          <p className="hint">{t('statusVersion', { version: document.version })}</p>
          {document.sections.map((section) => (
            <section key={section.id}>
              <h3>{section.title}</h3>
              {section.paragraphs.map((p, i) => (
                <p key={i}>{p}</p>
              ))}
              {section.bullets.length > 0 ? (
                <ul>
                  {section.bullets.map((b, i) => (
                    <li key={i}>{b}</li>
                  ))}
                </ul>
              ) : null}
            </section>
          ))}
        </article>
      ) : (
        <p className="notice">{t('termsUnavailable')}</p>
      )}
      <ConfirmDialog open={asking} title={t('withdrawDialogTitle')} confirmLabel={t('withdrawConfirm')} danger busy={busy} onConfirm={() => void withdraw()} onCancel={() => setAsking(false)}>
        <p>{t('withdrawWhatHappens')}</p>
        <ul>
          <li>{t('withdrawPoint1')}</li>
          <li>{t('withdrawPoint2')}</li>
          <li>{t('withdrawPoint3')}</li>
        </ul>
      </ConfirmDialog>
    </div>
  );
}
