// Runs in the renderer: DOM only, no Node.
// The four changes the front desk can record from a patient's page, each confirmed in a dialog.
// Each one is a new signed record; main checks again that the change fits the current state.
import { type ReactNode, type Ref, useEffect, useId, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';

import { describeIdentityMethod, scopeLabel } from '../../../../shared/consent/template';
import { type IdentityMethod, identityMethods } from '../../../../shared/consent/types';
import type { IpcResult } from '../../../../shared/ipc/errors';
import { type ConsentScope, consentScopes } from '../../../../shared/protocol/documents';
import { Button } from '../../components/button';
import { Dialog } from '../../components/dialog';
import { SelectField } from '../../components/select-field';
import { TextField } from '../../components/text-field';
import { clinic } from '../../lib/api';
import { consentErrorText, consentLanguage, endOfDay, formatDate, toDateInput } from './format';

const REASON_MAX = 500;
const NOTE_MAX = 200;
const DAY_MS = 86_400_000;

type DialogBase = Readonly<{
  patientId: string;
  onClose: () => void;
  /** After success: the text of the toast to show. */
  onDone: (message: string) => void;
}>;

/** A multi-line text field in the house style, with its own hint and error. */
function TextArea({
  label,
  hint,
  value,
  max,
  onChange,
  inputRef,
}: Readonly<{ label: string; hint?: string; value: string; max: number; onChange: (value: string) => void; inputRef?: Ref<HTMLTextAreaElement> }>) {
  const { t } = useTranslation();
  const id = useId();
  const tooLong = value.trim().length > max;
  const describedBy = [hint ? `${id}-hint` : '', tooLong ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div className={`field${tooLong ? ' field--invalid' : ''}`}>
      <label htmlFor={id} className="field__label">
        {label}
      </label>
      {hint ? (
        <p id={`${id}-hint`} className="field__hint">
          {hint}
        </p>
      ) : null}
      <textarea
        ref={inputRef}
        id={id}
        className="field__input register-textarea"
        rows={3}
        value={value}
        aria-invalid={tooLong || undefined}
        aria-describedby={describedBy}
        onChange={(event) => onChange(event.target.value)}
      />
      {tooLong ? (
        <p id={`${id}-error`} className="field__error" role="alert">
          {t('register.tooLong', { max })}
        </p>
      ) : null}
    </div>
  );
}

/** The dialog frame shared by the four changes: submit, busy state, and the server's refusal. */
function ChangeDialog({
  title,
  confirm,
  danger,
  onClose,
  onSubmit,
  children,
}: Readonly<{ title: string; confirm: string; danger?: boolean; onClose: () => void; onSubmit: () => Promise<void>; children: ReactNode }>) {
  const { t } = useTranslation();
  const [busy, setBusy] = useState(false);
  return (
    <Dialog
      open
      title={title}
      onClose={onClose}
      onSubmit={() => {
        if (busy) return;
        setBusy(true);
        void onSubmit().finally(() => setBusy(false));
      }}
      footer={
        <>
          <Button onClick={onClose}>{t('common.cancel')}</Button>
          <Button type="submit" variant={danger ? 'danger' : 'primary'} busy={busy}>
            {confirm}
          </Button>
        </>
      }
    >
      <div className="stack">{children}</div>
    </Dialog>
  );
}

function ServerError({ text }: Readonly<{ text: string | null }>) {
  return text ? (
    <p className="inline-error" role="alert">
      {text}
    </p>
  ) : null;
}

/** Runs a change; on refusal keeps the dialog open with the reason in plain words. */
function useSubmit(onDone: (message: string) => void) {
  const { t } = useTranslation();
  const [error, setError] = useState<string | null>(null);
  const run = async <T,>(request: () => Promise<IpcResult<T>>, message: (value: T) => string) => {
    setError(null);
    const result = await request();
    if (result.ok) onDone(message(result.value));
    else setError(consentErrorText(t, result.error));
  };
  return { error, setError, run };
}

export function WithdrawDialog({ patientId, onClose, onDone }: DialogBase) {
  const { t } = useTranslation();
  const [reason, setReason] = useState('');
  const { error, run } = useSubmit(onDone);
  const field = useRef<HTMLTextAreaElement>(null);
  useEffect(() => field.current?.focus(), []);
  return (
    <ChangeDialog
      title={t('register.withdraw.title')}
      confirm={t('register.withdraw.confirm')}
      danger
      onClose={onClose}
      onSubmit={async () => {
        if (reason.trim().length > REASON_MAX) return field.current?.focus();
        await run(() => clinic().consent.withdraw({ patientId, reason: reason.trim() }), () => t('register.withdraw.done'));
      }}
    >
      <ul className="register-effects">
        <li>{t('register.withdraw.effect')}</li>
        <li>{t('register.withdraw.kept')}</li>
        <li>{t('register.withdraw.staff')}</li>
      </ul>
      <TextArea inputRef={field} label={t('register.withdraw.reason')} hint={t('register.withdraw.reasonHint')} value={reason} max={REASON_MAX} onChange={setReason} />
      <ServerError text={error} />
    </ChangeDialog>
  );
}

export function ChangeScopesDialog({ patientId, current, onClose, onDone }: DialogBase & Readonly<{ current: readonly ConsentScope[] }>) {
  const { t, i18n } = useTranslation();
  const [scopes, setScopes] = useState<readonly ConsentScope[]>(current);
  const [reason, setReason] = useState('');
  const [tried, setTried] = useState(false);
  const { error, run } = useSubmit(onDone);
  const first = useRef<HTMLInputElement>(null);
  const errorId = useId();
  useEffect(() => first.current?.focus(), []);
  const none = scopes.length === 0;
  return (
    <ChangeDialog
      title={t('register.change.title')}
      confirm={t('register.change.confirm')}
      onClose={onClose}
      onSubmit={async () => {
        setTried(true);
        if (none) return first.current?.focus();
        if (reason.trim().length > REASON_MAX) return;
        const ordered = consentScopes.filter((s) => scopes.includes(s));
        await run(() => clinic().consent['change-scopes']({ patientId, scopes: ordered, reason: reason.trim() }), () => t('register.change.done'));
      }}
    >
      <p className="small muted">{t('register.change.intro')}</p>
      <fieldset className="register-choices" aria-describedby={tried && none ? errorId : undefined}>
        <legend className="field__label">{t('register.change.legend')}</legend>
        {consentScopes.map((scope, index) => (
          <label key={scope} className="register-choice">
            <input
              ref={index === 0 ? first : undefined}
              type="checkbox"
              checked={scopes.includes(scope)}
              aria-invalid={(tried && none) || undefined}
              onChange={(event) => setScopes((all) => (event.target.checked ? [...all, scope] : all.filter((s) => s !== scope)))}
            />
            <span>{scopeLabel(scope, consentLanguage(i18n.language))}</span>
          </label>
        ))}
        {tried && none ? (
          <p id={errorId} className="field__error" role="alert">
            {t('register.change.noScope')}
          </p>
        ) : null}
      </fieldset>
      <TextArea label={t('register.change.reason')} value={reason} max={REASON_MAX} onChange={setReason} />
      <ServerError text={error} />
    </ChangeDialog>
  );
}

export function RenewDialog({ patientId, currentEnd, onClose, onDone }: DialogBase & Readonly<{ currentEnd: number | null }>) {
  const { t, i18n } = useTranslation();
  const [now] = useState(() => Date.now());
  const tomorrow = toDateInput(now + DAY_MS);
  const [date, setDate] = useState(() => toDateInput(Math.max(currentEnd ?? 0, now) + 365 * DAY_MS));
  const [tried, setTried] = useState(false);
  const { error, run } = useSubmit(onDone);
  const field = useRef<HTMLInputElement>(null);
  useEffect(() => field.current?.focus(), []);
  const end = endOfDay(date);
  const invalid = end === null || date < tomorrow;
  return (
    <ChangeDialog
      title={t('register.renew.title')}
      confirm={t('register.renew.confirm')}
      onClose={onClose}
      onSubmit={async () => {
        setTried(true);
        if (invalid || end === null) return field.current?.focus();
        await run(() => clinic().consent.renew({ patientId, expiresAt: end }), () => t('register.renew.done', { date: formatDate(end, i18n.language) }));
      }}
    >
      <p className="small muted">{t('register.renew.intro')}</p>
      <TextField
        ref={field}
        type="date"
        label={t('register.renew.date')}
        value={date}
        min={tomorrow}
        error={tried && invalid ? t('register.renew.future') : null}
        onChange={(event) => setDate(event.target.value)}
      />
      <ServerError text={error} />
    </ChangeDialog>
  );
}

export function ReverifyDialog({ patientId, onClose, onDone }: DialogBase) {
  const { t, i18n } = useTranslation();
  const [method, setMethod] = useState<IdentityMethod>('photo-id');
  const [note, setNote] = useState('');
  const { error, run } = useSubmit(onDone);
  const language = consentLanguage(i18n.language);
  useEffect(() => {
    document.querySelector<HTMLSelectElement>('.register-reverify select')?.focus();
  }, []);
  return (
    <ChangeDialog
      title={t('register.reverify.title')}
      confirm={t('register.reverify.confirm')}
      onClose={onClose}
      onSubmit={async () => {
        if (note.trim().length > NOTE_MAX) return;
        await run(() => clinic().consent.reverify({ patientId, method, note: note.trim() }), () => t('register.reverify.done'));
      }}
    >
      <p className="small muted">{t('register.reverify.intro')}</p>
      <div className="register-reverify">
        <SelectField
          label={t('register.reverify.method')}
          value={method}
          options={identityMethods.map((value) => ({ value, label: describeIdentityMethod(value, language) }))}
          onChange={setMethod}
        />
      </div>
      <TextArea label={t('register.reverify.note')} hint={t('register.reverify.noteHint')} value={note} max={NOTE_MAX} onChange={setNote} />
      <ServerError text={error} />
    </ChangeDialog>
  );
}
