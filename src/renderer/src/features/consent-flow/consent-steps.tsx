// Runs in the renderer: the later steps of recording a consent: reading the text with the
// patient, the separate choices, and the signature.
import { useEffect, useId, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { PatientSummary, ReceiptView as Receipt } from '../../../../shared/consent/ipc';
import { scopeLabel } from '../../../../shared/consent/template';
import { type ConsentScope, consentScopes } from '../../../../shared/protocol/documents';
import { Button } from '../../components/button';
import { TextField } from '../../components/text-field';
import { SignaturePad } from './signature-pad';

export type Language = 'en' | 'fr';
export type Template = { document: NonNullable<Receipt['document']>; textHash: string };

export function ReadStep(
  props: Readonly<{
    template: Template | null;
    language: Language;
    onLanguage: (l: Language) => void;
    acknowledged: readonly string[];
    onAcknowledge: (id: string) => void;
    onBack: () => void;
    onNext: () => void;
  }>,
) {
  const { t } = useTranslation();
  const [large, setLarge] = useState(false);
  const sections = props.template?.document.sections ?? [];
  const current = sections.find((s) => !props.acknowledged.includes(s.id)) ?? null;
  const done = sections.length > 0 && current === null;
  const sectionHeading = useRef<HTMLHeadingElement>(null);
  const largeId = useId();

  useEffect(() => {
    if (props.acknowledged.length > 0) sectionHeading.current?.focus();
  }, [props.acknowledged.length]);

  return (
    <div className={large ? 'card read-aloud read-aloud--large' : 'card read-aloud'}>
      <div className="read-aloud__tools">
        <div className="segmented" role="group" aria-label={t('flow.read.textLanguage')}>
          {(['en', 'fr'] as const).map((lang) => (
            <button key={lang} type="button" aria-pressed={props.language === lang} onClick={() => props.onLanguage(lang)}>
              {lang === 'en' ? 'English' : 'Français'}
            </button>
          ))}
        </div>
        <label className="checkbox" htmlFor={largeId}>
          <input id={largeId} type="checkbox" checked={large} onChange={(e) => setLarge(e.target.checked)} />
          {t('flow.read.largeType')}
        </label>
      </div>
      {!props.template ? (
        <p className="muted">{t('common.loading')}</p>
      ) : (
        <>
          <p className="read-aloud__progress" aria-live="polite">
            {t('flow.read.progress', { done: props.acknowledged.length, total: sections.length })}
          </p>
          <progress className="read-aloud__bar" value={props.acknowledged.length} max={Math.max(1, sections.length)} aria-hidden="true" />
          {current ? (
            <article className="read-aloud__section" lang={props.language}>
              <h3 ref={sectionHeading} tabIndex={-1}>
                {current.title}
              </h3>
              {current.paragraphs.map((p, i) => (
                <p key={i}>{p}</p>
              ))}
              {current.bullets.length > 0 ? (
                <ul>
                  {current.bullets.map((b, i) => (
                    <li key={i}>{b}</li>
                  ))}
                </ul>
              ) : null}
            </article>
          ) : (
            <p className="read-aloud__done">{t('flow.read.allDone')}</p>
          )}
        </>
      )}
      <div className="form-actions">
        <Button onClick={props.onBack}>{t('flow.back')}</Button>
        {current ? (
          <Button variant="primary" onClick={() => props.onAcknowledge(current.id)}>
            {t('flow.read.acknowledge')}
          </Button>
        ) : (
          <Button variant="primary" disabled={!done} onClick={props.onNext}>
            {t('flow.next')}
          </Button>
        )}
      </div>
    </div>
  );
}

export function ChoicesStep(
  props: Readonly<{
    choices: Record<ConsentScope, boolean>;
    onChoices: (c: Record<ConsentScope, boolean>) => void;
    excluded: string[];
    onExcluded: (e: string[]) => void;
    validityMonths: number | null;
    attachmentsOffered: boolean;
    onBack: () => void;
    onNext: () => void;
  }>,
) {
  const { t, i18n } = useTranslation();
  const [topic, setTopic] = useState('');
  const [error, setError] = useState<string | null>(null);
  const language: Language = i18n.language === 'fr' ? 'fr' : 'en';
  const addTopic = () => {
    const text = topic.trim();
    if (!text) return;
    if (props.excluded.length >= 20) return setError(t('flow.choices.tooManyTopics'));
    props.onExcluded([...props.excluded, text]);
    setTopic('');
  };
  const next = () => {
    if (!consentScopes.some((s) => props.choices[s])) return setError(t('flow.choices.noneChosen'));
    props.onNext();
  };
  return (
    <div className="card">
      <fieldset className="checkbox-group">
        <legend>{t('flow.choices.legend')}</legend>
        <p className="field__hint">{t('flow.choices.hint')}</p>
        {consentScopes.map((scope) => {
          const offered = scope !== 'attachments' || props.attachmentsOffered;
          return (
            <label key={scope} className="checkbox checkbox--row">
              <input
                type="checkbox"
                checked={offered && props.choices[scope]}
                disabled={!offered}
                aria-describedby={offered ? undefined : 'choice-attachments-off'}
                onChange={(e) => props.onChoices({ ...props.choices, [scope]: e.target.checked })}
              />
              <span>
                <strong>{scopeLabel(scope, language)}</strong>
                <span className="muted"> — {t(`flow.choices.explain.${scope}`)}</span>
                {offered ? null : (
                  <span id="choice-attachments-off" className="field__hint checkbox__note">
                    {t('flow.choices.attachmentsOff')}
                  </span>
                )}
              </span>
            </label>
          );
        })}
      </fieldset>
      <div className="topic-entry">
        <TextField
          label={t('flow.choices.excludedLabel')}
          hint={t('flow.choices.excludedHint')}
          value={topic}
          onChange={(e) => setTopic(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter') {
              e.preventDefault();
              addTopic();
            }
          }}
          maxLength={200}
        />
        <Button onClick={addTopic}>{t('flow.choices.addTopic')}</Button>
      </div>
      {props.excluded.length > 0 ? (
        <ul className="chips" aria-label={t('flow.choices.excludedList')}>
          {props.excluded.map((item, i) => (
            <li key={`${item}-${i}`} className="chip">
              {item}
              <button type="button" className="chip__remove" aria-label={t('flow.choices.removeTopic', { topic: item })} onClick={() => props.onExcluded(props.excluded.filter((_, j) => j !== i))}>
                ×
              </button>
            </li>
          ))}
        </ul>
      ) : null}
      {props.validityMonths !== null ? (
        <p className="flow-note">{props.validityMonths > 0 ? t('flow.choices.lasts', { months: props.validityMonths }) : t('flow.choices.lastsUntilWithdrawn')}</p>
      ) : null}
      {error ? (
        <p role="alert" className="form-error">
          {error}
        </p>
      ) : null}
      <div className="form-actions">
        <Button onClick={props.onBack}>{t('flow.back')}</Button>
        <Button variant="primary" onClick={next}>
          {t('flow.next')}
        </Button>
      </div>
    </div>
  );
}

