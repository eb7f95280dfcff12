// Runs in the renderer: DOM only, no Node.
// Newsletters (ADR 18), for the front desk and IT admins: who will get one, the text, a
// confirmation, the progress while it is sent, and each newsletter's result (sent, not sent
// with the reason, still to send) with "Resume sending" when it stopped before the end.
import { type JSX, useEffect, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';

import type { CampaignResult } from '../../../../shared/notices';
import { MAX_BODY_CHARS } from '../../../../shared/protocol/delivery';
import { Button } from '../../components/button';
import { Dialog } from '../../components/dialog';
import { ProgressBar } from '../../components/progress-bar';
import { useToast } from '../../components/toast';
import { clinic, subscribe } from '../../lib/api';
import { errorText } from '../../lib/i18n';
import { useQuery } from '../../lib/use-query';
import './notices.css';

const REASONS = ['no-scope', 'no-device', 'no-consent'] as const;

export function NewsletterScreen(): JSX.Element {
  const { t } = useTranslation();
  const toast = useToast();
  const bodyId = useId();
  const { query: audience, refresh: recount } = useQuery(() => clinic().notices.audience({}), []);
  const { query: history, refresh } = useQuery(() => clinic().notices.list({}), []);
  const [body, setBody] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [progress, setProgress] = useState<{ done: number; total: number } | null>(null);

  useEffect(
    () =>
      subscribe('task:progress', (p) => {
        if (p.task !== 'newsletter') return;
        setProgress(p.done >= p.total ? null : { done: p.done, total: p.total });
        void refresh();
      }),
    [refresh],
  );

  const reachable = audience.state === 'ready' ? audience.value.reachable : 0;

  const ask = () => {
    if (body.trim() === '') return setProblem(t('notices.required'));
    if (body.length > MAX_BODY_CHARS) return setProblem(t('notices.tooLong'));
    setProblem(null);
    setConfirming(true);
  };

  const send = async () => {
    setBusy(true);
    const result = await clinic().notices.newsletter({ body });
    setBusy(false);
    setConfirming(false);
    if (!result.ok) return setProblem(errorText(t, result.error));
    setBody('');
    setProgress({ done: result.value.refused, total: result.value.total });
    toast.show('info', t('notices.started'));
    void refresh();
    void recount();
  };

  const resume = async (campaign: CampaignResult) => {
    const result = await clinic().notices.resume({ campaignId: campaign.campaignId });
    if (!result.ok) return toast.show('error', errorText(t, result.error));
    toast.show('info', t('notices.resumed'));
    void refresh();
  };

  return (
    <div className="notices-screen">
      <section className="card" aria-labelledby="newsletter-title">
        <h2 id="newsletter-title">{t('notices.title')}</h2>
        <p className="muted">{t('notices.intro')}</p>
        <p className="notices-audience" data-testid="newsletter-audience" role="status">
          {audience.state === 'loading' ? t('notices.audience.loading') : null}
          {audience.state === 'failed' ? t('notices.audience.failed') : null}
          {audience.state === 'ready' ? (audience.value.reachable === 0 ? t('notices.audience.none') : t('notices.audience.summary', { reachable: String(audience.value.reachable), patients: String(audience.value.patients) })) : null}
          {audience.state === 'ready' && audience.value.noDevice > 0 ? ` ${t('notices.audience.noDevice', { count: String(audience.value.noDevice) })}` : null}
        </p>
        <div className={`field${problem ? ' field--invalid' : ''}`}>
          <label htmlFor={bodyId} className="field__label">
            {t('notices.body')}
          </label>
          <p id={`${bodyId}-hint`} className="field__hint">
            {t('notices.bodyHint')}
          </p>
          <textarea
            id={bodyId}
            className="field__input notices-body"
            rows={8}
            value={body}
            aria-invalid={problem ? true : undefined}
            aria-describedby={`${bodyId}-hint${problem ? ` ${bodyId}-error` : ''}`}
            onChange={(e) => {
              setBody(e.target.value);
              if (problem) setProblem(null);
            }}
          />
          {problem ? (
            <p id={`${bodyId}-error`} className="field__error" role="alert">
              {problem}
            </p>
          ) : null}
        </div>
        <div className="actions actions--start">
          <Button variant="primary" disabled={audience.state !== 'ready' || reachable === 0 || progress !== null} onClick={ask}>
            {t('notices.send')}
          </Button>
        </div>
        {progress ? <ProgressBar label={t('notices.progress')} done={progress.done} total={progress.total} /> : null}
      </section>

      <section className="card" aria-labelledby="newsletter-history">
        <h2 id="newsletter-history">{t('notices.history')}</h2>
        {history.state === 'ready' && history.value.campaigns.length === 0 ? <p className="muted">{t('notices.historyEmpty')}</p> : null}
        {history.state === 'ready' ? (
          <ul className="notices-history">
            {history.value.campaigns.map((campaign) => (
              <CampaignItem key={campaign.campaignId} campaign={campaign} onResume={() => void resume(campaign)} />
            ))}
          </ul>
        ) : null}
      </section>

      <Dialog
        open={confirming}
        title={t('notices.confirmTitle')}
        onClose={() => setConfirming(false)}
        onSubmit={() => void send()}
        footer={
          <>
            <Button variant="quiet" onClick={() => setConfirming(false)}>
              {t('notices.cancel')}
            </Button>
            <Button type="submit" variant="primary" busy={busy}>
              {t('notices.confirm')}
            </Button>
          </>
        }
      >
        <p>{t('notices.confirmBody', { count: String(reachable) })}</p>
      </Dialog>
    </div>
  );
}

function CampaignItem({ campaign, onResume }: Readonly<{ campaign: CampaignResult; onResume: () => void }>): JSX.Element {
  const { t, i18n } = useTranslation();
  const other = Object.entries(campaign.reasons).reduce((sum, [reason, n]) => (REASONS.includes(reason as (typeof REASONS)[number]) ? sum : sum + n), 0);
  const paused = !campaign.running && campaign.queued > 0;
  return (
    <li className="notices-campaign" data-testid="newsletter-result">
      <p className="notices-campaign__head">
        <time dateTime={new Date(campaign.createdAt).toISOString()}>{new Date(campaign.createdAt).toLocaleString(i18n.language, { dateStyle: 'medium', timeStyle: 'short' })}</time>
        {' · '}
        <span className="muted">{campaign.preview}</span>
      </p>
      <ul className="notices-counts">
        <li className="chip chip--ok">{t('notices.sent', { count: String(campaign.sent) })}</li>
        {campaign.refused > 0 ? <li className="chip">{t('notices.refused', { count: String(campaign.refused) })}</li> : null}
        {campaign.queued > 0 ? <li className="chip chip--soon">{campaign.running ? t('notices.running') : t('notices.queued', { count: String(campaign.queued) })}</li> : null}
      </ul>
      {campaign.refused > 0 ? (
        <ul className="notices-reasons small">
          {REASONS.filter((r) => (campaign.reasons[r] ?? 0) > 0).map((r) => (
            <li key={r}>
              {campaign.reasons[r]} {t(`notices.reasons.${r}`)}
            </li>
          ))}
          {other > 0 ? (
            <li>
              {other} {t('notices.reasons.other')}
            </li>
          ) : null}
        </ul>
      ) : null}
      {paused ? (
        <div className="notices-paused">
          <p className="small">{t('notices.paused')}</p>
          <Button onClick={onResume}>{t('notices.resume')}</Button>
        </div>
      ) : null}
    </li>
  );
}
