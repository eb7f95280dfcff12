// Runs in main (Node): which security settings hold on this computer. The clinic's signed
// rules decide once a policy has been verified; before that, the strictest settings hold.
// A policy that does not verify never reaches here, so it changes nothing.
import type { ClinicRules } from '../../shared/protocol/clinic-rules';
import type { AppliedSecurity } from '../../shared/profiles';

/** In force until this account has verified its clinic's policy (and for an account with no clinic). */
export const strictestSecurity: AppliedSecurity = {
  idleLockMinutes: 1,
  allowRememberDevice: false,
  notificationPreview: 'nothing',
  patientAttachments: false,
  contentProtection: true,
  source: 'strictest',
  policyVersion: null,
};

/** The settings a verified policy sets, or the strictest ones when there is none. */
export function securityFrom(verified: { rules: ClinicRules; version: number } | null): AppliedSecurity {
  if (!verified) return strictestSecurity;
  const { security } = verified.rules;
  return {
    idleLockMinutes: security.idleLockMinutes,
    allowRememberDevice: security.allowRememberDevice,
    notificationPreview: security.notificationPreview,
    patientAttachments: security.patientAttachments,
    contentProtection: security.contentProtection,
    source: 'clinic',
    policyVersion: verified.version,
  };
}

export const sameSecurity = (a: AppliedSecurity, b: AppliedSecurity): boolean => JSON.stringify(a) === JSON.stringify(b);
