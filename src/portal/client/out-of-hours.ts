// Runs in the portal (browser; Node 22 in tests): the rules the patient agreed to, and the
// notice shown when they write while the clinic is closed. The rules are pinned when this
// device first verifies a consent (and again for each newer consent version, which the
// patient agreed to anew), so a later change of the clinic's rules does not change what
// this patient was promised. The notice needs no clinic computer: the portal builds it.
import { isOpenAt, nextOpeningAt, replyDueAt } from '../../shared/clinic-hours';
import { type ClinicRules } from '../../shared/protocol/clinic-rules';
import { type PatientDirectory } from './directory';

/** What the patient agreed to: the consent version and the rules then in force. */
export type ConsentedRules = { readonly consentVersion: number; readonly policyVersion: number; readonly rules: ClinicRules };

/** The pinned rules after seeing this directory: the same, or the directory's for a newer consent. */
export function pinConsented(held: ConsentedRules | null, directory: PatientDirectory | null): ConsentedRules | null {
  const consent = directory?.consent;
  if (!consent || !directory?.rules || !directory.policy) return held;
  if (held && held.consentVersion >= consent.version) return held;
  return { consentVersion: consent.version, policyVersion: directory.policy.version, rules: directory.rules };
}

/** The notice for a message written at `at`: when the clinic reopens and when to expect an answer. */
export type OutOfHoursNotice = { readonly reopensAt: number | null; readonly replyDueAt: number | null };

/**
 * The notice to show for a message written at `at`, or null: the clinic is open, or this
 * closed period (named by its reopening instant) already had one.
 */
export function outOfHoursNotice(at: number, rules: ClinicRules, shownFor: readonly number[]): OutOfHoursNotice | null {
  if (isOpenAt(at, rules)) return null;
  const reopensAt = nextOpeningAt(at, rules);
  if (reopensAt !== null && shownFor.includes(reopensAt)) return null;
  return { reopensAt, replyDueAt: replyDueAt(at, rules) };
}

/** The closed periods already noticed, without those long past (kept to a few). */
export const rememberShown = (shownFor: readonly number[], notice: OutOfHoursNotice, now: number): number[] =>
  [...shownFor.filter((at) => at > now - 30 * 86_400_000), ...(notice.reopensAt === null ? [] : [notice.reopensAt])].slice(-20);
