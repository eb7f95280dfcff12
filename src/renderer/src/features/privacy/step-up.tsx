// Runs in the renderer: DOM only, no Node.
// Root actions (rules, computers, invites, exports) are refused by main without a fresh
// code from an authenticator app. `useStepUp()` wraps such a call: when main answers
// `step-up-required`, the code dialog opens (or enrollment, when none is set up yet), and
// the call runs once more after a good code. Main decides; this only asks.
import { type FormEvent, type ReactNode, createContext, useCallback, useContext, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';

import type { IpcError, IpcResult } from '../../../../shared/ipc/errors';
import { Button } from '../../components/button';
import { Dialog } from '../../components/dialog';
import { TextField } from '../../components/text-field';
import { useToast } from '../../components/toast';
import { clinic } from '../../lib/api';
import { errorText } from '../../lib/i18n';
import { useQuery } from '../../lib/use-query';
import { QrCode } from '../consent-flow/receipt-view';

type Guard = <T>(run: () => Promise<IpcResult<T>>) => Promise<IpcResult<T>>;

const StepUpContext = createContext<Guard>((run) => run());
/** Counts the times main asked for a code and a code was given, so what shows the step-up state loads it again. */
const CodesGiven = createContext(0);

/** Runs a root action; asks for a code and runs it again when main wants one. */
export function useStepUp(): Guard {
  return useContext(StepUpContext);
}

type Asking = { readonly mode: 'verify' | 'enroll'; readonly resolve: (done: boolean) => void };

export function StepUpProvider({ children }: Readonly<{ children: ReactNode }>) {
  const [asking, setAsking] = useState<Asking | null>(null);
  const [given, setGiven] = useState(0);
  const guard = useCallback<Guard>(async (run) => {
    const first = await run();
    if (first.ok || first.error.code !== 'step-up-required') return first;
    // Main says the last code is too old: what shows the step-up state loads it again.
    setGiven((n) => n + 1);
    const done = await new Promise<boolean>((resolve) => setAsking({ mode: first.error.reason === 'enroll' ? 'enroll' : 'verify', resolve }));
    setAsking(null);
    if (!done) return first;
    setGiven((n) => n + 1);
    return run();
  }, []);
  return (
    <StepUpContext.Provider value={guard}>
      <CodesGiven.Provider value={given}>
        {children}
        {asking?.mode === 'verify' ? <VerifyDialog onDone={asking.resolve} /> : null}
        {asking?.mode === 'enroll' ? <EnrollDialog onDone={asking.resolve} /> : null}
      </CodesGiven.Provider>
    </StepUpContext.Provider>
  );
}

/** The text for a refused code: which way it was wrong, or the generic error. */
function codeError(t: ReturnType<typeof useTranslation>['t'], error: IpcError): string {
  if (error.code === 'invalid-code') return t(error.reason === 'replayed' ? 'privacy.stepUp.replayed' : 'privacy.stepUp.wrong');
  if (error.code === 'invalid-request' && error.fields?.code) return t('privacy.stepUp.wrong');
  return errorText(t, error);
}

function CodeField({ value, onChange, error }: Readonly<{ value: string; onChange: (v: string) => void; error: string | null }>) {
  const { t } = useTranslation();
  const ref = useRef<HTMLInputElement>(null);
  useEffect(() => ref.current?.focus(), []);
  return (
    <div className="step-up__code">
    <TextField
      ref={ref}
      label={t('privacy.stepUp.code')}
      hint={t('privacy.stepUp.codeHint')}
      value={value}
      onChange={(e) => onChange(e.target.value)}
      autoComplete="one-time-code"
      spellCheck={false}
      maxLength={20}
      required
      error={error}
      data-testid="step-up-code"
    />
    </div>
  );
}

export function VerifyDialog({ onDone }: Readonly<{ onDone: (done: boolean) => void }>) {
  const { t } = useTranslation();
  const [code, setCode] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event?: FormEvent) => {
    event?.preventDefault();
    if (busy) return;
    if (code.trim().length < 6) return setError(t('privacy.stepUp.wrong'));
    setBusy(true);
    const result = await clinic().stepup.verify({ code });
    setBusy(false);
    if (!result.ok) {
      setCode('');
      return setError(codeError(t, result.error));
    }
    onDone(true);
  };
  return (
    <Dialog
      open
      title={t('privacy.stepUp.verifyTitle')}
      onClose={() => onDone(false)}
      onSubmit={(e) => void submit(e)}
      footer={
        <>
          <Button variant="quiet" onClick={() => onDone(false)}>
            {t('common.cancel')}
          </Button>
          <Button variant="primary" type="submit" busy={busy}>
            {t('privacy.stepUp.confirm')}
          </Button>
        </>
      }
    >
      <p>{t('privacy.stepUp.verifyIntro')}</p>
      <CodeField value={code} onChange={setCode} error={error} />
    </Dialog>
  );
}

/** Groups a base32 key by four so it can be typed into an app by hand. */
const grouped = (secret: string) => secret.replace(/(.{4})(?=.)/g, '$1 ');

type Started = { readonly secret: string; readonly uri: string };

