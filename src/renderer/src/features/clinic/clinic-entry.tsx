// Runs in the renderer: DOM only, no Node.
// Before an account belongs to a clinic: set one up on this computer, or join one with the
// invite an IT admin gave; then wait for approval.
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';

import { ClinicName, ClinicSetUpDetails, type ClinicStatus, PersonName } from '../../../../shared/clinic';
import type { IpcError } from '../../../../shared/ipc/errors';
import { useClinicStatus } from '../../app/clinic-context';
import { useSession } from '../../app/session-context';
import { Button } from '../../components/button';
import { TextField } from '../../components/text-field';
import { clinic } from '../../lib/api';
import { errorText } from '../../lib/i18n';
import './clinic.css';

type Mode = 'choose' | 'set-up' | 'join';

export function ClinicEntry({ displayName }: Readonly<{ displayName: string }>) {
  const { t } = useTranslation();
  const { status, error, apply: setStatus } = useClinicStatus();
  const [mode, setMode] = useState<Mode>('choose');

  if (!status) return error ? <p role="alert">{errorText(t, error)}</p> : <p className="muted">{t('common.loading')}</p>;
  if (status.state === 'pending') return <PendingApproval status={status} onStatus={setStatus} />;

  return (
    <section className="clinic-entry" aria-labelledby="clinic-entry-title">
      <h2 id="clinic-entry-title">{t('flow.clinic.title')}</h2>
      <p>{t('flow.clinic.intro')}</p>
      {mode === 'choose' ? (
        <div className="clinic-entry__choices">
          <div className="card">
            <h3>{t('flow.clinic.setUpTitle')}</h3>
            <p>{t('flow.clinic.setUpBody')}</p>
            <Button variant="primary" onClick={() => setMode('set-up')}>
              {t('flow.clinic.setUpAction')}
            </Button>
          </div>
          <div className="card">
            <h3>{t('flow.clinic.joinTitle')}</h3>
            <p>{t('flow.clinic.joinBody')}</p>
            <Button variant="primary" onClick={() => setMode('join')}>
              {t('flow.clinic.joinAction')}
            </Button>
          </div>
        </div>
      ) : mode === 'set-up' ? (
        <SetUpForm defaultName={displayName} onBack={() => setMode('choose')} onStatus={setStatus} />
      ) : (
        <JoinForm localServer={status.state === 'none' ? status.localServer : null} onBack={() => setMode('choose')} onStatus={setStatus} />
      )}
    </section>
  );
}

function fieldError(t: ReturnType<typeof useTranslation>['t'], error: IpcError | null, field: string): string | null {
  const code = error?.fields?.[field];
  return code ? t(`flow.fieldErrors.${code}`, { defaultValue: t('flow.fieldErrors.invalid') }) : null;
}

function SetUpForm({ defaultName, onBack, onStatus }: Readonly<{ defaultName: string; onBack: () => void; onStatus: (s: ClinicStatus) => void }>) {
  const { t } = useTranslation();
  const { refresh } = useSession();
  const [clinicName, setClinicName] = useState('');
  const [yourName, setYourName] = useState(defaultName);
  const [details, setDetails] = useState({ phone: '', emergencyNumber: '911', emergencyDepartment: '', opens: '08:30', closes: '17:00' });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<IpcError | null>(null);
  const detail = (field: keyof typeof details) => ({
    value: details[field],
    onChange: (e: { target: { value: string } }) => {
      setDetails((d) => ({ ...d, [field]: e.target.value }));
      // The field's own message goes once it is edited; the others stay until the next try.
      setError((current) => {
        if (!current?.fields?.[`details.${field}`]) return current;
        const { [`details.${field}`]: _edited, ...rest } = current.fields;
        return { ...current, fields: rest };
      });
    },
    error: fieldError(t, error, `details.${field}`),
  });

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    // The same checks main makes, first here, so every field says what is wrong at once.
    const checked = ClinicSetUpDetails.safeParse(details);
    const fields: Record<string, string> = {};
    const name = ClinicName.safeParse(clinicName);
    if (!name.success) fields.clinicName = name.error.issues[0]?.message ?? 'invalid';
    const person = PersonName.safeParse(yourName);
    if (!person.success) fields.yourName = person.error.issues[0]?.message ?? 'invalid';
    if (!checked.success) for (const issue of checked.error.issues) fields[`details.${issue.path.join('.')}`] ??= issue.message;
    if (!checked.success || Object.keys(fields).length > 0) return setError({ code: 'invalid-request', message: 'Check the highlighted fields.', fields });
    setBusy(true);
    const timeZone = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
    const result = await clinic().clinic['set-up']({ where: 'this-computer', clinicName, yourName, timeZone, details: checked.data });
    setBusy(false);
    if (!result.ok) return setError(result.error);
    onStatus(result.value);
    await refresh();
  };

  return (
    <form className="card clinic-form" aria-labelledby="set-up-title" onSubmit={(e) => void submit(e)} noValidate>
      <h3 id="set-up-title">{t('flow.clinic.setUpTitle')}</h3>
      <p>{t('flow.clinic.setUpExplain')}</p>
      <TextField label={t('flow.clinic.clinicName')} value={clinicName} onChange={(e) => setClinicName(e.target.value)} error={fieldError(t, error, 'clinicName')} required autoFocus />
      <TextField label={t('flow.clinic.yourName')} hint={t('flow.clinic.yourNameHint')} value={yourName} onChange={(e) => setYourName(e.target.value)} error={fieldError(t, error, 'yourName')} required />
      <h4 className="clinic-form__subtitle">{t('flow.clinic.detailsTitle')}</h4>
      <p className="small muted">{t('flow.clinic.detailsExplain')}</p>
      <TextField label={t('flow.clinic.phone')} hint={t('flow.clinic.phoneHint')} {...detail('phone')} type="tel" autoComplete="off" maxLength={40} required />
      <TextField label={t('flow.clinic.emergencyNumber')} hint={t('flow.clinic.emergencyNumberHint')} {...detail('emergencyNumber')} inputMode="tel" maxLength={20} required />
      <TextField label={t('flow.clinic.emergencyDepartment')} hint={t('flow.clinic.emergencyDepartmentHint')} {...detail('emergencyDepartment')} maxLength={300} required />
      <fieldset className="clinic-form__hours">
        <legend>{t('flow.clinic.hoursLegend')}</legend>
        <p className="small muted">{t('flow.clinic.hoursHint')}</p>
        <TextField label={t('flow.clinic.opens')} {...detail('opens')} type="time" required />
        <TextField label={t('flow.clinic.closes')} {...detail('closes')} type="time" required />
      </fieldset>
      {error && !error.fields ? <p role="alert" className="form-error">{errorText(t, error)}</p> : null}
      <div className="form-actions">
        <Button onClick={onBack}>{t('flow.back')}</Button>
        <Button variant="primary" type="submit" busy={busy}>
          {t('flow.clinic.setUpSubmit')}
        </Button>
      </div>
    </form>
  );
}

