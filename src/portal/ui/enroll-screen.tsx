// Runs in the portal: first visit. The patient types the short code from their receipt with
// their date of birth (or arrives from the receipt's QR code with the full code), and the
// portal checks by itself that this is the clinic the code names: nothing to compare. Then
// the patient chooses the passphrase that locks this device's keys and messages. The code is
// redeemed only after the passphrase is chosen, so a closed tab never wastes the code.
import { type FormEvent, useEffect, useId, useState } from 'react';

import { type CheckedCode, EnrollError, checkEnrollmentCode, checkShortEnrollmentCode, redeemEnrollment } from '../client/enroll';
import { PatientClient, type VaultSecrets } from '../client/patient-client';
import { RelayError } from '../client/relay-socket';
import { type DeriveKey } from '../crypto/key-wrap';
import { type PortalSodium } from '../crypto/sodium';
import { type MessageKey } from '../i18n/catalog';
import { type VaultBackend } from '../storage/backend';
import { Vault } from '../storage/vault';
import { type CodeEntry, EnrollCodeForm, type EntryError } from './enroll-code-form';
import { useI18n } from './i18n';
import { ScreenHeading } from './screen-heading';
import { FormError } from './form-error';

type Step = 'code' | 'passphrase';

const enrollErrorKey: Record<EnrollError['code'], MessageKey> = {
  malformed: 'codeMalformed',
  typo: 'codeTypo',
  'wrong-kind': 'codeWrongKind',
  'wrong-clinic': 'codeWrongClinic',
  'not-set-up': 'codeNotSetUp',
  changed: 'codeChanged',
  untrusted: 'codeUntrusted',
  'birth-date': 'birthMissing',
  'short-length': 'shortLength',
  'short-character': 'shortCharacter',
};

const relayErrorKey: Readonly<Record<string, MessageKey>> = {
  'code-or-birth-date': 'codeOrBirth',
  'code-refused': 'codeRefused',
  expired: 'codeExpired',
  'already-used': 'codeAlreadyUsed',
  'not-found': 'codeUsed',
  'no-consent': 'codeNoConsent',
  'rate-limited': 'codeRateLimited',
  'wrong-clinic': 'codeWrongClinic',
  'bad-signature': 'codeWrongClinic',
};

function entryError(error: unknown): EntryError {
  if (error instanceof EnrollError) {
    if (error.code === 'typo' && error.group !== null) return { key: 'shortTypoGroup', values: { group: error.group }, field: 'code' };
    if (error.code === 'short-character' && error.group !== null) return { key: 'shortCharacter', values: { group: error.group }, field: 'code' };
    const field = error.code === 'birth-date' ? 'birth' : ['malformed', 'typo', 'wrong-kind', 'short-length', 'short-character'].includes(error.code) ? 'code' : null;
    return { key: enrollErrorKey[error.code], field };
  }
  if (error instanceof RelayError) {
    const key = relayErrorKey[error.code];
    if (key) return { key, field: null };
    if (error.transient) return { key: 'offline', field: null };
  }
  return { key: 'somethingWrong', field: null };
}

/** The passphrase rules (zxcvbn and its dictionaries) load only when needed: a separate chunk. */
const loadPassphraseRules = () => import('../../shared/passphrase');

/** Lets the browser paint a "working" message before a slow, blocking step (Argon2id). */
const nextPaint = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 50));

export function EnrollScreen(props: { readonly sodium: PortalSodium; readonly backend: VaultBackend; readonly derive: DeriveKey; readonly wsUrl: string; readonly initialCode: string | null; readonly onReady: (client: PatientClient) => void }) {
  const { t } = useI18n();
  const [step, setStep] = useState<Step>('code');
  const [attempt, setAttempt] = useState(0);
  const [checked, setChecked] = useState<CheckedCode | null>(null);
  const [entryFailure, setEntryFailure] = useState<EntryError | null>(null);
  const [error, setError] = useState<MessageKey | null>(null);
  const [busy, setBusy] = useState(false);
  const [passphrase, setPassphrase] = useState('');
  const [confirm, setConfirm] = useState('');
  const [passError, setPassError] = useState<{ field: 'passphrase' | 'confirm'; text: string } | null>(null);
  const ids = { pass: useId(), passHint: useId(), passError: useId(), confirm: useId() };

  useEffect(() => {
    if (step === 'passphrase') void loadPassphraseRules();
  }, [step]);

  const submitCode = async (entry: CodeEntry) => {
    if (busy) return;
    setBusy(true);
    setEntryFailure(null);
    await nextPaint();
    try {
      setChecked(
        entry.kind === 'short'
          ? await checkShortEnrollmentCode(props.sodium, props.wsUrl, entry.code, entry.birthDate, props.derive)
          : await checkEnrollmentCode(props.sodium, props.wsUrl, entry.code),
      );
      setStep('passphrase');
    } catch (caught) {
      setEntryFailure(entryError(caught));
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
      setError(entryError(caught).key);
      setBusy(false);
    }
  };

  const restart = () => {
    setStep('code');
    setChecked(null);
    setError(null);
    setEntryFailure(null);
    setAttempt((n) => n + 1);
  };

  if (step === 'passphrase' && checked) {
    return (
      <section className="card">
        <p className="checked" role="status" data-testid="clinic-checked">
          {checked.clinicName ? t('clinicChecked', { clinic: checked.clinicName }) : t('clinicCheckedNoName')}
        </p>
        <details className="details">
          <summary>{t('detailsLabel')}</summary>
          <p className="hint">{t('fingerprintDetails')}</p>
          <p className="fingerprint" data-testid="fingerprint">
            {checked.fingerprint.split(' ').map((group, i) => (
              <span key={i}>{group}</span>
            ))}
          </p>
        </details>
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
      <EnrollCodeForm key={attempt} initialCode={attempt === 0 ? props.initialCode : null} busy={busy} error={entryFailure} onSubmit={(entry) => void submitCode(entry)} onError={setEntryFailure} />
    </section>
  );
}