export function SignStep(
  props: Readonly<{
    patient: PatientSummary;
    signature: { kind: 'drawn'; image: string } | { kind: 'typed'; name: string } | null;
    onSignature: (s: { kind: 'drawn'; image: string } | { kind: 'typed'; name: string } | null) => void;
    decisionMaker: { name: string; relationship: string } | null;
    onDecisionMaker: (d: { name: string; relationship: string } | null) => void;
    onBack: () => void;
    onNext: () => void;
  }>,
) {
  const { t } = useTranslation();
  const [mode, setMode] = useState<'drawn' | 'typed'>(props.signature?.kind ?? 'drawn');
  const [typed, setTyped] = useState(props.signature?.kind === 'typed' ? props.signature.name : '');
  const [error, setError] = useState<string | null>(null);
  const onBehalf = props.decisionMaker !== null;
  const patientName = useMemo(() => `${props.patient.givenName} ${props.patient.familyName}`, [props.patient]);

  const next = () => {
    if (onBehalf && (!props.decisionMaker?.name.trim() || !props.decisionMaker.relationship.trim())) return setError(t('flow.sign.decisionMakerRequired'));
    if (mode === 'typed') {
      if (!typed.trim()) return setError(t('flow.sign.typedRequired'));
      props.onSignature({ kind: 'typed', name: typed.trim() });
    } else if (props.signature?.kind !== 'drawn') return setError(t('flow.sign.drawnRequired'));
    props.onNext();
  };

  return (
    <div className="card">
      <fieldset className="radio-group">
        <legend>{t('flow.sign.whoLegend')}</legend>
        <label className="radio">
          <input type="radio" name="who" checked={!onBehalf} onChange={() => props.onDecisionMaker(null)} />
          {t('flow.sign.patientSigns', { name: patientName })}
        </label>
        <label className="radio">
          <input type="radio" name="who" checked={onBehalf} onChange={() => props.onDecisionMaker({ name: '', relationship: '' })} />
          {t('flow.sign.someoneElse')}
        </label>
      </fieldset>
      {onBehalf ? (
        <div className="form-grid">
          <TextField label={t('flow.sign.dmName')} value={props.decisionMaker?.name ?? ''} onChange={(e) => props.onDecisionMaker({ name: e.target.value, relationship: props.decisionMaker?.relationship ?? '' })} maxLength={100} />
          <TextField
            label={t('flow.sign.dmRelationship')}
            hint={t('flow.sign.dmRelationshipHint')}
            value={props.decisionMaker?.relationship ?? ''}
            onChange={(e) => props.onDecisionMaker({ name: props.decisionMaker?.name ?? '', relationship: e.target.value })}
            maxLength={60}
          />
        </div>
      ) : null}
      <div className="segmented" role="group" aria-label={t('flow.sign.modeLabel')}>
        <button type="button" aria-pressed={mode === 'drawn'} onClick={() => setMode('drawn')}>
          {t('flow.sign.draw')}
        </button>
        <button type="button" aria-pressed={mode === 'typed'} onClick={() => setMode('typed')}>
          {t('flow.sign.type')}
        </button>
      </div>
      {mode === 'drawn' ? (
        <SignaturePad
          label={t('flow.sign.padLabel')}
          clearLabel={t('flow.sign.clear')}
          hint={t('flow.sign.padHint')}
          onChange={(image) => props.onSignature(image ? { kind: 'drawn', image } : null)}
        />
      ) : (
        <TextField label={t('flow.sign.typedLabel')} hint={t('flow.sign.typedHint')} value={typed} onChange={(e) => setTyped(e.target.value)} maxLength={200} autoComplete="off" />
      )}
      <p className="muted">{t('flow.sign.witness')}</p>
      {error ? (
        <p role="alert" className="form-error">
          {error}
        </p>
      ) : null}
      <div className="form-actions">
        <Button onClick={props.onBack}>{t('flow.back')}</Button>
        <Button variant="primary" onClick={next}>
          {t('flow.next')}
        </Button>
      </div>
    </div>
  );
}
