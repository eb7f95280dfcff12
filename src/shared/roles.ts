// Runs anywhere: pure TypeScript, no Node, no DOM.

/** Staff roles. Each one decides which IPC channels a signed-in profile may call. */
export const staffRoles = ['clinician', 'front-desk', 'it-admin'] as const;
export type StaffRole = (typeof staffRoles)[number];

/**
 * Who is calling main. `signed-out`: no profile is unlocked, so only channels that reveal
 * no clinic or patient data answer. `unenrolled`: a profile is unlocked but has not joined
 * a clinic yet, so it has no staff role.
 */
export type Caller = 'signed-out' | 'unenrolled' | StaffRole;

export const everyone: readonly Caller[] = ['signed-out', 'unenrolled', ...staffRoles];
export const signedOutOnly: readonly Caller[] = ['signed-out'];
export const anyUnlocked: readonly Caller[] = ['unenrolled', ...staffRoles];
export const unenrolledOnly: readonly Caller[] = ['unenrolled'];
/** Who records consent and enrolls patients. */
export const registrars: readonly Caller[] = ['front-desk', 'it-admin'];
export const itAdmins: readonly Caller[] = ['it-admin'];
/** Who reads and answers patients' messages. */
export const clinicians: readonly Caller[] = ['clinician'];
/** Any member of a clinic: the audit trail of this computer is theirs to read. */
export const staffOnly: readonly Caller[] = [...staffRoles];
