// Runs in the renderer: DOM only, no Node.
// The front-desk consent flow, run with the patient at the counter: who, identity, the text
// read together section by section, separate choices, signature with the clerk as witness,
// a last check, then the receipt with the enrollment code.
import { type FormEvent, useCallback, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';

import type { ConsentRegisterRow, PatientSummary, ReceiptView as Receipt } from '../../../../shared/consent/ipc';
import { scopeLabel } from '../../../../shared/consent/template';
import { type IdentityMethod, identityMethods } from '../../../../shared/consent/types';
import type { IpcError } from '../../../../shared/ipc/errors';
import { missingClinicDetails } from '../../../../shared/protocol/clinic-rules';
import { type ConsentScope, consentScopes } from '../../../../shared/protocol/documents';
import { Button } from '../../components/button';
import { TextField } from '../../components/text-field';
import { useClinicStatus } from '../../app/clinic-context';
import { clinic } from '../../lib/api';
import { errorText } from '../../lib/i18n';
import { ReceiptView } from './receipt-view';
import './consent-flow.css';
import { ChoicesStep, type Language, ReadStep, SignStep, type Template } from './consent-steps';

type Step = 'patient' | 'identity' | 'read' | 'choices' | 'sign' | 'confirm';
const steps: readonly Step[] = ['patient', 'identity', 'read', 'choices', 'sign', 'confirm'];

export function ConsentFlow({ initialPatientId, onDone }: Readonly<{ initialPatientId: string | null; onDone: () => void }>) {
  const { t, i18n } = useTranslation();
  const [step, setStep] = useState<Step>('patient');
  const [patient, setPatient] = useState<PatientSummary | null>(null);
  const [identity, setIdentity] = useState<{ method: IdentityMethod; note: string }>({ method: 'photo-id', note: '' });
  const [language, setLanguage] = useState<Language>(i18n.language === 'fr' ? 'fr' : 'en');
  const [template, setTemplate] = useState<Template | null>(null);
  const [acknowledged, setAcknowledged] = useState<string[]>([]);
  const [choices, setChoices] = useState<Record<ConsentScope, boolean>>({ clinical: true, reminders: false, newsletters: false, attachments: false });
  const [excluded, setExcluded] = useState<string[]>([]);
  const clinicStatus = useClinicStatus().status;
  const validityMonths = clinicStatus?.state === 'member' ? (clinicStatus.rules?.consentRenewal.validityMonths ?? 0) : null;
  // Photos can only be opted into where the clinic's signed rules accept them.
  const attachmentsOffered = clinicStatus?.state === 'member' && clinicStatus.rules?.security.patientAttachments === true;
  const [signature, setSignature] = useState<{ kind: 'drawn'; image: string } | { kind: 'typed'; name: string } | null>(null);
  const [decisionMaker, setDecisionMaker] = useState<{ name: string; relationship: string } | null>(null);
  const [receipt, setReceipt] = useState<Receipt | null>(null);
  const [error, setError] = useState<IpcError | null>(null);
  const [busy, setBusy] = useState(false);
  const headingRef = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    headingRef.current?.focus();
  }, [step, receipt]);


  useEffect(() => {
    if (!initialPatientId) return;
    void clinic().patients.find({ query: '' }).then((result) => {
      const row = result.ok ? result.value.find((r) => r.patient.id === initialPatientId) : undefined;
      if (row) {
        setPatient(row.patient);
        setStep('identity');
      }
    });
  }, [initialPatientId]);

  const loadTemplate = useCallback(async (lang: Language) => {
    setTemplate(null);
    setAcknowledged([]);
    const result = await clinic().consent.template({ language: lang });
    if (result.ok) setTemplate(result.value as Template);
    else setError(result.error);
  }, []);


  const record = async () => {
    if (!patient || !template || !signature) return;
    setBusy(true);
    setError(null);
    const result = await clinic().consent.record({
      patientId: patient.id,
      language,
      textVersion: template.document.version,
      textHash: template.textHash,
      acknowledged,
      identityMethod: identity.method,
      identityNote: identity.note,
      choices: consentScopes.map((scope) => ({ scope, granted: choices[scope] && (scope !== 'attachments' || attachmentsOffered) })),
      excludedTopics: excluded,
      signature,
      decisionMaker,
    });
    setBusy(false);
    if (!result.ok) {
      setError(result.error);
      if (result.error.fields?.textVersion) {
        setStep('read');
        void loadTemplate(language);
      }
      return;
    }
    setReceipt(result.value);
  };

  if (receipt) return <ReceiptView receipt={receipt} onDone={onDone} headingRef={headingRef} />;
  const missing = clinicStatus?.state === 'member' && clinicStatus.rules ? missingClinicDetails(clinicStatus.rules) : [];
  if (missing.length > 0 && clinicStatus?.state === 'member') {
    return (
      <section className="consent-flow" aria-labelledby="flow-incomplete-title" data-testid="clinic-incomplete">
        <h2 id="flow-incomplete-title" ref={headingRef} tabIndex={-1}>
          {t('flow.incomplete.title')}
        </h2>
        <div role="alert" className="notice notice--warn">
          <p>{t('flow.incomplete.body')}</p>
          <ul>
            {missing.map((detail) => (
              <li key={detail}>{t(`flow.incomplete.items.${detail}`)}</li>
            ))}
          </ul>
          <p>{t(clinicStatus.role === 'it-admin' && clinicStatus.holdsRoot ? 'flow.incomplete.whoYou' : 'flow.incomplete.whoOther')}</p>
        </div>
        <div className="form-actions">
          <Button onClick={onDone}>{t('flow.incomplete.back')}</Button>
        </div>
      </section>
    );
  }

  const index = steps.indexOf(step);
  const go = (next: Step) => {
    setError(null);
    setStep(next);
  };

  return (
    <section className="consent-flow" aria-labelledby="flow-step-title">
      <ol className="flow-steps" aria-label={t('flow.progressLabel')}>
        {steps.map((s, i) => (
          <li key={s} className={i === index ? 'flow-steps__item flow-steps__item--current' : i < index ? 'flow-steps__item flow-steps__item--done' : 'flow-steps__item'} aria-current={i === index ? 'step' : undefined}>
            <span className="flow-steps__number">{i + 1}</span> {t(`flow.steps.${s}`)}
          </li>
        ))}
      </ol>
      <h2 id="flow-step-title" ref={headingRef} tabIndex={-1}>
        {t(`flow.steps.${step}`)}
      </h2>
      {patient && step !== 'patient' ? (
        <p className="flow-patient">
          {t('flow.forPatient', { name: `${patient.givenName} ${patient.familyName}`, dob: patient.dateOfBirth })}
        </p>
      ) : null}
      {error ? (
        <p role="alert" className="form-error">
          {errorText(t, error)}
        </p>
      ) : null}

      {step === 'patient' ? (
        <PatientStep
          onChosen={(p) => {
            setPatient(p);
            go('identity');
          }}
          onCancel={onDone}
        />
      ) : null}

      {step === 'identity' ? (
        <IdentityStep
          value={identity}
          onChange={setIdentity}
          onBack={() => go('patient')}
          onNext={() => {
            if (!template || template.document.language !== language) void loadTemplate(language);
            go('read');
          }}
        />
      ) : null}

      {step === 'read' ? (
        <ReadStep
          template={template}
          language={language}
          onLanguage={(lang) => {
            setLanguage(lang);
            if (template?.document.language !== lang) void loadTemplate(lang);
          }}
          acknowledged={acknowledged}
          onAcknowledge={(id) => setAcknowledged((list) => (list.includes(id) ? list : [...list, id]))}
          onBack={() => go('identity')}
          onNext={() => go('choices')}
        />
      ) : null}

      {step === 'choices' ? (
        <ChoicesStep
          choices={choices}
          onChoices={setChoices}
          excluded={excluded}
          onExcluded={setExcluded}
          validityMonths={validityMonths}
          attachmentsOffered={attachmentsOffered}
          onBack={() => go('read')}
          onNext={() => go('sign')}
        />
      ) : null}

      {step === 'sign' && patient ? (
        <SignStep
          patient={patient}
          signature={signature}
          onSignature={setSignature}
          decisionMaker={decisionMaker}
          onDecisionMaker={setDecisionMaker}
          onBack={() => go('choices')}
          onNext={() => go('confirm')}
        />
      ) : null}

      {step === 'confirm' && patient && template ? (
        <div className="card flow-confirm">
          <dl className="summary">
            <dt>{t('flow.confirm.patient')}</dt>
            <dd>
              {patient.givenName} {patient.familyName} ({patient.dateOfBirth})
            </dd>
            <dt>{t('flow.confirm.identity')}</dt>
            <dd>
              {t(`flow.identity.methods.${identity.method}`)}
              {identity.note ? ` — ${identity.note}` : ''}
            </dd>
            <dt>{t('flow.confirm.text')}</dt>
            <dd>{t('flow.confirm.textValue', { version: template.document.version, count: acknowledged.length })}</dd>
            <dt>{t('flow.confirm.choices')}</dt>
            <dd>
              <ul className="plain-list">
                {consentScopes.map((scope) => (
                  <li key={scope}>
                    {scopeLabel(scope, language)}: {choices[scope] && (scope !== 'attachments' || attachmentsOffered) ? t('flow.yes') : t('flow.no')}
                  </li>
                ))}
              </ul>
            </dd>
            <dt>{t('flow.confirm.excluded')}</dt>
            <dd>{excluded.length > 0 ? excluded.join(', ') : t('flow.confirm.none')}</dd>
            <dt>{t('flow.confirm.signedBy')}</dt>
            <dd>{decisionMaker ? t('flow.confirm.onBehalf', { name: decisionMaker.name, relationship: decisionMaker.relationship }) : t('flow.confirm.byPatient')}</dd>
          </dl>
          <div className="form-actions">
            <Button onClick={() => go('sign')}>{t('flow.back')}</Button>
            <Button variant="primary" busy={busy} onClick={() => void record()}>
              {t('flow.confirm.record')}
            </Button>
          </div>
        </div>
      ) : null}
    </section>
  );
}

