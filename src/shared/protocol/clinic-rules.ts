// Runs anywhere: the clinic's stated rules, the content of the signed clinic policy (ADR 10).
// What patients are told (response time, hours, emergencies, what needs a visit) and the
// security settings IT chooses. Every client validates a policy's rules with this schema;
// the consent text and the reply clock are computed from it, so they cannot drift apart.
import { z } from 'zod';

import { defaultUrgentSigns } from '../triage/urgent-signs';
import { defaultQuickReplies, quickRepliesSchema } from '../quick-replies';
import { MAX_ATTACHMENTS_PER_MESSAGE, attachmentTypeSchema, attachmentTypes, defaultAttachmentRules } from './attachments';
import { portalVouchSchema } from './portal-files';

const text = (max: number) => z.string().trim().min(1).max(max);
const time = z.string().regex(/^([01][0-9]|2[0-3]):[0-5][0-9]$/, 'a time like 08:30');
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date like 2026-12-25');

export const weekdays = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;
export type Weekday = (typeof weekdays)[number];

/** Opening hours of one day: empty when closed. Times are local to the clinic's time zone. */
const dayHours = z
  .array(z.strictObject({ opens: time, closes: time }).refine((h) => h.opens < h.closes, { message: 'closes must be after opens' }))
  .max(4);

const urgentPhrase = z.string().trim().min(2).max(120);
/** The signs of an emergency the portal checks each message for (syntax: src/shared/triage/matcher.ts). */
export const urgentSignsSchema = z
  .array(
    z
      .strictObject({ id: z.string().regex(/^[a-z0-9-]{1,40}$/), en: z.array(urgentPhrase).max(60), fr: z.array(urgentPhrase).max(60) })
      .refine((sign) => sign.en.length + sign.fr.length > 0, { message: 'a sign needs at least one phrase' }),
  )
  .min(1)
  .max(40);

export const clinicRulesSchema = z.strictObject({
  clinicName: text(200),
  /** Empty until the clinic sets it; no consent is recorded while it is (see missingClinicDetails). */
  phone: z.string().trim().max(40),
  email: z.string().trim().max(200).optional(),
  address: z.string().trim().max(400).optional(),
  /** IANA time zone the hours are written in, e.g. America/Toronto. */
  timeZone: text(64),
  /** The promise made to patients: a reply within this many business hours. */
  responseTimeBusinessHours: z.number().int().min(1).max(240),
  /** Business hours before the reply is due when every clinician's computer warns ("due soon"). */
  replyWarningBusinessHours: z.number().int().min(0).max(240).default(2),
  businessHours: z.strictObject(Object.fromEntries(weekdays.map((d) => [d, dayHours])) as Record<Weekday, typeof dayHours>),
  /** Days the clinic is closed although the weekday is open. */
  holidays: z.array(isoDate).max(100),
  emergency: z.strictObject({
    /** The local emergency number, e.g. 911 or 112. */
    number: text(20),
    /** Its name and address, e.g. "Lakeside General Hospital, 200 Shore Road". Empty until set. */
    nearestEmergencyDepartment: z.string().trim().max(300),
    /** Other advice, e.g. a nurse line. */
    otherAdvice: z.string().trim().max(1000).optional(),
  }),
  /** Topics the clinic handles only in person (a visit or a phone call). */
  inPersonTopics: z.array(text(200)).max(30),
  /** What the service may be used for. */
  purposes: z.array(text(200)).min(1).max(30),
  /** The clinic's own additions to the consent text: each change is a new template version. */
  consentText: z.strictObject({
    templateVersion: z.number().int().min(1).max(100_000),
    /** An extra paragraph per consent section id, in English and French. */
    edits: z.strictObject({ en: z.record(z.string().max(40), z.string().max(2000)), fr: z.record(z.string().max(40), z.string().max(2000)) }),
  }),
  /** How long a consent lasts before it must be renewed (0: until withdrawn), and when to remind. */
  consentRenewal: z
    .strictObject({ validityMonths: z.number().int().min(0).max(120), reminderDays: z.number().int().min(1).max(180) })
    .default({ validityMonths: 0, reminderDays: 30 }),
  /** Never empty: a clinic that takes messages must stop patients who describe an emergency. */
  urgentSigns: urgentSignsSchema.default(() => defaultUrgentSigns.map((sign) => ({ id: sign.id, en: [...sign.en], fr: [...sign.fr] }))),
  /** The replies a clinician picks in the composer, in English and French (src/shared/quick-replies.ts). */
  quickReplies: quickRepliesSchema.default(() => defaultQuickReplies.map((r) => ({ id: r.id, en: { ...r.en }, fr: { ...r.fr } }))),
  /**
   * What a file attached to a message may be (ADR 19): its types, from its bytes; its size;
   * how many go with one message. Patients may attach only when `security.patientAttachments`
   * is on and they agreed to the `attachments` scope.
   */
  attachments: z
    .strictObject({
      types: z.array(attachmentTypeSchema).min(1).max(attachmentTypes.length),
      maxMegabytes: z.number().int().min(1).max(32),
      perMessage: z.number().int().min(1).max(MAX_ATTACHMENTS_PER_MESSAGE),
    })
    .default(() => ({ types: [...defaultAttachmentRules.types], maxMegabytes: defaultAttachmentRules.maxMegabytes, perMessage: defaultAttachmentRules.perMessage })),
  security: z.strictObject({
    idleLockMinutes: z.number().int().min(1).max(60),
    /** Whether staff may let this computer unlock their account without the passphrase. */
    allowRememberDevice: z.boolean(),
    /** What a desktop notification may show. */
    notificationPreview: z.enum(['nothing', 'sender', 'sender-and-text']),
    patientAttachments: z.boolean(),
    undoSendSeconds: z.number().int().min(0).max(60),
    retentionYears: z.number().int().min(1).max(100),
    /** Whether every IT admin must use an authenticator code for root actions, enrolled or not (ADR 20). */
    stepUpRequired: z.boolean().default(false),
    /** Whether the app's windows are hidden from screenshots and screen sharing (ADR 20). */
    contentProtection: z.boolean().default(false),
    /** Days the law gives the clinic to decide on and make a breach notice, counted from an incident's opening (ADR 20). */
    incidentNoticeDays: z.number().int().min(1).max(365).default(60),
  }),
  /**
   * The patient portal the IT admin vouched for (ADR 16): set only by "vouch for the portal",
   * never by the rules form. Absent until vouched for.
   */
  portal: portalVouchSchema.optional(),
});
export type ClinicRules = z.infer<typeof clinicRulesSchema>;

