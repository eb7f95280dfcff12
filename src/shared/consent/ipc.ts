// Runs anywhere: what crosses IPC for consent capture, validated by the router on the way in
// and on the way out.
import { z } from 'zod';

import { consentScopeSchema, consentScopes } from '../protocol/documents';
import { idSchema } from '../protocol/fields';
import { consentRecordSchema, signatureSchema } from './record';
import { identityMethods } from './types';

const name = z.string().trim().min(1, 'required').max(100, 'too-long');
const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'date-format')
  .refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d), 'date-invalid')
  .refine((d) => d >= '1900-01-01', 'date-range');

/**
 * Whether a date of birth lies after `now`'s date anywhere on Earth (a child born today in
 * the clinic's zone is never refused). A rule on the clock, so it takes the clock: main
 * checks it with its own; the schema above checks only the shape.
 */
export function isFutureDate(isoDate: string, now: number): boolean {
  const latestToday = now + 14 * 3_600_000; // UTC+14 is the furthest ahead any zone is
  return isoDate > new Date(latestToday).toISOString().slice(0, 10);
}

export const PatientInput = z.strictObject({
  givenName: name,
  familyName: name,
  dateOfBirth: isoDate,
  phone: z.string().trim().max(40, 'too-long').regex(/^[+0-9 ().-]*$/, 'phone-format').optional(),
  email: z.string().trim().max(200, 'too-long').regex(/^$|^[^\s@]+@[^\s@]+\.[^\s@]+$/, 'email-format').optional(),
  decisionMaker: z.strictObject({ name, relationship: z.string().trim().min(1, 'required').max(60, 'too-long') }).optional(),
});
export type PatientInput = z.infer<typeof PatientInput>;

export const PatientSummary = z.strictObject({ id: idSchema, givenName: z.string(), familyName: z.string(), dateOfBirth: z.string() });
export type PatientSummary = z.infer<typeof PatientSummary>;

export const RegisterStatus = z.enum(['pending-enrollment', 'active', 'partial', 'withdrawn', 'expired', 'none']);

export const ConsentRegisterRow = z.strictObject({
  patient: PatientSummary,
  status: RegisterStatus,
  scopes: z.array(consentScopeSchema),
  expiresAt: z.number().nullable(),
  renewalDue: z.boolean(),
  lastRecordAt: z.number().nullable(),
  /** Some record has not reached the clinic's server yet. */
  unpublished: z.boolean(),
  recordCount: z.number().int(),
});
export type ConsentRegisterRow = z.infer<typeof ConsentRegisterRow>;

export const ConsentRecordInput = z.strictObject({
  patientId: idSchema,
  language: z.enum(['en', 'fr']),
  textVersion: z.string().max(40),
  textHash: z.string().max(64),
  acknowledged: z.array(z.string().max(40)).max(32),
  identityMethod: z.enum(identityMethods),
  identityNote: z.string().trim().max(200, 'too-long'),
  choices: z
    .array(z.strictObject({ scope: consentScopeSchema, granted: z.boolean() }))
    .length(consentScopes.length)
    .refine((c) => new Set(c.map((x) => x.scope)).size === consentScopes.length, 'each-scope-once')
    .refine((c) => c.some((x) => x.granted), 'no-scope'),
  excludedTopics: z.array(z.string().trim().min(1).max(200, 'too-long')).max(20, 'too-many'),
  signature: signatureSchema,
  decisionMaker: z.strictObject({ name, relationship: z.string().trim().min(1, 'required').max(60, 'too-long') }).nullable(),
});
export type ConsentRecordInput = z.infer<typeof ConsentRecordInput>;

const sectionSchema = z.strictObject({ id: z.string(), title: z.string(), paragraphs: z.array(z.string()), bullets: z.array(z.string()) });
export const ConsentDocumentSchema = z.strictObject({
  language: z.enum(['en', 'fr']),
  policyVersion: z.number().int(),
  templateVersion: z.number().int(),
  version: z.string(),
  title: z.string(),
  sections: z.array(sectionSchema),
  text: z.string(),
});

export const ReceiptView = z.strictObject({
  record: consentRecordSchema,
  published: z.boolean(),
  patient: PatientSummary,
  clinic: z.strictObject({ name: z.string(), phone: z.string(), timeZone: z.string() }),
  fingerprint: z.string(),
  /** The exact text agreed to; null if the clinic's rules changed since (the record keeps its version and hash). */
  document: ConsentDocumentSchema.nullable(),
  /** portalUrl: where the patient enters the code (the clinic server's patient portal). */
  enrollment: z.strictObject({ code: z.string(), shortCode: z.string().nullable(), expiresAt: z.number(), portalUrl: z.string().nullable() }).nullable(),
});
export type ReceiptView = z.infer<typeof ReceiptView>;

export const ConsentHistory = z.strictObject({
  row: ConsentRegisterRow,
  records: z.array(z.strictObject({ record: consentRecordSchema, published: z.boolean() })),
});
