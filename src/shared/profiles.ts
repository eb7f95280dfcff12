// Runs anywhere: pure TypeScript, no Node, no DOM.
import { z } from 'zod';

import { staffRoles } from './roles';

/**
 * The only thing about a profile that is readable without its passphrase: the name its
 * owner chose to show on the account picker (initials, a first name, "Front desk"...).
 * See docs/adr/0008-encrypted-profiles.md.
 */
export const DisplayName = z
  .string()
  .trim()
  .min(1, { error: 'too-short' })
  .max(40, { error: 'too-long' })
  .regex(/^[\p{L}\p{N}][\p{L}\p{N} .,'’()_-]*$/u, { error: 'bad-characters' });

export const Passphrase = z.string().min(1, { error: 'required' }).max(1024, { error: 'too-long' });

export const ProfileId = z.uuid();

export const ProfileSummary = z
  .object({
    id: ProfileId,
    displayName: z.string(),
    createdAt: z.string(),
    /** `damaged`: its key file or database cannot be read; the recovery screen explains. */
    state: z.enum(['ready', 'damaged']),
    /** This computer's keystore can unlock it without the passphrase. */
    remembersDevice: z.boolean(),
  })
  .strict();
export type ProfileSummary = z.infer<typeof ProfileSummary>;

export const KeystoreAvailability = z
  .object({ available: z.boolean(), reason: z.enum(['unavailable', 'insecure-backend']).optional() })
  .strict();

export const LockReason = z.enum(['manual', 'idle', 'os-lock', 'suspend']);
export type LockReason = z.infer<typeof LockReason>;

/**
 * The security settings in force on this computer for the unlocked account: those of the
 * clinic's signed rules once a policy has been verified, the strictest ones before that.
 */
export const AppliedSecurity = z
  .object({
    idleLockMinutes: z.number().int().positive(),
    allowRememberDevice: z.boolean(),
    notificationPreview: z.enum(['nothing', 'sender', 'sender-and-text']),
    patientAttachments: z.boolean(),
    /** Whether every window is hidden from screenshots and screen sharing (setContentProtection). */
    contentProtection: z.boolean(),
    /** `clinic`: from the verified policy of that version; `strictest`: no policy verified yet. */
    source: z.enum(['clinic', 'strictest']),
    policyVersion: z.number().int().positive().nullable(),
  })
  .strict();
export type AppliedSecurity = z.infer<typeof AppliedSecurity>;

export const SessionStatus = z.discriminatedUnion('state', [
  z
    .object({
      state: z.literal('signed-out'),
      lockReason: LockReason.nullable(),
      /** The profile that was just locked, so the lock screen can offer it first. */
      lastProfileId: ProfileId.nullable(),
    })
    .strict(),
  z
    .object({
      state: z.literal('unlocked'),
      profile: ProfileSummary,
      /** The profile's role in its clinic; null until it has joined one (or while approval is pending). */
      clinicRole: z.enum(staffRoles).nullable(),
      security: AppliedSecurity,
      keystore: KeystoreAvailability,
    })
    .strict(),
]);
export type SessionStatus = z.infer<typeof SessionStatus>;

export const BackupSummary = z.object({ fileName: z.string(), bytes: z.number().int().nonnegative() }).strict();
export const BackupInfo = z
  .object({ token: z.string(), fileName: z.string(), displayName: z.string(), createdAt: z.string(), bytes: z.number() })
  .strict();
export type BackupInfo = z.infer<typeof BackupInfo>;

export const TaskProgress = z
  .object({ task: z.enum(['backup', 'restore', 'newsletter']), done: z.number().nonnegative(), total: z.number().nonnegative() })
  .strict();
export type TaskProgress = z.infer<typeof TaskProgress>;
