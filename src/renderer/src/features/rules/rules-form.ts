// Runs in the renderer: DOM only, no Node.
// The clinic rules as the form edits them (strings, one interval per day), and back to
// `ClinicRules`, with checks that give a message per field before the schema's final word.
import type { consentSectionIds } from '../../../../shared/consent/template';
import { MAX_ATTACHMENTS_PER_MESSAGE, type AttachmentType, attachmentTypes } from '../../../../shared/protocol/attachments';
import { type ClinicRules, type Weekday, clinicRulesSchema, weekdays } from '../../../../shared/protocol/clinic-rules';
import { placeholdersIn, quickReplyPlaceholders } from '../../../../shared/quick-replies';

type Interval = { opens: string; closes: string };
export type DayForm = { open: boolean; opens: string; closes: string; extra: readonly Interval[]; edited: boolean; original: readonly Interval[] };
export type SectionId = (typeof consentSectionIds)[number];

export type RulesForm = {
  clinicName: string;
  phone: string;
  email: string;
  address: string;
  timeZone: string;
  responseHours: string;
  warningHours: string;
  days: Record<Weekday, DayForm>;
  holidays: readonly string[];
  emergencyNumber: string;
  emergencyDepartment: string;
  emergencyAdvice: string;
  inPersonTopics: string;
  purposes: string;
  idleLock: string;
  allowRemember: boolean;
  stepUpRequired: boolean;
  contentProtection: boolean;
  notificationPreview: ClinicRules['security']['notificationPreview'];
  attachments: boolean;
  /** What any attachment may be (ADR 19), patients' and the clinic's alike. */
  attachmentTypes: readonly AttachmentType[];
  attachmentMaxMegabytes: string;
  attachmentsPerMessage: string;
  undoSend: string;
  retention: string;
  incidentDays: string;
  validityMonths: string;
  reminderDays: string;
  templateVersion: number;
  edits: { en: Record<string, string>; fr: Record<string, string> };
  /** The urgent signs, one phrase per line in each language. */
  urgentSigns: readonly { id: string; en: string; fr: string }[];
  /** The clinic's quick replies, kept as they are by this form. */
  quickReplies: ClinicRules['quickReplies'];
};

/** A message key in the `rules.errors` namespace, with its values. */
export type FieldError = { key: string; values?: Record<string, number | string> };
export type FieldErrors = Record<string, FieldError>;

export function formFromRules(rules: ClinicRules): RulesForm {
  const days = Object.fromEntries(
    weekdays.map((day) => {
      const [first, ...extra] = rules.businessHours[day];
      const form: DayForm = { open: !!first, opens: first?.opens ?? '08:30', closes: first?.closes ?? '17:00', extra, edited: false, original: rules.businessHours[day] };
      return [day, form];
    }),
  ) as Record<Weekday, DayForm>;
  return {
    clinicName: rules.clinicName,
    phone: rules.phone,
    email: rules.email ?? '',
    address: rules.address ?? '',
    timeZone: rules.timeZone,
    responseHours: String(rules.responseTimeBusinessHours),
    warningHours: String(rules.replyWarningBusinessHours),
    days,
    holidays: [...rules.holidays].sort(),
    emergencyNumber: rules.emergency.number,
    emergencyDepartment: rules.emergency.nearestEmergencyDepartment,
    emergencyAdvice: rules.emergency.otherAdvice ?? '',
    inPersonTopics: rules.inPersonTopics.join('\n'),
    purposes: rules.purposes.join('\n'),
    idleLock: String(rules.security.idleLockMinutes),
    allowRemember: rules.security.allowRememberDevice,
    stepUpRequired: rules.security.stepUpRequired,
    contentProtection: rules.security.contentProtection,
    notificationPreview: rules.security.notificationPreview,
    attachments: rules.security.patientAttachments,
    attachmentTypes: [...rules.attachments.types],
    attachmentMaxMegabytes: String(rules.attachments.maxMegabytes),
    attachmentsPerMessage: String(rules.attachments.perMessage),
    undoSend: String(rules.security.undoSendSeconds),
    retention: String(rules.security.retentionYears),
    incidentDays: String(rules.security.incidentNoticeDays),
    validityMonths: String(rules.consentRenewal.validityMonths),
    reminderDays: String(rules.consentRenewal.reminderDays),
    templateVersion: rules.consentText.templateVersion,
    edits: { en: { ...rules.consentText.edits.en }, fr: { ...rules.consentText.edits.fr } },
    urgentSigns: rules.urgentSigns.map((sign) => ({ id: sign.id, en: sign.en.join('\n'), fr: sign.fr.join('\n') })),
    quickReplies: rules.quickReplies,
  };
}

