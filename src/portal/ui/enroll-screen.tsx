// Runs in the portal: first visit. The patient enters the code from their receipt (or it
// arrives from the receipt's QR code), compares the clinic fingerprint, and chooses the
// passphrase that locks this device's keys and messages. The code is redeemed only after
// the passphrase is chosen, so a closed tab never wastes the code.
import { type FormEvent, useEffect, useId, useState } from 'react';

import { type CheckedCode, EnrollError, checkEnrollmentCode, redeemEnrollment } from '../client/enroll';
import { PatientClient, type VaultSecrets } from '../client/patient-client';
import { RelayError } from '../client/relay-socket';
import { type DeriveKey } from '../crypto/key-wrap';
import { type PortalSodium } from '../crypto/sodium';
import { type MessageKey } from '../i18n/catalog';
import { type VaultBackend } from '../storage/backend';
import { Vault } from '../storage/vault';
import { useI18n } from './i18n';
import { ScreenHeading } from './screen-heading';
import { FormError } from './form-error';

type Step = 'code' | 'fingerprint' | 'mismatch' | 'passphrase';

const enrollErrorKey: Record<EnrollError['code'], MessageKey> = {
  malformed: 'codeMalformed',
  typo: 'codeTypo',
  'wrong-kind': 'codeWrongKind',
  'wrong-clinic': 'codeWrongClinic',
  'not-set-up': 'codeNotSetUp',
  changed: 'codeChanged',
  untrusted: 'codeUntrusted',
};

function errorKey(error: unknown): MessageKey {
  if (error instanceof EnrollError) return enrollErrorKey[error.code];
  if (error instanceof RelayError) {
    if (['already-used', 'expired', 'not-found'].includes(error.code)) return 'codeUsed';
    if (error.code === 'wrong-clinic' || error.code === 'bad-signature') return 'codeWrongClinic';
    if (error.transient) return 'offline';
  }
  return 'somethingWrong';
}

/** The passphrase rules (zxcvbn and its dictionaries) load only when needed: a separate chunk. */
const loadPassphraseRules = () => import('../../shared/passphrase');

/** Lets the browser paint a "working" message before a slow, blocking step (Argon2id). */
const nextPaint = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 50));