function JoinForm({ localServer, onBack, onStatus }: Readonly<{ localServer: string | null; onBack: () => void; onStatus: (s: ClinicStatus) => void }>) {
  const { t } = useTranslation();
  // A clinic already set up on this computer: its address is the likely answer.
  const [relayUrl, setRelayUrl] = useState(localServer ?? '');
  const [inviteCode, setInviteCode] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<IpcError | null>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    const result = await clinic().clinic.join({ relayUrl, inviteCode });
    setBusy(false);
    if (!result.ok) return setError(result.error);
    onStatus(result.value);
  };

  return (
    <form className="card clinic-form" aria-labelledby="join-title" onSubmit={(e) => void submit(e)} noValidate>
      <h3 id="join-title">{t('flow.clinic.joinTitle')}</h3>
      <TextField
        label={t('flow.clinic.relayUrl')}
        hint={localServer ? t('flow.clinic.relayUrlLocal') : t('flow.clinic.relayUrlHint')}
        value={relayUrl}
        onChange={(e) => setRelayUrl(e.target.value)}
        error={fieldError(t, error, 'relayUrl')}
        inputMode="url"
        required
        autoFocus={!localServer}
      />
      <TextField
        label={t('flow.clinic.inviteCode')}
        hint={t('flow.clinic.inviteCodeHint')}
        value={inviteCode}
        onChange={(e) => setInviteCode(e.target.value)}
        error={fieldError(t, error, 'inviteCode')}
        autoComplete="off"
        spellCheck={false}
        required
        autoFocus={Boolean(localServer)}
      />
      {error && !error.fields ? <p role="alert" className="form-error">{errorText(t, error)}</p> : null}
      <div className="form-actions">
        <Button onClick={onBack}>{t('flow.back')}</Button>
        <Button variant="primary" type="submit" busy={busy}>
          {t('flow.clinic.joinSubmit')}
        </Button>
      </div>
    </form>
  );
}

function PendingApproval({ status, onStatus }: Readonly<{ status: Extract<ClinicStatus, { state: 'pending' }>; onStatus: (s: ClinicStatus) => void }>) {
  const { t } = useTranslation();
  const { refresh } = useSession();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<IpcError | null>(null);
  const check = async () => {
    setBusy(true);
    setError(null);
    const result = await clinic().clinic['check-approval']({});
    setBusy(false);
    if (!result.ok) return setError(result.error);
    onStatus(result.value);
    if (result.value.state === 'member') await refresh();
  };
  return (
    <section className="card clinic-pending" aria-labelledby="pending-title">
      <h2 id="pending-title">{t('flow.clinic.pendingTitle')}</h2>
      <p>{t('flow.clinic.pendingBody', { role: t(`flow.roles.${status.role}`) })}</p>
      <p>{t('flow.clinic.fingerprintLabel')}</p>
      <p className="fingerprint">{status.fingerprint}</p>
      {error ? <p role="alert" className="form-error">{errorText(t, error)}</p> : null}
      <Button variant="primary" busy={busy} onClick={() => void check()}>
        {t('flow.clinic.checkAgain')}
      </Button>
    </section>
  );
}
