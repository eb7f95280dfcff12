// Runs anywhere: a patient's consent over time, as a pure state machine. Each event recorded
// at the front desk (or the patient's enrollment) turns the current snapshot into the next
// one, version + 1; a snapshot is never changed in place. An event that does not fit the
// current state is refused with a ConsentTransitionError whose code says why.
import { ProtocolError } from '../protocol/errors';
import { type ConsentScope, consentScopes } from '../protocol/documents';
import { type ConsentRegisterStatus } from './types';

const DAY_MS = 24 * 60 * 60 * 1000;
/** How far in the future an event may be dated, to allow for clocks that disagree a little. */
export const CLOCK_SKEW_MS = 5 * 60 * 1000;

export type ConsentSnapshot = {
  /** 1 for the first record, + 1 for each event. */
  readonly version: number;
  /** The scopes granted and active, in `consentScopes` order; empty once withdrawn. */
  readonly scopes: readonly ConsentScope[];
  readonly status: 'granted' | 'withdrawn';
  /** When this record (this version) was made: the time of the event that produced it. */
  readonly signedAt: number;
  /** After this time no scope is active until renewed; null: no expiry. */
  readonly expiresAt: number | null;
  /** When the front desk last checked the patient's identity. */
  readonly identityVerifiedAt: number;
  /** Whether the patient has redeemed an enrollment code since consent was (re)granted. */
  readonly enrolled: boolean;
};

export type ConsentEvent =
  /** First consent, or a new consent after withdrawal or expiry. */
  | {
      readonly type: 'grant';
      readonly at: number;
      readonly scopes: readonly ConsentScope[];
      readonly expiresAt: number | null;
      readonly identityVerifiedAt: number;
    }
  /** New choices while consent is granted and not expired; to drop every scope, withdraw. */
  | { readonly type: 'change-scopes'; readonly at: number; readonly scopes: readonly ConsentScope[] }
  | { readonly type: 'withdraw'; readonly at: number }
  /** A new expiry, even after the old one has passed. */
  | { readonly type: 'renew'; readonly at: number; readonly expiresAt: number }
  | { readonly type: 'reverify-identity'; readonly at: number }
  /** The patient redeemed their enrollment code. */
  | { readonly type: 'enrolled'; readonly at: number };

export type ConsentTransitionCode =
  | 'not-granted' // the event needs a granted consent, and there is none (no record, or withdrawn)
  | 'already-granted' // a new grant while consent is granted and not expired
  | 'no-scope' // a grant or change with no scope (to stop everything, withdraw)
  | 'unknown-scope' // a scope that is not one of consentScopes
  | 'no-change' // a change of scopes to the scopes already granted
  | 'expired' // a change of scopes after expiry: renew or grant again first
  | 'bad-expiry' // an expiry that is not after the event
  | 'bad-identity' // an identity check dated after the signature
  | 'bad-time' // a time that is not a whole, non-negative number of milliseconds
  | 'time-goes-back' // an event dated before the current record
  | 'in-the-future' // an event dated after now (beyond CLOCK_SKEW_MS)
  | 'unknown-event'; // an event type this version does not know

/** A refused consent event. The message is plain and carries no patient data. */
export class ConsentTransitionError extends ProtocolError<ConsentTransitionCode> {}

const refuse = (code: ConsentTransitionCode, message: string): never => {
  throw new ConsentTransitionError(code, message);
};

const isTime = (t: unknown): t is number => typeof t === 'number' && Number.isSafeInteger(t) && t >= 0;

const isExpired = (s: ConsentSnapshot, at: number): boolean => s.expiresAt !== null && at >= s.expiresAt;

/** The scopes without duplicates, in `consentScopes` order; refuses unknown and empty lists. */
function normaliseScopes(scopes: readonly ConsentScope[]): readonly ConsentScope[] {
  for (const scope of scopes) {
    if (!(consentScopes as readonly string[]).includes(scope)) refuse('unknown-scope', 'One of the choices is not a known consent choice.');
  }
  const result = consentScopes.filter((s) => scopes.includes(s));
  if (result.length === 0) refuse('no-scope', 'Choose at least one thing the patient agrees to. To stop everything, record a withdrawal instead.');
  return result;
}

function next(current: ConsentSnapshot | null, fields: Omit<ConsentSnapshot, 'version'>): ConsentSnapshot {
  return Object.freeze({ ...fields, scopes: Object.freeze([...fields.scopes]), version: (current?.version ?? 0) + 1 });
}

function requireGranted(current: ConsentSnapshot | null): ConsentSnapshot {
  if (current === null) return refuse('not-granted', 'This patient has no consent on record yet.');
  if (current.status !== 'granted') return refuse('not-granted', 'This patient has withdrawn consent. Record a new consent first.');
  return current;
}

/**
 * The snapshot after `event`, or a ConsentTransitionError. Expiry is judged at the event's
 * time (`event.at`); `now` only refuses events dated in the future. Rules:
 *   grant             no record, withdrawn, or granted but expired; ≥ 1 scope; expiry after `at`;
 *                     identity checked no later than `at`. After a withdrawal the patient must
 *                     enroll again; after an expiry their enrollment carries over.
 *   change-scopes     granted and not expired; ≥ 1 scope, different from the current ones.
 *   withdraw          granted (expired or not): status withdrawn, no scopes, not enrolled.
 *   renew             granted (expired or not): new expiry after `at`.
 *   reverify-identity granted.
 *   enrolled          granted (a new device may enroll again).
 * Every event must be dated no earlier than the current record's `signedAt`.
 */
