// Runs anywhere: what the IT admin's audit screen shows and asks (ADR 20).
import { z } from 'zod';

import { auditBreakKinds } from './protocol/audit-log';
import { staffRoles } from './roles';

export const AuditFilter = z
  .object({
    /** Who: a staff id. */
    actorId: z.string().trim().max(100).optional(),
    /** What: an action or the start of one (`consent.`, `attachment.viewed`). */
    action: z.string().trim().max(100).optional(),
    /** About which patient. */
    patientId: z.string().trim().max(100).optional(),
    /** On which computer (a device id). */
    deviceId: z.string().trim().max(100).optional(),
    from: z.number().int().min(0).optional(),
    to: z.number().int().min(0).optional(),
  })
  .strict();
export type AuditFilter = z.infer<typeof AuditFilter>;

export const AuditRow = z
  .object({
    deviceId: z.string(),
    seq: z.number().int(),
    at: z.number().int(),
    actorId: z.string(),
    action: z.string(),
    subjectType: z.string(),
    subjectId: z.string().nullable(),
    details: z.record(z.string(), z.json()),
  })
  .strict();
export type AuditRow = z.infer<typeof AuditRow>;

export const AuditComputer = z
  .object({ deviceId: z.string(), staffId: z.string(), role: z.enum(staffRoles), lastSeq: z.number().int(), events: z.number().int(), self: z.boolean() })
  .strict();

export const AuditBreakView = z.object({ kind: z.enum(auditBreakKinds), deviceId: z.string(), seq: z.number().int(), toSeq: z.number().int().optional() }).strict();
export type AuditBreakView = z.infer<typeof AuditBreakView>;

export const ClinicAuditView = z
  .object({
    rows: z.array(AuditRow),
    /** How many events matched before the page was cut (newest first). */
    matched: z.number().int(),
    total: z.number().int(),
    computers: z.array(AuditComputer),
    breaks: z.array(AuditBreakView),
    unreadable: z.number().int(),
    /** Events per day (YYYY-MM-DD in the clinic’s time zone) over the matching events, for the timeline. */
    timeline: z.array(z.object({ day: z.string(), count: z.number().int() }).strict()),
    logSize: z.number().int(),
    checkedAt: z.number().int(),
  })
  .strict();
export type ClinicAuditView = z.infer<typeof ClinicAuditView>;

export const auditExportFormats = ['csv', 'signed-json'] as const;
export type AuditExportFormat = (typeof auditExportFormats)[number];
