// Runs anywhere: what the front desk's and IT's screens exchange with main about reminders
// and newsletters (ADR 18). A newsletter goes to every patient who agreed to newsletters,
// sealed to each one; the result counts sent, refused (with the reason) and still queued.
import { z } from 'zod';

import { MAX_BODY_CHARS } from './protocol/delivery';
import { idSchema } from './protocol/fields';
import { MessageBody } from './inbox';

export const CampaignResult = z.strictObject({
  campaignId: idSchema,
  kind: z.enum(['reminder', 'newsletter']),
  /** The newsletter's or reminder's first characters (at most 140), for the list of sends. */
  preview: z.string(),
  createdAt: z.number().int(),
  finished: z.boolean(),
  total: z.number().int(),
  sent: z.number().int(),
  queued: z.number().int(),
  refused: z.number().int(),
  /** Refused, by reason: `no-scope` (not agreed, withdrawn or expired), `no-device`, or the relay's code. */
  reasons: z.record(z.string(), z.number().int()),
  /** Sending now on this computer. */
  running: z.boolean(),
});
export type CampaignResult = z.infer<typeof CampaignResult>;

export const NewsletterAudience = z.strictObject({
  /** Patients with a consent on record. */
  patients: z.number().int(),
  /** Of them, those who agreed to newsletters and have connected a device: who will get it. */
  reachable: z.number().int(),
  /** Agreed, but no device connected yet. */
  noDevice: z.number().int(),
});
export type NewsletterAudience = z.infer<typeof NewsletterAudience>;

export const noticeChannels = {
  /** An appointment reminder to one patient (scope `reminders`); refused when they did not agree. */
  'notices:reminder': { request: z.strictObject({ patientId: idSchema, body: MessageBody }), response: CampaignResult },
  /** Who a newsletter would reach now. */
  'notices:audience': { request: z.strictObject({}), response: NewsletterAudience },
  /** Makes a newsletter and starts sending it; progress comes as `task:progress` events. */
  'notices:newsletter': { request: z.strictObject({ body: MessageBody }), response: CampaignResult },
  /** Sends again what a newsletter still has queued (after a lost connection or a restart). */
  'notices:resume': { request: z.strictObject({ campaignId: idSchema }), response: CampaignResult },
  /** The newest newsletters sent from this computer, with their counts. */
  'notices:list': { request: z.strictObject({}), response: z.strictObject({ campaigns: z.array(CampaignResult) }) },
} as const;

export const MAX_NOTICE_CHARS = MAX_BODY_CHARS;
