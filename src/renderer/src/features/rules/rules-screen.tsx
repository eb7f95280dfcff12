// Runs in the renderer: DOM only, no Node.
// The clinic's stated rules (IT admin): what patients are told (contact, reply time, hours,
// emergencies, topics) and the security settings every computer follows. Saving publishes a
// new signed policy; only the computer holding the clinic root may do it, others read only.
import { type FormEvent, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';

import type { ClinicStatus } from '../../../../shared/clinic';
import { consentSectionIds, formatBusinessHours, formatResponseTime } from '../../../../shared/consent/template';
import { MAX_ATTACHMENTS_PER_MESSAGE, type AttachmentType, attachmentTypes } from '../../../../shared/protocol/attachments';
import { type ClinicRules, type Weekday, weekdays } from '../../../../shared/protocol/clinic-rules';
import { Button } from '../../components/button';
import { SelectField } from '../../components/select-field';
import { TextField } from '../../components/text-field';
import { useToast } from '../../components/toast';
import { useStepUp } from '../privacy/step-up';
import { useClinicStatus } from '../../app/clinic-context';
import { clinic } from '../../lib/api';
import { errorText } from '../../lib/i18n';
import { type DayForm, type FieldErrors, type RulesForm, type SectionId, dayHours, formFromRules, validate, wholeNumber } from './rules-form';
import './rules.css';
import { Checkbox, DayRow, TextArea } from './rules-fields';
import { UrgentSignsField } from './urgent-signs-field';
import { QuickRepliesField } from './quick-replies-field';
import { PortalCard } from '../portal-check/portal-check';

type Member = Extract<ClinicStatus, { state: 'member' }>;
type Lang = 'en' | 'fr';

const typeKey = (type: AttachmentType): 'jpeg' | 'png' | 'heic' | 'pdf' => (type === 'application/pdf' ? 'pdf' : (type.slice('image/'.length) as 'jpeg' | 'png' | 'heic'));

export function RulesScreen() {
  const { t } = useTranslation();
  const { status, error, apply: setStatus } = useClinicStatus();
  const [policyVersion, setPolicyVersion] = useState<number | null>(null);
  const [revision, setRevision] = useState(0);

  // The policy version shown; read again after a vouch, which publishes a new one.
  const [policyRead, setPolicyRead] = useState(0);
  useEffect(() => {
    void clinic().consent.template({ language: 'en' }).then((result) => result.ok && setPolicyVersion(result.value.document.policyVersion));
  }, [policyRead]);

  if (!status) return error ? <p role="alert">{errorText(t, error)}</p> : <p className="muted">{t('common.loading')}</p>;
  if (status.state !== 'member') return <p>{t('rules.notMember')}</p>;
  if (!status.rules) return <p>{t('rules.noRules')}</p>;
  return (
    <section className="rules" aria-labelledby="rules-title">
      <div className="rules__head">
        <h2 id="rules-title">{t('rules.title')}</h2>
        <p>{t('rules.intro')}</p>
        <p className="muted small">{t('rules.versions', { policy: policyVersion ?? '…', template: status.rules.consentText.templateVersion })}</p>
      </div>
      {status.holdsRoot ? null : (
        <div className="rules__note" role="note">
          <strong>{t('rules.readOnlyTitle')}</strong>
          <p>{t('rules.readOnly')}</p>
        </div>
      )}
      <PortalCard onVouched={() => setPolicyRead((n) => n + 1)} />
      <RulesEditor
        key={revision}
        rules={status.rules}
        editable={status.holdsRoot}
        onSaved={(next, policy) => {
          setStatus(next);
          setRevision((r) => r + 1);
          if (policy !== null) setPolicyVersion(policy);
        }}
      />
    </section>
  );
}

function RulesEditor({ rules, editable, onSaved }: Readonly<{ rules: ClinicRules; editable: boolean; onSaved: (status: Member, policy: number | null) => void }>) {
  const { t, i18n } = useTranslation();
  const toast = useToast();
  const guard = useStepUp();
  const lang: Lang = i18n.language === 'fr' ? 'fr' : 'en';
  const [form, setForm] = useState<RulesForm>(() => formFromRules(rules));
  const [errors, setErrors] = useState<FieldErrors>({});
  const [showSummary, setShowSummary] = useState(false);
  const [busy, setBusy] = useState(false);
  const [section, setSection] = useState<SectionId>('purposes');
  const [holiday, setHoliday] = useState('');
  const [holidayError, setHolidayError] = useState<string | null>(null);
  const formRef = useRef<HTMLFormElement>(null);

  const update = (patch: Partial<RulesForm>) => setForm((f) => ({ ...f, ...patch }));
  const updateDay = (day: Weekday, patch: Partial<DayForm>) => setForm((f) => ({ ...f, days: { ...f.days, [day]: { ...f.days[day], ...patch, edited: true } } }));
  const err = (field: string): string | null => {
    const e = errors[field];
    return e ? t(`rules.errors.${e.key}`, e.values ?? {}) : null;
  };

  const hours = wholeNumber(form.responseHours);
  const replyPreview = hours >= 1 && hours <= 240 ? t('rules.reply.preview', { text: formatResponseTime(hours, lang) }) : null;
  const hoursPreview = formatBusinessHours({ businessHours: Object.fromEntries(weekdays.map((d) => [d, dayHours(form.days[d]).filter((h) => h.opens && h.closes && h.opens < h.closes)])) as ClinicRules['businessHours'] }, lang);

  const addHoliday = () => {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(holiday)) return setHolidayError(t('rules.errors.holiday'));
    if (form.holidays.includes(holiday)) return setHolidayError(t('rules.errors.holidayTwice'));
    setHolidayError(null);
    update({ holidays: [...form.holidays, holiday].sort() });
    setHoliday('');
  };
  const formatDate = (date: string) => new Date(`${date}T12:00:00Z`).toLocaleDateString(i18n.language, { dateStyle: 'full', timeZone: 'UTC' });

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const checked = validate(form);
    setErrors(checked.errors);
    if (!checked.rules) {
      setShowSummary(true);
      requestAnimationFrame(() => formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus());
      return;
    }
    setShowSummary(false);
    setBusy(true);
    const rules = checked.rules;
    const result = await guard(() => clinic().clinic['update-rules']({ rules }));
    if (!result.ok || result.value.state !== 'member') {
      setBusy(false);
      if (!result.ok) toast.show('error', errorText(t, result.error));
      return;
    }
    const template = await clinic().consent.template({ language: lang });
    setBusy(false);
    const policy = template.ok ? template.value.document.policyVersion : null;
    toast.show('success', t('rules.saved', { version: policy ?? result.value.rules?.consentText.templateVersion ?? '' }));
    onSaved(result.value, policy);
  };

  const sectionOptions = consentSectionIds.map((id) => ({ value: id, label: t(`rules.sections.${id}`) }));
  const optional = (label: string) => t('rules.optional', { label });

  return (
    <form ref={formRef} className="rules-form" aria-labelledby="rules-title" onSubmit={(e) => void submit(e)} noValidate>
      <fieldset className="rules-form__all" disabled={!editable}>
        <fieldset className="card rules-group">
          <legend>{t('rules.clinic.legend')}</legend>
          <div className="rules-grid">
            <TextField label={t('rules.clinic.name')} value={form.clinicName} onChange={(e) => update({ clinicName: e.target.value })} error={err('clinicName')} maxLength={200} required />
            <TextField label={t('rules.clinic.phone')} type="tel" value={form.phone} onChange={(e) => update({ phone: e.target.value })} error={err('phone')} maxLength={40} required />
            <TextField label={optional(t('rules.clinic.email'))} type="email" value={form.email} onChange={(e) => update({ email: e.target.value })} error={err('email')} maxLength={200} />
            <TextField label={optional(t('rules.clinic.address'))} value={form.address} onChange={(e) => update({ address: e.target.value })} error={err('address')} maxLength={400} />
            <TextField
              label={t('rules.clinic.timeZone')}
              hint={t('rules.clinic.timeZoneHint')}
              value={form.timeZone}
              onChange={(e) => update({ timeZone: e.target.value })}
              error={err('timeZone')}
              spellCheck={false}
              autoComplete="off"
              required
            />
          </div>
        </fieldset>

        <fieldset className="card rules-group">
          <legend>{t('rules.reply.legend')}</legend>
          <TextField
            label={t('rules.reply.hours')}
            hint={t('rules.reply.hoursHint')}
            type="number"
            inputMode="numeric"
            min={1}
            max={240}
            value={form.responseHours}
            onChange={(e) => update({ responseHours: e.target.value })}
            error={err('responseTimeBusinessHours')}
            required
          />
          <p className="rules-preview" aria-live="polite" data-testid="reply-preview">
            {replyPreview}
          </p>
          <TextField
            label={t('rules.reply.warning')}
            hint={t('rules.reply.warningHint')}
            type="number"
            inputMode="numeric"
            min={0}
            max={240}
            value={form.warningHours}
            onChange={(e) => update({ warningHours: e.target.value })}
            error={err('replyWarningBusinessHours')}
            required
          />
        </fieldset>

        <fieldset className="card rules-group">
          <legend>{t('rules.hours.legend')}</legend>
          <p className="muted">{t('rules.hours.intro')}</p>
          <div className="rules-days">
            {weekdays.map((day) => (
              <DayRow key={day} day={day} value={form.days[day]} error={err(`businessHours.${day}`)} onChange={(patch) => updateDay(day, patch)} />
            ))}
          </div>
          <div className="rules-preview">
            <p className="rules-preview__title">{t('rules.hours.preview')}</p>
            <ul>
              {hoursPreview.map((line) => (
                <li key={line}>{line}</li>
              ))}
            </ul>
          </div>
          <fieldset className="rules-subgroup">
            <legend>{t('rules.hours.holidaysLegend')}</legend>
            <p className="muted">{t('rules.hours.holidaysIntro')}</p>
            <div className="rules-inline">
              <TextField
                label={t('rules.hours.holidayDate')}
                type="date"
                value={holiday}
                onChange={(e) => setHoliday(e.target.value)}
                onKeyDown={(e) => {
                  if (e.key === 'Enter') {
                    e.preventDefault();
                    addHoliday();
                  }
                }}
                error={holidayError ?? err('holidays')}
              />
              <Button onClick={addHoliday}>{t('rules.hours.addHoliday')}</Button>
            </div>
            {form.holidays.length === 0 ? (
              <p className="muted">{t('rules.hours.noHolidays')}</p>
            ) : (
              <ul className="rules-holidays">
                {form.holidays.map((date) => (
                  <li key={date}>
                    <time dateTime={date}>{formatDate(date)}</time>
                    <Button variant="quiet" aria-label={t('rules.hours.removeHoliday', { date: formatDate(date) })} onClick={() => update({ holidays: form.holidays.filter((d) => d !== date) })}>
                      ×
                    </Button>
                  </li>
                ))}
              </ul>
            )}
          </fieldset>
        </fieldset>

        <fieldset className="card rules-group">
          <legend>{t('rules.emergency.legend')}</legend>
          <div className="rules-grid">
            <TextField label={t('rules.emergency.number')} value={form.emergencyNumber} onChange={(e) => update({ emergencyNumber: e.target.value })} error={err('emergency.number')} maxLength={20} required />
            <TextField
              label={t('rules.emergency.department')}
              value={form.emergencyDepartment}
              onChange={(e) => update({ emergencyDepartment: e.target.value })}
              error={err('emergency.nearestEmergencyDepartment')}
              maxLength={300}
              required
            />
          </div>
          <TextArea label={optional(t('rules.emergency.advice'))} hint={t('rules.emergency.adviceHint')} value={form.emergencyAdvice} onChange={(v) => update({ emergencyAdvice: v })} error={err('emergency.otherAdvice')} maxLength={1000} rows={2} />
        </fieldset>

        <fieldset className="card rules-group">
          <legend>{t('rules.topics.legend')}</legend>
          <TextArea label={t('rules.topics.purposes')} hint={t('rules.topics.purposesHint')} value={form.purposes} onChange={(v) => update({ purposes: v })} error={err('purposes')} rows={4} required />
          <TextArea label={t('rules.topics.inPerson')} hint={t('rules.topics.inPersonHint')} value={form.inPersonTopics} onChange={(v) => update({ inPersonTopics: v })} error={err('inPersonTopics')} rows={4} />
        </fieldset>

        <UrgentSignsField value={form.urgentSigns} errors={errors} onChange={(urgentSigns) => update({ urgentSigns })} />

        <QuickRepliesField value={form.quickReplies} errors={errors} onChange={(quickReplies) => update({ quickReplies })} />

        <fieldset className="card rules-group">
          <legend>{t('rules.security.legend')}</legend>
          <div className="rules-grid">
            <TextField
              label={t('rules.security.idleLock')}
              hint={t('rules.security.idleLockHint')}
              type="number"
              inputMode="numeric"
              min={1}
              max={60}
              value={form.idleLock}
              onChange={(e) => update({ idleLock: e.target.value })}
              error={err('security.idleLockMinutes')}
              required
            />
            <TextField
              label={t('rules.security.undoSend')}
              hint={t('rules.security.undoSendHint')}
              type="number"
              inputMode="numeric"
              min={0}
              max={60}
              value={form.undoSend}
              onChange={(e) => update({ undoSend: e.target.value })}
              error={err('security.undoSendSeconds')}
              required
            />
            <TextField
              label={t('rules.security.retention')}
              hint={t('rules.security.retentionHint')}
              type="number"
              inputMode="numeric"
              min={1}
              max={100}
              value={form.retention}
              onChange={(e) => update({ retention: e.target.value })}
              error={err('security.retentionYears')}
              required
            />
            <TextField
              label={t('rules.security.incidentDays')}
              hint={t('rules.security.incidentDaysHint')}
              type="number"
              inputMode="numeric"
              min={1}
              max={365}
              value={form.incidentDays}
              onChange={(e) => update({ incidentDays: e.target.value })}
              error={err('security.incidentNoticeDays')}
              required
            />
            <TextField
              label={t('rules.renewal.validity')}
              hint={t('rules.renewal.validityHint')}
              type="number"
              inputMode="numeric"
              min={0}
              max={120}
              value={form.validityMonths}
              onChange={(e) => update({ validityMonths: e.target.value })}
              error={err('consentRenewal.validityMonths')}
              required
            />
            <TextField
              label={t('rules.renewal.reminder')}
              hint={t('rules.renewal.reminderHint')}
              type="number"
              inputMode="numeric"
              min={1}
              max={180}
              value={form.reminderDays}
              onChange={(e) => update({ reminderDays: e.target.value })}
              error={err('consentRenewal.reminderDays')}
              required
            />
          </div>
          <div className="rules-select">
            <SelectField
              label={t('rules.security.preview')}
              value={form.notificationPreview}
              options={(['nothing', 'sender', 'sender-and-text'] as const).map((value) => ({ value, label: t(`rules.security.previewOptions.${value}`) }))}
              onChange={(value) => update({ notificationPreview: value })}
              disabled={!editable}
            />
            <p className="field__hint">{t('rules.security.previewHint')}</p>
          </div>
          <Checkbox label={t('rules.security.remember')} hint={t('rules.security.rememberHint')} checked={form.allowRemember} onChange={(v) => update({ allowRemember: v })} />
          <Checkbox label={t('rules.security.attachments')} hint={t('rules.security.attachmentsHint')} checked={form.attachments} onChange={(v) => update({ attachments: v })} />
          <Checkbox label={t('rules.security.stepUp')} hint={t('rules.security.stepUpHint')} checked={form.stepUpRequired} onChange={(v) => update({ stepUpRequired: v })} />
          <Checkbox label={t('rules.security.contentProtection')} hint={t('rules.security.contentProtectionHint')} checked={form.contentProtection} onChange={(v) => update({ contentProtection: v })} />
        </fieldset>

        <fieldset className="card rules-group">
          <legend>{t('rules.attachments.legend')}</legend>
          <p>{t('rules.attachments.intro')}</p>
          <div className="rules-grid">
            <TextField
              label={t('rules.attachments.maxMegabytes')}
              hint={t('rules.attachments.maxMegabytesHint')}
              type="number"
              inputMode="numeric"
              min={1}
              max={32}
              value={form.attachmentMaxMegabytes}
              onChange={(e) => update({ attachmentMaxMegabytes: e.target.value })}
              error={err('attachments.maxMegabytes')}
              required
            />
            <TextField
              label={t('rules.attachments.perMessage')}
              hint={t('rules.attachments.perMessageHint')}
              type="number"
              inputMode="numeric"
              min={1}
              max={MAX_ATTACHMENTS_PER_MESSAGE}
              value={form.attachmentsPerMessage}
              onChange={(e) => update({ attachmentsPerMessage: e.target.value })}
              error={err('attachments.perMessage')}
              required
            />
          </div>
          <fieldset className="rules-types" aria-describedby={err('attachments.types') ? 'attachment-types-error' : undefined}>
            <legend>{t('rules.attachments.types')}</legend>
            {attachmentTypes.map((type) => (
              <Checkbox
                key={type}
                label={t(`rules.attachments.type.${typeKey(type)}`)}
                checked={form.attachmentTypes.includes(type)}
                onChange={(v) => update({ attachmentTypes: v ? [...form.attachmentTypes, type] : form.attachmentTypes.filter((x) => x !== type) })}
              />
            ))}
            {err('attachments.types') ? (
              <p id="attachment-types-error" className="field__error" role="alert">
                {err('attachments.types')}
              </p>
            ) : null}
          </fieldset>
        </fieldset>

        <fieldset className="card rules-group">
          <legend>{t('rules.consent.legend')}</legend>
          <p>{t('rules.consent.intro')}</p>
          <p className="rules-version">
            <strong>{t('rules.consent.version', { version: form.templateVersion })}</strong> {t('rules.consent.newVersion')}
          </p>
          <div className="rules-select">
            <SelectField label={t('rules.consent.section')} value={section} options={sectionOptions} onChange={setSection} disabled={!editable} />
          </div>
          {(['en', 'fr'] as const).map((l) => (
            <TextArea
              key={`${l}-${section}`}
              lang={l}
              label={t(`rules.consent.${l}`)}
              hint={`${t('rules.consent.hint')} ${t('rules.consent.count', { count: (form.edits[l][section] ?? '').length })}`}
              value={form.edits[l][section] ?? ''}
              onChange={(v) => setForm((f) => ({ ...f, edits: { ...f.edits, [l]: { ...f.edits[l], [section]: v } } }))}
              error={err(`consentText.${l}`)}
              maxLength={2000}
              rows={4}
            />
          ))}
        </fieldset>
      </fieldset>

      {editable ? (
        <div className="rules-actions">
          {showSummary ? (
            <p role="alert" className="form-error">
              {t('rules.errors.summary')}
            </p>
          ) : null}
          <Button variant="primary" type="submit" busy={busy}>
            {t('rules.save')}
          </Button>
        </div>
      ) : null}
    </form>
  );
}