const lines = (text: string): string[] =>
  text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);

/** A whole number typed in a field, or NaN. */
export function wholeNumber(text: string): number {
  return /^\s*\d+\s*$/.test(text) ? Number(text) : Number.NaN;
}

const optional = (text: string): string | undefined => (text.trim() ? text.trim() : undefined);

/** The hours of one day as they will be saved: untouched days keep every interval they had. */
export function dayHours(day: DayForm): Interval[] {
  if (!day.edited) return [...day.original];
  return day.open ? [{ opens: day.opens, closes: day.closes }, ...day.extra] : [];
}

function withoutEmpty(edits: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(edits).filter(([, text]) => text.trim() !== ''));
}

export function rulesFromForm(form: RulesForm): ClinicRules {
  const email = optional(form.email);
  const address = optional(form.address);
  const otherAdvice = optional(form.emergencyAdvice);
  return {
    clinicName: form.clinicName.trim(),
    phone: form.phone.trim(),
    ...(email ? { email } : {}),
    ...(address ? { address } : {}),
    timeZone: form.timeZone.trim(),
    responseTimeBusinessHours: wholeNumber(form.responseHours),
    replyWarningBusinessHours: wholeNumber(form.warningHours),
    businessHours: Object.fromEntries(weekdays.map((day) => [day, dayHours(form.days[day])])) as ClinicRules['businessHours'],
    holidays: [...form.holidays],
    emergency: { number: form.emergencyNumber.trim(), nearestEmergencyDepartment: form.emergencyDepartment.trim(), ...(otherAdvice ? { otherAdvice } : {}) },
    inPersonTopics: lines(form.inPersonTopics),
    purposes: lines(form.purposes),
    consentRenewal: { validityMonths: wholeNumber(form.validityMonths), reminderDays: wholeNumber(form.reminderDays) },
    consentText: { templateVersion: form.templateVersion, edits: { en: withoutEmpty(form.edits.en), fr: withoutEmpty(form.edits.fr) } },
    // A sign left with no phrase in either language is dropped; the list itself may not be empty.
    urgentSigns: form.urgentSigns.map((sign) => ({ id: sign.id, en: lines(sign.en), fr: lines(sign.fr) })).filter((sign) => sign.en.length + sign.fr.length > 0),
    quickReplies: form.quickReplies.map((r) => ({ id: r.id, en: { title: r.en.title.trim(), body: r.en.body.trim() }, fr: { title: r.fr.title.trim(), body: r.fr.body.trim() } })),
    attachments: {
      types: attachmentTypes.filter((type) => form.attachmentTypes.includes(type)),
      maxMegabytes: wholeNumber(form.attachmentMaxMegabytes),
      perMessage: wholeNumber(form.attachmentsPerMessage),
    },
    security: {
      idleLockMinutes: wholeNumber(form.idleLock),
      allowRememberDevice: form.allowRemember,
      stepUpRequired: form.stepUpRequired,
      contentProtection: form.contentProtection,
      notificationPreview: form.notificationPreview,
      patientAttachments: form.attachments,
      undoSendSeconds: wholeNumber(form.undoSend),
      retentionYears: wholeNumber(form.retention),
      incidentNoticeDays: wholeNumber(form.incidentDays),
    },
  };
}

export function validTimeZone(zone: string): boolean {
  if (!zone.trim()) return false;
  try {
    new Intl.DateTimeFormat(undefined, { timeZone: zone.trim() });
    return true;
  } catch {
    return false;
  }
}

/** The field a schema issue belongs to, as the form names its fields. */
function fieldOf(path: readonly PropertyKey[]): string {
  const [head, second, third] = path.map(String);
  if (head === 'businessHours' || head === 'emergency' || head === 'security' || head === 'consentRenewal' || head === 'attachments') return `${head}.${second ?? ''}`;
  if (head === 'consentText') return `consentText.${third ?? ''}`;
  if (head === 'quickReplies' && second !== undefined) return `quickReplies.${second}.${third ?? 'en'}`;
  return head ?? 'form';
}

