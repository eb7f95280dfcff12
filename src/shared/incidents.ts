// Runs anywhere: privacy incidents as the IT admin's privacy desk shows and records them (ADR 20).
import { z } from 'zod';

import { SENT_IN_ERROR_REASONS } from './protocol/care-team';
import { revocationReasons } from './protocol/documents';

export const incidentKinds = ['sent-in-error', 'lost-device'] as const;
export const incidentDecisions = ['undecided', 'notify', 'no-notify'] as const;

const text = (max: number) => z.string().trim().max(max, 'too-long');

export const IncidentTold = z.strictObject({ who: text(200).min(1, 'required'), how: text(200), at: z.number().int().min(0) });

export const IncidentRecord = z.strictObject({
  /** What happened, in the privacy officer's words. */
  whatHappened: z.string(),
  /** Who was told (the patient, the regulator, the clinic's insurer…), how and when. */
  told: z.array(IncidentTold),
  decision: z.enum(incidentDecisions),
  /** Why the clinic decided to notify or not (the risk assessment, in short). */
  decisionNote: z.string(),
  decidedAt: z.number().int().nullable(),
  closedAt: z.number().int().nullable(),
});
export type IncidentRecord = z.infer<typeof IncidentRecord>;

export const IncidentView = z.strictObject({
  incidentId: z.string(),
  kind: z.enum(incidentKinds),
  openedAt: z.number().int(),
  /** Who raised it: the clinician who marked the message, the IT admin who removed the computer. */
  openedBy: z.string(),
  /** With "sent in error": the conversation and the message; with a lost computer: the device. */
  patientId: z.string().nullable(),
  messageId: z.string().nullable(),
  deviceId: z.string().nullable(),
  reason: z.union([z.enum(SENT_IN_ERROR_REASONS), z.enum(revocationReasons)]),
  note: z.string(),
  /** The day by which the clinic must decide on (and make) a breach notice, from the clinic's rules. */
  deadline: z.number().int(),
  record: IncidentRecord,
  timeline: z.array(z.strictObject({ at: z.number().int(), what: z.string(), by: z.string() })),
});
export type IncidentView = z.infer<typeof IncidentView>;

export const IncidentList = z.strictObject({ incidents: z.array(IncidentView), noticeDays: z.number().int(), now: z.number().int() });
export type IncidentList = z.infer<typeof IncidentList>;

export const IncidentUpdate = z.strictObject({
  incidentId: z.string().regex(/^[A-Za-z0-9_:-]{1,80}$/),
  whatHappened: text(4000).optional(),
  told: IncidentTold.optional(),
  decision: z.enum(incidentDecisions).optional(),
  decisionNote: text(2000).optional(),
  close: z.boolean().optional(),
});
export type IncidentUpdate = z.infer<typeof IncidentUpdate>;