function PatientStep({ onChosen, onCancel }: Readonly<{ onChosen: (p: PatientSummary) => void; onCancel: () => void }>) {
  const { t } = useTranslation();
  const [query, setQuery] = useState('');
  const [rows, setRows] = useState<ConsentRegisterRow[] | null>(null);
  const [registering, setRegistering] = useState(false);

  useEffect(() => {
    const timer = setTimeout(() => {
      void clinic().patients.find({ query }).then((result) => setRows(result.ok ? result.value : []));
    }, 200);
    return () => clearTimeout(timer);
  }, [query]);

  if (registering) return <RegisterPatientForm onRegistered={onChosen} onBack={() => setRegistering(false)} />;
  return (
    <div className="card">
      <TextField label={t('flow.patient.search')} hint={t('flow.patient.searchHint')} value={query} onChange={(e) => setQuery(e.target.value)} type="search" autoFocus />
      {rows === null ? (
        <p className="muted">{t('common.loading')}</p>
      ) : rows.length === 0 ? (
        <p>{query ? t('flow.patient.noMatch') : t('flow.patient.none')}</p>
      ) : (
        <ul className="choice-list" aria-label={t('flow.patient.results')}>
          {rows.map((row) => (
            <li key={row.patient.id}>
              <button type="button" className="choice-list__item" onClick={() => onChosen(row.patient)}>
                <span className="choice-list__name">
                  {row.patient.givenName} {row.patient.familyName}
                </span>
                <span className="muted">{row.patient.dateOfBirth}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
      <div className="form-actions">
        <Button onClick={onCancel}>{t('common.cancel')}</Button>
        <Button variant="primary" onClick={() => setRegistering(true)}>
          {t('flow.patient.new')}
        </Button>
      </div>
    </div>
  );
}

function RegisterPatientForm({ onRegistered, onBack }: Readonly<{ onRegistered: (p: PatientSummary) => void; onBack: () => void }>) {
  const { t } = useTranslation();
  const [form, setForm] = useState({ givenName: '', familyName: '', dateOfBirth: '', phone: '', email: '' });
  const [error, setError] = useState<IpcError | null>(null);
  const [busy, setBusy] = useState(false);
  const set = (key: keyof typeof form) => (e: { target: { value: string } }) => setForm((f) => ({ ...f, [key]: e.target.value }));
  const fieldError = (field: string): string | null => {
    const code = error?.fields?.[field];
    return code ? t(`flow.fieldErrors.${code}`, { defaultValue: t('flow.fieldErrors.invalid') }) : null;
  };
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    const result = await clinic().patients.register({
      givenName: form.givenName,
      familyName: form.familyName,
      dateOfBirth: form.dateOfBirth,
      ...(form.phone.trim() ? { phone: form.phone } : {}),
      ...(form.email.trim() ? { email: form.email } : {}),
    });
    setBusy(false);
    if (!result.ok) return setError(result.error);
    onRegistered(result.value);
  };
  return (
    <form className="card" aria-labelledby="register-patient-title" onSubmit={(e) => void submit(e)} noValidate>
      <h3 id="register-patient-title">{t('flow.patient.newTitle')}</h3>
      <div className="form-grid">
        <TextField label={t('flow.patient.givenName')} value={form.givenName} onChange={set('givenName')} error={fieldError('givenName')} autoComplete="off" required autoFocus />
        <TextField label={t('flow.patient.familyName')} value={form.familyName} onChange={set('familyName')} error={fieldError('familyName')} autoComplete="off" required />
        <TextField label={t('flow.patient.dateOfBirth')} type="date" value={form.dateOfBirth} onChange={set('dateOfBirth')} error={fieldError('dateOfBirth')} required />
        <TextField label={t('flow.patient.phone')} type="tel" value={form.phone} onChange={set('phone')} error={fieldError('phone')} autoComplete="off" />
        <TextField label={t('flow.patient.email')} type="email" value={form.email} onChange={set('email')} error={fieldError('email')} autoComplete="off" />
      </div>
      {error && !error.fields ? <p role="alert" className="form-error">{errorText(t, error)}</p> : null}
      <div className="form-actions">
        <Button onClick={onBack}>{t('flow.back')}</Button>
        <Button variant="primary" type="submit" busy={busy}>
          {t('flow.patient.register')}
        </Button>
      </div>
    </form>
  );
}

function IdentityStep({ value, onChange, onBack, onNext }: Readonly<{ value: { method: IdentityMethod; note: string }; onChange: (v: { method: IdentityMethod; note: string }) => void; onBack: () => void; onNext: () => void }>) {
  const { t } = useTranslation();
  const [error, setError] = useState<string | null>(null);
  const next = () => {
    if (value.method === 'other' && value.note.trim() === '') return setError(t('flow.identity.noteRequired'));
    onNext();
  };
  return (
    <div className="card">
      <fieldset className="radio-group">
        <legend>{t('flow.identity.legend')}</legend>
        {identityMethods.map((method) => (
          <label key={method} className="radio">
            <input type="radio" name="identity" value={method} checked={value.method === method} onChange={() => onChange({ ...value, method })} />
            {t(`flow.identity.methods.${method}`)}
          </label>
        ))}
      </fieldset>
      <TextField label={t('flow.identity.note')} hint={t('flow.identity.noteHint')} value={value.note} onChange={(e) => onChange({ ...value, note: e.target.value })} error={error} maxLength={200} />
      <div className="form-actions">
        <Button onClick={onBack}>{t('flow.back')}</Button>
        <Button variant="primary" onClick={next}>
          {t('flow.next')}
        </Button>
      </div>
    </div>
  );
}
