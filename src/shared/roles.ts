// Runs anywhere: pure TypeScript, no Node, no DOM.

/** Staff roles. Each one decides which IPC channels a signed-in profile may call. */
export const staffRoles = ['clinician', 'front-desk', 'it-admin'] as const;
export type StaffRole = (typeof staffRoles)[number];

/**
 * Who is calling main. Before a profile is unlocked nobody is signed in, and only
 * channels that reveal no clinic or patient data accept that caller.
 */
export type Caller = StaffRole | 'signed-out';

export const everyone: readonly Caller[] = ['signed-out', ...staffRoles];
