// Runs anywhere: what the screens are told about the patient portal the clinic vouches for
// (ADR 16): the vouch in force, this computer's last check, and (for IT) the alerts other
// computers raised against the same vouch.
import { z } from 'zod';

import { staffRoles } from './roles';

const difference = z.strictObject({ path: z.string().max(220), problem: z.enum(['changed', 'missing']) });

export const PortalCheckView = z.strictObject({
  at: z.number().int(),
  outcome: z.enum(['match', 'mismatch', 'unreachable', 'not-vouched']),
  differences: z.array(difference).max(210),
  /** Whether the relay took this computer's alert for IT. */
  reported: z.boolean(),
});
export type PortalCheckView = z.infer<typeof PortalCheckView>;

export const PortalAlertView = z.strictObject({
  alertId: z.string().max(64),
  raisedAt: z.number().int(),
  deviceId: z.string().max(64),
  role: z.enum(staffRoles).nullable(),
  differences: z.array(difference).max(210),
});
export type PortalAlertView = z.infer<typeof PortalAlertView>;

export const PortalStatus = z.strictObject({
  /** The vouch in the clinic policy, or null when IT has not vouched for a portal yet. */
  vouch: z.strictObject({ vouchedAt: z.number().int(), files: z.number().int(), byThisComputer: z.boolean() }).nullable(),
  /** Whether this computer may vouch (it holds the clinic's master key). */
  canVouch: z.boolean(),
  lastCheck: PortalCheckView.nullable(),
  /** For IT admins: alerts from the clinic's computers about the vouch in force. */
  alerts: z.array(PortalAlertView).max(50),
});
export type PortalStatus = z.infer<typeof PortalStatus>;

export const PortalChanged = z.strictObject({ at: z.number().int() });