export function applyConsentEvent(current: ConsentSnapshot | null, event: ConsentEvent, now: number): ConsentSnapshot {
  const { at } = event;
  if (!isTime(at)) refuse('bad-time', 'The time of this change is not valid.');
  if (current !== null && at < current.signedAt) refuse('time-goes-back', 'This change is dated before the consent on record.');
  if (at > now + CLOCK_SKEW_MS) refuse('in-the-future', 'This change is dated in the future. Check the computer’s clock.');

  switch (event.type) {
    case 'grant': {
      if (current !== null && current.status === 'granted' && !isExpired(current, at)) {
        refuse('already-granted', 'This patient already has a valid consent. Change the choices or renew it instead.');
      }
      const scopes = normaliseScopes(event.scopes);
      if (event.expiresAt !== null && (!isTime(event.expiresAt) || event.expiresAt <= at)) refuse('bad-expiry', 'The end date must be after the date of signing.');
      if (!isTime(event.identityVerifiedAt) || event.identityVerifiedAt > at) refuse('bad-identity', 'Identity must be checked before the patient signs.');
      return next(current, {
        status: 'granted',
        scopes,
        signedAt: at,
        expiresAt: event.expiresAt,
        identityVerifiedAt: event.identityVerifiedAt,
        enrolled: current !== null && current.status === 'granted' && current.enrolled,
      });
    }
    case 'change-scopes': {
      const granted = requireGranted(current);
      if (isExpired(granted, at)) refuse('expired', 'This consent has expired. Renew it, or record a new consent, before changing the choices.');
      const scopes = normaliseScopes(event.scopes);
      if (scopes.length === granted.scopes.length && scopes.every((s, i) => s === granted.scopes[i])) refuse('no-change', 'These are already the patient’s choices.');
      return next(granted, { ...granted, scopes, signedAt: at });
    }
    case 'withdraw': {
      const granted = requireGranted(current);
      return next(granted, { ...granted, status: 'withdrawn', scopes: [], signedAt: at, enrolled: false });
    }
    case 'renew': {
      const granted = requireGranted(current);
      if (!isTime(event.expiresAt) || event.expiresAt <= at) refuse('bad-expiry', 'The new end date must be after today.');
      return next(granted, { ...granted, expiresAt: event.expiresAt, signedAt: at });
    }
    case 'reverify-identity': {
      const granted = requireGranted(current);
      return next(granted, { ...granted, identityVerifiedAt: at, signedAt: at });
    }
    case 'enrolled': {
      const granted = requireGranted(current);
      return next(granted, { ...granted, enrolled: true, signedAt: at });
    }
    default: {
      const unknown: never = event;
      return refuse('unknown-event', `Unknown consent event ${JSON.stringify((unknown as { type?: unknown }).type)}.`);
    }
  }
}

/**
 * The consent register's status for a patient at `now`:
 *   'none'               no consent on record.
 *   'withdrawn'          the patient withdrew consent (and has not consented again).
 *   'expired'            granted, but `now` ≥ `expiresAt`: nothing may be sent until renewed.
 *   'pending-enrollment' granted and current, but the patient has not redeemed their code yet.
 *   'active'             granted, current, enrolled, and 'clinical' is among the scopes.
 *   'partial'            granted, current, enrolled, but without 'clinical': only reminders,
 *                        newsletters and/or attachments; no clinical messaging.
 */
export function registerStatus(snapshot: ConsentSnapshot | null, now: number): ConsentRegisterStatus {
  if (snapshot === null) return 'none';
  if (snapshot.status === 'withdrawn') return 'withdrawn';
  if (isExpired(snapshot, now)) return 'expired';
  if (!snapshot.enrolled) return 'pending-enrollment';
  return snapshot.scopes.includes('clinical') ? 'active' : 'partial';
}

/** Whether to ask the patient to renew: granted, with an expiry within `noticeDays` of `now` or past. */
export function renewalDue(snapshot: ConsentSnapshot | null, now: number, noticeDays = 30): boolean {
  if (snapshot === null || snapshot.status !== 'granted' || snapshot.expiresAt === null) return false;
  return snapshot.expiresAt - now <= noticeDays * DAY_MS;
}

/** Whether the patient's identity was last checked `maxAgeDays` or more ago (granted consent only). */
export function identityReverificationDue(snapshot: ConsentSnapshot | null, now: number, maxAgeDays = 365): boolean {
  if (snapshot === null || snapshot.status !== 'granted') return false;
  return now - snapshot.identityVerifiedAt >= maxAgeDays * DAY_MS;
}

/**
 * What goes into the signed consent status document (documents.ts, `ConsentStatus`). A
 * withdrawn consent lists no scope. An expired one keeps its scopes and its past `expiresAt`:
 * the document itself says they stopped (`consentAllows` checks the expiry), so other clients
 * can tell "expired, to renew" from "withdrawn".
 */
export function toConsentStatus(snapshot: ConsentSnapshot | null, _now: number): { activeScopes: ConsentScope[]; expiresAt: number | null } {
  if (snapshot === null) return { activeScopes: [], expiresAt: null };
  if (snapshot.status === 'withdrawn') return { activeScopes: [], expiresAt: snapshot.expiresAt };
  return { activeScopes: [...snapshot.scopes], expiresAt: snapshot.expiresAt };
}
