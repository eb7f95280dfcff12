// Runs anywhere: a consent record as the front desk signs it (DOMAIN.md, clauses 1–16).
// Immutable: a change (new choices, withdrawal, renewal, identity check) is a new record
// with the next version, citing the one it supersedes. The recording device signs
// `consent-record/v1 ‖ 0 ‖ canonical(record)` with its certified key.
import { z } from 'zod';

import { consentScopeSchema, consentScopes } from '../protocol/documents';
import { idSchema, timestampSchema } from '../protocol/fields';
import { identityMethods } from './types';

export const CONSENT_RECORD_PREFIX = 'clinic-messenger/consent-record/v1';

export const consentEvents = ['grant', 'change-scopes', 'withdraw', 'renew', 'reverify-identity'] as const;
export type ConsentRecordEvent = (typeof consentEvents)[number];

const text = (max: number) => z.string().trim().min(1).max(max);

export const signatureSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('drawn'), image: z.string().max(280_000).regex(/^data:image\/png;base64,[A-Za-z0-9+/=]+$/) }),
  z.strictObject({ kind: z.literal('typed'), name: text(200) }),
]);

export const consentRecordSchema = z.strictObject({
  v: z.literal(1),
  recordId: idSchema,
  patientId: idSchema,
  version: z.number().int().min(1),
  event: z.enum(consentEvents),
  status: z.enum(['granted', 'withdrawn']),
  /** Scopes granted and active after this record. */
  scopes: z.array(consentScopeSchema).max(consentScopes.length),
  /** Scopes offered and declined (a grant or change), for the receipt and the register. */
  declined: z.array(consentScopeSchema).max(consentScopes.length),
  excludedTopics: z.array(text(200)).max(20),
  expiresAt: timestampSchema.nullable(),
  identity: z.strictObject({ method: z.enum(identityMethods), note: z.string().trim().max(200), verifiedAt: timestampSchema }),
  language: z.enum(['en', 'fr']),
  /** The exact text shown: its version (`p<policy>-t<template>-<language>`) and BLAKE2b-256 hash (base64). */
  textVersion: z.string().regex(/^p\d+-t\d+-(en|fr)$/),
  textHash: z.string().length(44),
  /** Sections the patient acknowledged, one by one, in order. */
  acknowledged: z.array(z.string().max(40)).max(32),
  signature: signatureSchema.nullable(),
  /** Who signed on the patient's behalf, if not the patient. */
  decisionMaker: z.strictObject({ name: text(200), relationship: text(100) }).nullable(),
  /** The clerk who witnessed and recorded it. */
  recordedBy: z.strictObject({ staffId: idSchema, deviceId: idSchema, name: text(200) }),
  recordedAt: timestampSchema,
  /** Why, for a withdrawal or a change (optional, free text). */
  reason: z.string().trim().max(500),
  supersedes: idSchema.nullable(),
});
export type ConsentRecordDocument = z.infer<typeof consentRecordSchema>;