export function EnrollScreen(props: { readonly sodium: PortalSodium; readonly backend: VaultBackend; readonly derive: DeriveKey; readonly wsUrl: string; readonly initialCode: string | null; readonly onReady: (client: PatientClient) => void }) {
  const { t } = useI18n();
  const [step, setStep] = useState<Step>('code');
  const [code, setCode] = useState(props.initialCode ?? '');
  const [checked, setChecked] = useState<CheckedCode | null>(null);
  const [error, setError] = useState<MessageKey | null>(null);
  const [busy, setBusy] = useState(false);
  const [passphrase, setPassphrase] = useState('');
  const [confirm, setConfirm] = useState('');
  const [passError, setPassError] = useState<{ field: 'passphrase' | 'confirm'; text: string } | null>(null);
  const ids = { code: useId(), codeHint: useId(), codeError: useId(), pass: useId(), passHint: useId(), passError: useId(), confirm: useId() };

  useEffect(() => {
    if (step === 'passphrase') void loadPassphraseRules();
  }, [step]);

  const submitCode = async (event: FormEvent) => {
    event.preventDefault();
    if (busy) return;
    if (code.trim() === '') return setError('codeMissing');
    setBusy(true);
    setError(null);
    try {
      setChecked(await checkEnrollmentCode(props.sodium, props.wsUrl, code));
      setStep('fingerprint');
    } catch (caught) {
      setError(errorKey(caught));
    } finally {
      setBusy(false);
    }
  };

  const submitPassphrase = async (event: FormEvent) => {
    event.preventDefault();
    if (busy || !checked) return;
    const { judgePassphrase, passphraseRules } = await loadPassphraseRules();
    const verdict = judgePassphrase(passphrase, checked.clinicName ? [checked.clinicName] : []);
    if (!verdict.ok) {
      const short = verdict.problems.includes('too-short');
      return setPassError({ field: 'passphrase', text: short ? t('passphraseTooShort', { min: passphraseRules.minLength }) : t('passphraseWeak') });
    }
    if (passphrase !== confirm) return setPassError({ field: 'confirm', text: t('passphraseMismatch') });
    setPassError(null);
    setError(null);
    setBusy(true);
    await nextPaint();
    try {
      const identity = await redeemEnrollment(props.sodium, props.wsUrl, checked, Date.now());
      const vault = await Vault.create<VaultSecrets>(props.sodium, props.backend, passphrase, { identity }, undefined, props.derive);
      props.onReady(await PatientClient.open({ sodium: props.sodium, vault }));
    } catch (caught) {
      setError(errorKey(caught));
      setBusy(false);
    }
  };

  const restart = () => {
    setStep('code');
    setChecked(null);
    setError(null);
    setCode('');
  };

  if (step === 'fingerprint' && checked) {
    return (
      <section className="card">
        <ScreenHeading>{t('fingerprintTitle')}</ScreenHeading>
        <p>{t('fingerprintIntro')}</p>
        {checked.clinicName ? (
          <p className="clinic-name">
            <span className="label">{t('fingerprintClinic')}</span> {checked.clinicName}
          </p>
        ) : null}
        <p className="label" id="fingerprint-label">
          {t('fingerprintLabel')}
        </p>
        <p className="fingerprint" aria-labelledby="fingerprint-label" data-testid="fingerprint">
          {checked.fingerprint.split(' ').map((group, i) => (
            <span key={i}>{group}</span>
          ))}
        </p>
        <p>{t('fingerprintAsk')}</p>
        <div className="actions">
          <button type="button" className="primary" onClick={() => setStep('passphrase')}>
            {t('fingerprintMatches')}
          </button>
          <button type="button" className="secondary" onClick={() => setStep('mismatch')}>
            {t('fingerprintDiffers')}
          </button>
        </div>
      </section>
    );
  }

  if (step === 'mismatch') {
    return (
      <section className="card">
        <ScreenHeading>{t('fingerprintTitle')}</ScreenHeading>
        <p className="alert" role="alert">
          {t('fingerprintStop')}
        </p>
        <div className="actions">
          <button type="button" className="secondary" onClick={restart}>
            {t('startOver')}
          </button>
        </div>
      </section>
    );
  }

  if (step === 'passphrase' && checked) {
    return (
      <section className="card">
        <ScreenHeading>{t('passphraseTitle')}</ScreenHeading>
        <p>{t('passphraseIntro')}</p>
        <p id={ids.passHint} className="hint">
          {t('passphraseAdvice')}
        </p>
        <p className="hint">{t('sharedDeviceWarning')}</p>
        <form onSubmit={(e) => void submitPassphrase(e)} noValidate>
          <div className="field">
            <label htmlFor={ids.pass}>{t('passphraseLabel')}</label>
            <input
              id={ids.pass}
              type="password"
              autoComplete="new-password"
              value={passphrase}
              onChange={(e) => setPassphrase(e.target.value)}
              aria-describedby={passError?.field === 'passphrase' ? `${ids.passHint} ${ids.passError}` : ids.passHint}
              aria-invalid={passError?.field === 'passphrase' ? true : undefined}
              disabled={busy}
              required
            />
          </div>
          <div className="field">
            <label htmlFor={ids.confirm}>{t('passphraseConfirmLabel')}</label>
            <input
              id={ids.confirm}
              type="password"
              autoComplete="new-password"
              value={confirm}
              onChange={(e) => setConfirm(e.target.value)}
              aria-describedby={passError?.field === 'confirm' ? ids.passError : undefined}
              aria-invalid={passError?.field === 'confirm' ? true : undefined}
              disabled={busy}
              required
            />
          </div>
          <FormError id={ids.passError} text={passError?.text ?? null} />
          <FormError text={error ? t(error) : null} />
          {busy ? (
            <p className="status" role="status">
              {t('creating')}
            </p>
          ) : null}
          <div className="actions">
            <button type="submit" className="primary" disabled={busy}>
              {busy ? t('working') : t('passphraseCreate')}
            </button>
            {error ? (
              <button type="button" className="secondary" onClick={restart} disabled={busy}>
                {t('startOver')}
              </button>
            ) : null}
          </div>
        </form>
      </section>
    );
  }

  return (
    <section className="card">
      <ScreenHeading>{t('enrollTitle')}</ScreenHeading>
      <p>{t('enrollIntro')}</p>
      <form onSubmit={(e) => void submitCode(e)} noValidate>
        <div className="field">
          <label htmlFor={ids.code}>{t('codeLabel')}</label>
          <p id={ids.codeHint} className="hint">
            {t('codeHint')}
          </p>
          <textarea
            id={ids.code}
            className="code-input"
            rows={3}
            value={code}
            onChange={(e) => setCode(e.target.value)}
            autoComplete="off"
            autoCapitalize="characters"
            spellCheck={false}
            aria-describedby={error ? `${ids.codeHint} ${ids.codeError}` : ids.codeHint}
            aria-invalid={error ? true : undefined}
            disabled={busy}
          />
        </div>
        <FormError id={ids.codeError} text={error ? t(error) : null} />
        <div className="actions">
          <button type="submit" className="primary" disabled={busy}>
            {busy ? t('working') : t('codeContinue')}
          </button>
        </div>
      </form>
    </section>
  );
}
