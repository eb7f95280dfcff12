// Runs anywhere: what the renderer learns about this profile's clinic membership.
import { z } from 'zod';

import { clinicRulesSchema } from './protocol/clinic-rules';
import { staffRoles } from './roles';

const role = z.enum(staffRoles);
const relayUrl = z.string().max(300);

export const ClinicStatus = z.discriminatedUnion('state', [
  /** localServer: the address of a clinic server already running on this computer, if any. */
  z.strictObject({ state: z.literal('none'), localServer: z.string().nullable() }),
  /** Redeemed an invite; an IT admin has not approved this computer yet. */
  z.strictObject({ state: z.literal('pending'), role, fingerprint: z.string(), relayUrl }),
  z.strictObject({
    state: z.literal('member'),
    role,
    fingerprint: z.string(),
    relayUrl,
    /** Whether the relay runs inside this app, on this computer. */
    embeddedRelay: z.boolean(),
    /** Whether this computer holds the clinic root (it can approve and remove devices). */
    holdsRoot: z.boolean(),
    rules: clinicRulesSchema.nullable(),
    /** Whether the relay answered just now; false means working from what was last seen. */
    online: z.boolean(),
  }),
]);
export type ClinicStatus = z.infer<typeof ClinicStatus>;

export const ClinicName = z.string().trim().min(2, 'too-short').max(200, 'too-long');
export const PersonName = z.string().trim().min(1, 'required').max(200, 'too-long');
export const RelayAddress = z
  .string()
  .trim()
  .max(300)
  .refine((text) => /^(https?|wss?):\/\/[^\s/]+/i.test(text), 'not-a-url');
/** The short code (16 characters, ADR 15) or the full one; dashes and spaces allowed. */
export const InviteCode = z.string().trim().min(16, 'too-short').max(120, 'too-long');
export const SetupToken = z.string().trim().min(10, 'too-short').max(200, 'too-long');

/** A clinic phone number patients can call: digits required, the usual punctuation allowed, an extension too. */
export const ClinicPhone = z
  .string()
  .trim()
  .min(1, 'required')
  .max(40, 'too-long')
  .regex(/^[+0-9 ().-]*(\s*(ext\.?|x|poste)\s*[0-9]{1,6})?$/i, 'phone-format')
  .refine((text) => /[0-9].*[0-9].*[0-9]/.test(text), 'phone-format');
const clockTime = z.string().regex(/^([01][0-9]|2[0-3]):[0-5][0-9]$/, 'time');

/** What setting up a clinic asks for, besides its name: what a patient must be told before consenting. */
export const ClinicSetUpDetails = z
  .object({
    phone: ClinicPhone,
    emergencyNumber: z.string().trim().min(1, 'required').max(20, 'too-long').regex(/^[0-9 #*+-]+$/, 'phone-format'),
    emergencyDepartment: z.string().trim().min(3, 'required').max(300, 'too-long'),
    opens: clockTime,
    closes: clockTime,
  })
  .strict()
  .refine((d) => d.opens < d.closes, { message: 'closes-before-opens', path: ['closes'] });
export type ClinicSetUpDetails = z.infer<typeof ClinicSetUpDetails>;