/** Every problem, by field; empty when the rules can be saved. */
export function validate(form: RulesForm): { errors: FieldErrors; rules: ClinicRules | null } {
  const errors: FieldErrors = {};
  const set = (field: string, error: FieldError) => {
    errors[field] ??= error;
  };
  const text = (field: string, value: string, max: number, required: boolean) => {
    if (required && !value.trim()) set(field, { key: 'required' });
    else if (value.trim().length > max) set(field, { key: 'tooLong', values: { max } });
  };
  const range = (field: string, value: string, min: number, max: number) => {
    const n = wholeNumber(value);
    if (!(n >= min && n <= max)) set(field, { key: 'range', values: { min, max } });
  };
  text('clinicName', form.clinicName, 200, true);
  text('phone', form.phone, 40, true);
  text('email', form.email, 200, false);
  text('address', form.address, 400, false);
  if (!form.timeZone.trim()) set('timeZone', { key: 'required' });
  else if (!validTimeZone(form.timeZone)) set('timeZone', { key: 'timeZone' });
  range('responseTimeBusinessHours', form.responseHours, 1, 240);
  range('replyWarningBusinessHours', form.warningHours, 0, 240);
  for (const day of weekdays) {
    const d = form.days[day];
    if (!d.edited || !d.open) continue;
    if (!d.opens || !d.closes) set(`businessHours.${day}`, { key: 'time' });
    else if (d.closes <= d.opens) set(`businessHours.${day}`, { key: 'closesBeforeOpens' });
  }
  text('emergency.number', form.emergencyNumber, 20, true);
  text('emergency.nearestEmergencyDepartment', form.emergencyDepartment, 300, true);
  text('emergency.otherAdvice', form.emergencyAdvice, 1000, false);
  const list = (field: string, value: string, min: number) => {
    const items = lines(value);
    if (items.length < min) set(field, { key: 'purposes' });
    else if (items.length > 30) set(field, { key: 'tooMany', values: { max: 30 } });
    else if (items.some((item) => item.length > 200)) set(field, { key: 'lineTooLong', values: { max: 200 } });
  };
  list('inPersonTopics', form.inPersonTopics, 0);
  list('purposes', form.purposes, 1);
  range('security.idleLockMinutes', form.idleLock, 1, 60);
  range('security.undoSendSeconds', form.undoSend, 0, 60);
  range('attachments.maxMegabytes', form.attachmentMaxMegabytes, 1, 32);
  range('attachments.perMessage', form.attachmentsPerMessage, 1, MAX_ATTACHMENTS_PER_MESSAGE);
  if (form.attachmentTypes.length === 0) set('attachments.types', { key: 'attachmentTypes' });
  range('security.retentionYears', form.retention, 1, 100);
  range('security.incidentNoticeDays', form.incidentDays, 1, 365);
  range('consentRenewal.validityMonths', form.validityMonths, 0, 120);
  range('consentRenewal.reminderDays', form.reminderDays, 1, 180);
  if (form.urgentSigns.every((sign) => lines(sign.en).length + lines(sign.fr).length === 0)) set('urgentSigns', { key: 'urgentEmpty' });
  for (const sign of form.urgentSigns) {
    for (const lang of ['en', 'fr'] as const) {
      const phrases = lines(sign[lang]);
      if (phrases.some((p) => p.length > 120)) set(`urgentSigns.${sign.id}.${lang}`, { key: 'lineTooLong', values: { max: 120 } });
      else if (phrases.some((p) => p.length < 2)) set(`urgentSigns.${sign.id}.${lang}`, { key: 'invalid' });
      else if (phrases.length > 60) set(`urgentSigns.${sign.id}.${lang}`, { key: 'tooMany', values: { max: 60 } });
    }
  }
  for (const lang of ['en', 'fr'] as const) {
    if (Object.values(form.edits[lang]).some((t) => t.length > 2000)) set(`consentText.${lang}`, { key: 'tooLong', values: { max: 2000 } });
  }

  if (form.quickReplies.length > 30) set('quickReplies', { key: 'tooMany', values: { max: 30 } });
  form.quickReplies.forEach((reply, index) => {
    for (const lang of ['en', 'fr'] as const) {
      const field = `quickReplies.${index}.${lang}`;
      const { title, body } = reply[lang];
      if (!title.trim() || !body.trim()) set(field, { key: 'quickEmpty' });
      else if (title.trim().length > 80) set(field, { key: 'tooLong', values: { max: 80 } });
      else if (body.trim().length > 2000) set(field, { key: 'tooLong', values: { max: 2000 } });
      else {
        const unknown = placeholdersIn(`${title} ${body}`).filter((name) => !(quickReplyPlaceholders as readonly string[]).includes(name));
        if (unknown.length > 0) set(field, { key: 'quickUnknown', values: { names: unknown.map((n) => `{${n}}`).join(', ') } });
      }
    }
  });

  // The schema has the last word: anything it refuses that the checks above missed.
  const rules = rulesFromForm(form);
  const parsed = clinicRulesSchema.safeParse(rules);
  if (!parsed.success) for (const issue of parsed.error.issues) set(fieldOf(issue.path), { key: 'invalid' });
  return { errors, rules: Object.keys(errors).length === 0 && parsed.success ? parsed.data : null };
}