/** Enrolls an app; `started` is a key main already gave (replacing an app asks for a code first). */
export function EnrollDialog({ onDone, started }: Readonly<{ onDone: (done: boolean) => void; started?: Started }>) {
  const { t } = useTranslation();
  const toast = useToast();
  const { query: start } = useQuery<Started>(async () => (started ? { ok: true, value: started } : clinic().stepup.begin({})), []);
  const [code, setCode] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [recovery, setRecovery] = useState<readonly string[] | null>(null);

  const submit = async (event?: FormEvent) => {
    event?.preventDefault();
    if (recovery) {
      toast.show('success', t('privacy.stepUp.done'));
      return onDone(true);
    }
    if (busy || start.state !== 'ready') return;
    if (!/^\d{6}$/.test(code.replace(/\s/g, ''))) return setError(t('privacy.stepUp.wrong'));
    setBusy(true);
    const result = await clinic().stepup.confirm({ code: code.replace(/\s/g, '') });
    setBusy(false);
    if (!result.ok) {
      setCode('');
      return setError(codeError(t, result.error));
    }
    setRecovery(result.value.recoveryCodes);
  };

  return (
    <Dialog
      open
      title={t(recovery ? 'privacy.stepUp.recoveryTitle' : 'privacy.stepUp.enrollTitle')}
      // The recovery codes are shown once: closing means they were kept.
      onClose={() => onDone(recovery !== null)}
      onSubmit={(e) => void submit(e)}
      footer={
        recovery ? (
          <Button variant="primary" type="submit">
            {t('privacy.stepUp.saved')}
          </Button>
        ) : (
          <>
            <Button variant="quiet" onClick={() => onDone(false)}>
              {t('common.cancel')}
            </Button>
            <Button variant="primary" type="submit" busy={busy} disabled={start.state !== 'ready'}>
              {t('privacy.stepUp.confirm')}
            </Button>
          </>
        )
      }
    >
      {recovery ? (
        <>
          <p>{t('privacy.stepUp.recoveryIntro')}</p>
          <ol className="recovery-codes" aria-label={t('privacy.stepUp.recoveryCaption')} data-testid="recovery-codes">
            {recovery.map((c) => (
              <li key={c}>
                <code>{c}</code>
              </li>
            ))}
          </ol>
        </>
      ) : start.state === 'loading' ? (
        <p role="status">
          <span className="spinner" aria-hidden="true" /> {t('privacy.stepUp.starting')}
        </p>
      ) : start.state === 'failed' ? (
        <p role="alert">{errorText(t, start.error)}</p>
      ) : (
        <>
          <p>{t('privacy.stepUp.enrollIntro')}</p>
          <div className="enroll">
            <QrCode text={start.value.uri} label={t('privacy.stepUp.qrLabel')} />
            <div>
              <p className="muted">{t('privacy.stepUp.secretLabel')}</p>
              <p className="enroll__secret" data-testid="step-up-secret" data-secret={start.value.secret}>
                {grouped(start.value.secret)}
              </p>
            </div>
          </div>
          <CodeField value={code} onChange={setCode} error={error} />
        </>
      )}
    </Dialog>
  );
}

/** The IT admin's own sign-in codes: whether an app is set up, and how many recovery codes are left. */
export function SignInCodesCard() {
  const { t, i18n } = useTranslation();
  const given = useContext(CodesGiven);
  const { query, refresh } = useQuery(() => clinic().stepup.status({}), [given]);
  const [dialog, setDialog] = useState<{ started?: Started } | null>(null);
  const guard = useStepUp();
  const toast = useToast();

  const openEnroll = async () => {
    if (query.state !== 'ready' || !query.value.enrolled) return setDialog({});
    // Replacing the app needs a code from the one set up now (main asks when it is due).
    const asked = await guard(() => clinic().stepup.begin({}));
    void refresh();
    if (!asked.ok) return toast.show('error', errorText(t, asked.error));
    setDialog({ started: asked.value });
  };

  return (
    <section className="card privacy-card" aria-labelledby="step-up-title">
      <h3 id="step-up-title">{t('privacy.stepUp.title')}</h3>
      <p>{t('privacy.stepUp.intro')}</p>
      {query.state === 'loading' ? (
        <p className="muted">{t('common.loading')}</p>
      ) : query.state === 'failed' ? (
        <p role="alert">{errorText(t, query.error)}</p>
      ) : (
        <>
          <p data-testid="step-up-state">
            {query.value.enrolled ? t('privacy.stepUp.enrolled', { count: query.value.recoveryLeft }) : t('privacy.stepUp.notEnrolled')}
            {!query.value.enrolled && query.value.required ? ` ${t('privacy.stepUp.requiredByRules')}` : ''}
          </p>
          {query.value.freshUntil ? (
            <p className="muted">{t('privacy.stepUp.fresh', { time: new Date(query.value.freshUntil).toLocaleTimeString(i18n.language, { timeStyle: 'short' }) })}</p>
          ) : null}
          <div className="actions actions--start">
            <Button variant={query.value.enrolled ? 'secondary' : 'primary'} onClick={() => void openEnroll()}>
              {t(query.value.enrolled ? 'privacy.stepUp.replace' : 'privacy.stepUp.setUp')}
            </Button>
          </div>
        </>
      )}
      {dialog ? (
        <EnrollDialog
          {...(dialog.started ? { started: dialog.started } : {})}
          onDone={() => {
            setDialog(null);
            void refresh();
          }}
        />
      ) : null}
    </section>
  );
}