/** What a patient must be told and the clinic must set before any consent is recorded. */
export const clinicDetails = ['phone', 'emergency-number', 'emergency-department', 'opening-hours'] as const;
export type ClinicDetail = (typeof clinicDetails)[number];

/** The clinic details still missing from these rules (none: consents may be recorded). */
export function missingClinicDetails(rules: ClinicRules): ClinicDetail[] {
  const missing: ClinicDetail[] = [];
  if (!/\d/.test(rules.phone)) missing.push('phone');
  if (!rules.emergency.number.trim()) missing.push('emergency-number');
  if (!rules.emergency.nearestEmergencyDepartment.trim()) missing.push('emergency-department');
  if (weekdays.every((day) => rules.businessHours[day].length === 0)) missing.push('opening-hours');
  return missing;
}

/** What the person setting up a clinic is asked for. */
export type ClinicSetUpDetails = {
  readonly phone: string;
  readonly emergencyNumber: string;
  readonly emergencyDepartment: string;
  /** Weekday opening hours (Monday to Friday); the rules screen sets each day apart. */
  readonly opens: string;
  readonly closes: string;
};

/**
 * What a new clinic starts with, so a single-computer setup works at once: the details asked
 * at set-up, and otherwise values the IT admin reviews on the rules screen. Without details,
 * the phone and emergency department stay empty, and no consent can be recorded until set.
 */
export function defaultClinicRules(clinicName: string, timeZone = 'UTC', details?: ClinicSetUpDetails): ClinicRules {
  const weekday = [{ opens: details?.opens ?? '08:30', closes: details?.closes ?? '17:00' }];
  return {
    clinicName,
    phone: details?.phone.trim() ?? '',
    timeZone,
    // About two working days at 8:30–17:00.
    responseTimeBusinessHours: 16,
    replyWarningBusinessHours: 2,
    businessHours: { monday: weekday, tuesday: weekday, wednesday: weekday, thursday: weekday, friday: weekday, saturday: [], sunday: [] },
    holidays: [],
    emergency: { number: details?.emergencyNumber.trim() || '911', nearestEmergencyDepartment: details?.emergencyDepartment.trim() ?? '' },
    inPersonTopics: ['New or worsening symptoms', 'Chest pain, trouble breathing or thoughts of self-harm', 'Test results that need an examination'],
    purposes: ['Questions about an ongoing treatment', 'Prescription renewals', 'Appointment follow-up'],
    consentText: { templateVersion: 1, edits: { en: {}, fr: {} } },
    consentRenewal: { validityMonths: 0, reminderDays: 30 },
    urgentSigns: defaultUrgentSigns.map((sign) => ({ id: sign.id, en: [...sign.en], fr: [...sign.fr] })),
    quickReplies: defaultQuickReplies.map((r) => ({ id: r.id, en: { ...r.en }, fr: { ...r.fr } })),
    attachments: { types: [...defaultAttachmentRules.types], maxMegabytes: defaultAttachmentRules.maxMegabytes, perMessage: defaultAttachmentRules.perMessage },
    security: { idleLockMinutes: 5, allowRememberDevice: false, notificationPreview: 'nothing', patientAttachments: false, undoSendSeconds: 10, retentionYears: 10, stepUpRequired: false, contentProtection: false, incidentNoticeDays: 60 },
  };
}
