// Runs in the renderer: DOM only, no Node.
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';

import type { DiagnosticStatus, DiagnosticsReport } from '../../../../shared/diagnostics';
import type { IpcError, IpcResult } from '../../../../shared/ipc/errors';
import { Button } from '../../components/button';
import { EmptyState } from '../../components/empty-state';
import { clinic } from '../../lib/api';
import { errorText } from '../../lib/i18n';

function overall(report: DiagnosticsReport): DiagnosticStatus {
  if (report.checks.some((c) => c.status === 'fail')) return 'fail';
  if (report.checks.some((c) => c.status === 'warn')) return 'warn';
  return 'pass';
}

export function ChecksCard() {
  const { t, i18n } = useTranslation();
  const [report, setReport] = useState<DiagnosticsReport | null>(null);
  const [error, setError] = useState<IpcError | null>(null);
  const [running, setRunning] = useState(true);

  const apply = useCallback((result: IpcResult<DiagnosticsReport>) => {
    setRunning(false);
    setError(result.ok ? null : result.error);
    if (result.ok) setReport(result.value);
  }, []);

  const run = () => {
    setRunning(true);
    void clinic().diagnostics.run({}).then(apply);
  };

  // The checks run once when the screen opens; later runs are the user's choice.
  useEffect(() => {
    let live = true;
    void clinic().diagnostics.run({}).then((result) => {
      if (live) apply(result);
    });
    return () => {
      live = false;
    };
  }, [apply]);

  const status = report ? overall(report) : null;
  return (
    <section className="card checks" aria-labelledby="checks-title" aria-busy={running}>
      <div className="card__head">
        <h2 id="checks-title">{t('checks.title')}</h2>
        {report ? (
          <Button onClick={run} busy={running}>
            {running ? t('checks.running') : t('checks.runAgain')}
          </Button>
        ) : null}
      </div>
      {!report && running ? <p className="muted">{t('checks.running')}</p> : null}
      {report && error ? (
        <p className="inline-error" role="alert">
          {errorText(t, error)}
        </p>
      ) : null}
      {!report && !running ? (
        <EmptyState
          title={t('checks.emptyTitle')}
          body={error ? errorText(t, error) : t('checks.emptyBody')}
          action={
            <Button variant="primary" onClick={run}>
              {t('checks.run')}
            </Button>
          }
        />
      ) : null}
      {report && status ? (
        <>
          <p className={`summary summary--${status}`} data-testid="checks-summary">
            <StatusIcon status={status} />
            <span>{t(`checks.summary.${status}`)}</span>
          </p>
          <ul className="check-list">
            {report.checks.map((check) => (
              <li key={check.id} className={`check check--${check.status}`} data-check={check.id}>
                <StatusIcon status={check.status} />
                <div className="check__text">
                  <p className="check__name">
                    {t(`checks.names.${check.id}`)}
                    <span className="check__status">{t(`checks.status.${check.status}`)}</span>
                  </p>
                  <p className="check__detail">{t(check.detailKey, check.detailValues)}</p>
                </div>
              </li>
            ))}
          </ul>
          <p className="muted small">
            {t('checks.lastRun', {
              time: new Date(report.ranAt).toLocaleTimeString(i18n.language, { hour: '2-digit', minute: '2-digit', second: '2-digit' }),
            })}
          </p>
        </>
      ) : null}
    </section>
  );
}

function StatusIcon({ status }: Readonly<{ status: DiagnosticStatus }>) {
  return (
    <svg className={`status-icon status-icon--${status}`} viewBox="0 0 20 20" aria-hidden="true" focusable="false">
      <circle cx="10" cy="10" r="9" fill="currentColor" />
      {status === 'pass' ? <path d="M6 10.5l2.5 2.5L14 7.5" fill="none" stroke="var(--on-status)" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round" /> : null}
      {status === 'warn' ? <path d="M10 5.5v5.5M10 14.2v.3" fill="none" stroke="var(--on-status)" strokeWidth="2" strokeLinecap="round" /> : null}
      {status === 'fail' ? <path d="M7 7l6 6M13 7l-6 6" fill="none" stroke="var(--on-status)" strokeWidth="2" strokeLinecap="round" /> : null}
    </svg>
  );
}
