// Runs in the renderer: DOM only, no Node.
// The patient portal check (ADR 16): a banner on every screen of every staff computer while
// the portal the server serves differs from the one IT vouched for (and, for IT, while any
// computer of the clinic reported it), and the IT admin's card on the rules screen to vouch
// and to check now.
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';

import type { PortalStatus } from '../../../../shared/portal-check';
import { Button } from '../../components/button';
import { Dialog } from '../../components/dialog';
import { useToast } from '../../components/toast';
import { useStepUp } from '../privacy/step-up';
import { clinic, subscribe } from '../../lib/api';
import { errorText } from '../../lib/i18n';
import { useQuery } from '../../lib/use-query';
import { formatDateTime } from '../register/format';
import './portal-check.css';

/** The portal status, loaded now and again whenever main says it changed. */
function usePortalStatus() {
  const { query, refresh } = useQuery(() => clinic().portal.status({}), [], { keepOnError: true });
  useEffect(() => subscribe('portal:changed', () => void refresh()), [refresh]);
  return { status: query.state === 'ready' ? query.value : null, refresh };
}

function Differences({ differences }: Readonly<{ differences: PortalStatus['alerts'][number]['differences'] }>) {
  const { t } = useTranslation();
  return (
    <ul className="portal-alert__files">
      {differences.map((d) => (
        <li key={`${d.problem}:${d.path}`}>
          <code>{t(`portalCheck.${d.problem}`, { path: d.path })}</code>
        </li>
      ))}
    </ul>
  );
}

/** Shown above the tabs while the portal differs. Nothing otherwise. */
export function PortalAlertBanner({ onOpenRules }: Readonly<{ onOpenRules?: () => void }>) {
  const { t, i18n } = useTranslation();
  const { status } = usePortalStatus();
  if (!status) return null;
  const own = status.lastCheck?.outcome === 'mismatch' ? status.lastCheck : null;
  if (!own && status.alerts.length === 0) return null;
  const isIt = onOpenRules !== undefined;
  return (
    <section className="portal-alert" role="alert" aria-labelledby="portal-alert-title">
      <h2 id="portal-alert-title">{t('portalCheck.alertTitle')}</h2>
      <p>{t('portalCheck.alertBody')}</p>
      {own ? (
        <>
          <p className="portal-alert__who">{isIt ? t('portalCheck.itOwn') : t('portalCheck.alertFiles')}</p>
          <Differences differences={own.differences} />
          {isIt ? null : <p>{own.reported ? t('portalCheck.toldIt') : t('portalCheck.tellIt')}</p>}
        </>
      ) : null}
      {status.alerts.map((alert) => (
        <div key={alert.alertId}>
          <p className="portal-alert__who">
            {alert.role
              ? t('portalCheck.itReported', { role: t(`portalCheck.roles.${alert.role}`), device: alert.deviceId.slice(0, 10), date: formatDateTime(alert.raisedAt, i18n.language) })
              : t('portalCheck.itReportedUnknown', { device: alert.deviceId.slice(0, 10), date: formatDateTime(alert.raisedAt, i18n.language) })}
          </p>
          <Differences differences={alert.differences} />
        </div>
      ))}
      {isIt ? (
        <>
          <p>{t('portalCheck.itAction')}</p>
          <Button variant="secondary" onClick={onOpenRules}>
            {t('portalCheck.openRules')}
          </Button>
        </>
      ) : null}
    </section>
  );
}

/** The IT admin's card: the vouch in force, the last check, "check now" and "vouch". */
export function PortalCard({ onVouched }: Readonly<{ onVouched?: () => void }> = {}) {
  const { t, i18n } = useTranslation();
  const toast = useToast();
  const guard = useStepUp();
  const { status, refresh } = usePortalStatus();
  const [busy, setBusy] = useState<'check' | 'vouch' | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const run = useCallback(
    async (what: 'check' | 'vouch') => {
      setBusy(what);
      setError(null);
      const result = what === 'check' ? await clinic().portal.check({}) : await guard(() => clinic().portal.vouch({}));
      setBusy(null);
      if (!result.ok) {
        setError(errorText(t, result.error));
        return;
      }
      await refresh();
      if (what === 'vouch') {
        toast.show('success', t('portalCheck.vouchedToast'));
        onVouched?.();
      }
    },
    [guard, onVouched, refresh, t, toast],
  );

  const last = status?.lastCheck ?? null;
  return (
    <section className="portal-card" aria-labelledby="portal-card-title">
      <h3 id="portal-card-title">{t('portalCheck.title')}</h3>
      <p className="muted">{t('portalCheck.intro')}</p>
      {status === null ? (
        <p className="muted">{t('common.loading')}</p>
      ) : (
        <>
          <p data-testid="portal-vouch">
            {status.vouch
              ? t(status.vouch.byThisComputer ? 'portalCheck.vouchedHere' : 'portalCheck.vouched', { date: formatDateTime(status.vouch.vouchedAt, i18n.language), count: status.vouch.files })
              : t('portalCheck.notVouched')}
          </p>
          {status.vouch ? (
            <p data-testid="portal-last-check" className={last?.outcome === 'mismatch' ? 'portal-card__bad' : undefined}>
              {last === null || last.outcome === 'not-vouched'
                ? t('portalCheck.never')
                : last.outcome === 'match'
                  ? t('portalCheck.lastMatch', { date: formatDateTime(last.at, i18n.language) })
                  : last.outcome === 'unreachable'
                    ? t('portalCheck.lastUnreachable', { date: formatDateTime(last.at, i18n.language) })
                    : t('portalCheck.alertTitle')}
            </p>
          ) : null}
          {error ? (
            <p role="alert" className="field__error">
              {error}
            </p>
          ) : null}
          <div className="portal-card__actions">
            {status.vouch ? (
              <Button onClick={() => void run('check')} busy={busy === 'check'} disabled={busy !== null}>
                {busy === 'check' ? t('portalCheck.checking') : t('portalCheck.checkNow')}
              </Button>
            ) : null}
            {status.canVouch ? (
              <Button variant={status.vouch ? 'secondary' : 'primary'} onClick={() => setConfirming(true)} busy={busy === 'vouch'} disabled={busy !== null}>
                {busy === 'vouch' ? t('portalCheck.vouching') : t('portalCheck.vouch')}
              </Button>
            ) : null}
          </div>
          <p className="muted small">{status.canVouch ? t('portalCheck.vouchHint') : t('portalCheck.readOnly')}</p>
        </>
      )}
      <Dialog
        open={confirming}
        title={t('portalCheck.confirmTitle')}
        onClose={() => setConfirming(false)}
        footer={
          <>
            <Button variant="quiet" onClick={() => setConfirming(false)}>
              {t('portalCheck.cancel')}
            </Button>
            <Button
              variant="primary"
              onClick={() => {
                setConfirming(false);
                void run('vouch');
              }}
            >
              {t('portalCheck.confirm')}
            </Button>
          </>
        }
      >
        <p>{t('portalCheck.confirmBody')}</p>
      </Dialog>
    </section>
  );
}
