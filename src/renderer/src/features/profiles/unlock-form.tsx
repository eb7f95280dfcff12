// Runs in the renderer: DOM only, no Node.
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';

import type { LockReason, ProfileSummary } from '../../../../shared/profiles';
import { useSession } from '../../app/session-context';
import { Button } from '../../components/button';
import { PassphraseField } from '../../components/passphrase-field';
import { clinic } from '../../lib/api';
import { errorText } from '../../lib/i18n';

/** Counts down to zero once a second; returns the seconds left. */
function useCountdown(): [number, (seconds: number) => void] {
  const [until, setUntil] = useState(0);
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (until <= now) return undefined;
    const timer = window.setInterval(() => setNow(Date.now()), 1000);
    return () => window.clearInterval(timer);
  }, [until, now]);
  return [Math.max(0, Math.ceil((until - now) / 1000)), (seconds) => {
    setNow(Date.now());
    setUntil(Date.now() + seconds * 1000);
  }];
}

export function UnlockForm({
  profile,
  lockReason,
  onBack,
}: Readonly<{ profile: ProfileSummary; lockReason: LockReason | null; onBack: (() => void) | null }>) {
  const { t } = useTranslation();
  const { apply } = useSession();
  const input = useRef<HTMLInputElement>(null);
  const [passphrase, setPassphrase] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const [wait, startWait] = useCountdown();

  useEffect(() => input.current?.focus(), []);

  const unlockWithDevice = async () => {
    setBusy(true);
    const result = await clinic().profiles['unlock-with-device']({ profileId: profile.id });
    setBusy(false);
    if (result.ok) return apply(result.value);
    setNotice(result.error.code === 'device-key-unavailable' ? t('profiles.unlock.deviceForgotten') : errorText(t, result.error));
    input.current?.focus();
  };

  const submit = async () => {
    if (passphrase.length === 0) {
      setProblem(t('profiles.unlock.empty'));
      return input.current?.focus();
    }
    setBusy(true);
    const result = await clinic().profiles.unlock({ profileId: profile.id, passphrase });
    setBusy(false);
    if (result.ok) return apply(result.value);
    const { error } = result;
    if (error.retryAfterSeconds) startWait(error.retryAfterSeconds);
    if (error.code === 'wrong-passphrase') setProblem(t('profiles.unlock.wrong'));
    else if (error.code === 'throttled') setProblem(t('profiles.unlock.throttled'));
    else setProblem(errorText(t, error));
    setPassphrase('');
    input.current?.focus();
  };

  return (
    <form
      className="card access-card"
      aria-labelledby="unlock-title"
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        void submit();
      }}
    >
      <h1 id="unlock-title">{t('profiles.unlock.title', { name: profile.displayName })}</h1>
      {lockReason ? (
        <p className="notice" role="status">
          {t(`profiles.unlock.reasons.${lockReason}`)}
        </p>
      ) : null}
      {notice ? (
        <p className="notice notice--warn" role="alert">
          {notice}
        </p>
      ) : null}
      <PassphraseField
        ref={input}
        label={t('profiles.unlock.passphrase')}
        value={passphrase}
        autoComplete="current-password"
        error={problem}
        onChange={(event) => {
          setProblem(null);
          setPassphrase(event.target.value);
        }}
      />
      {wait > 0 ? (
        <p className="small muted" role="timer" aria-live="off">
          {t('profiles.unlock.waitSeconds', { count: wait })}
        </p>
      ) : null}
      <div className="actions">
        {onBack ? <Button onClick={onBack}>{t('profiles.unlock.otherAccount')}</Button> : null}
        {profile.remembersDevice ? <Button onClick={() => void unlockWithDevice()}>{t('profiles.unlock.withDevice')}</Button> : null}
        <Button type="submit" variant="primary" busy={busy} disabled={wait > 0}>
          {t('profiles.unlock.submit')}
        </Button>
      </div>
      <details className="help">
        <summary>{t('profiles.unlock.forgotTitle')}</summary>
        <p>{t('profiles.unlock.forgotBody')}</p>
      </details>
    </form>
  );
}
