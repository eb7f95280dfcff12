// Runs in main (Node): building consent records. A record is a pure function of what the
// front desk entered, the state machine's next snapshot and who recorded it; the service
// signs, stores and publishes what these return.
import { type ConsentDocument } from '../../shared/consent/types';
import { type ConsentRecordDocument } from '../../shared/consent/record';
import { type ConsentEvent, type ConsentSnapshot } from '../../shared/consent/state';
import { type ConsentScope, consentScopes } from '../../shared/protocol/documents';
import { type ConsentRecordInput } from '../../shared/consent/ipc';
import { type StoredConsentRecord } from './consent-store';
import { newConsentId } from './consent-publication';

const DAY = 86_400_000;

/** The same day of the month, `months` later (clamped to the month's last day). */
export function addMonths(at: number, months: number): number {
  const date = new Date(at);
  const day = date.getUTCDate();
  date.setUTCDate(1);
  date.setUTCMonth(date.getUTCMonth() + months);
  const last = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 0)).getUTCDate();
  date.setUTCDate(Math.min(day, last));
  return date.getTime();
}

/** Rebuilds the state machine's snapshot from stored records (oldest first). */
export function snapshotOf(records: readonly StoredConsentRecord[], enrolled: boolean): ConsentSnapshot | null {
  const latest = records.at(-1)?.record;
  if (!latest) return null;
  const identityVerifiedAt = [...records].reverse().find((r) => r.record.identity)?.record.identity.verifiedAt ?? latest.recordedAt;
  return {
    version: latest.version,
    scopes: latest.scopes,
    status: latest.status,
    signedAt: latest.recordedAt,
    expiresAt: latest.expiresAt,
    identityVerifiedAt,
    enrolled,
  };
}

export type RecordedBy = ConsentRecordDocument['recordedBy'];

/** A grant: what the patient read (text and hash), chose and signed, witnessed by `recordedBy`. */
export function grantRecord(args: {
  patientId: string;
  input: ConsentRecordInput;
  next: ConsentSnapshot;
  granted: readonly ConsentScope[];
  document: ConsentDocument;
  textHash: string;
  recordedBy: RecordedBy;
  at: number;
  supersedes: string | null;
}): ConsentRecordDocument {
  const { input, next, granted, document, at } = args;
  return {
    v: 1,
    recordId: newConsentId('r'),
    patientId: args.patientId,
    version: next.version,
    event: 'grant',
    status: 'granted',
    scopes: [...next.scopes],
    declined: consentScopes.filter((scope) => !granted.includes(scope)),
    excludedTopics: input.excludedTopics,
    expiresAt: next.expiresAt,
    identity: { method: input.identityMethod, note: input.identityNote, verifiedAt: at },
    language: input.language,
    textVersion: document.version,
    textHash: args.textHash,
    acknowledged: document.sections.map((x) => x.id),
    signature: input.signature,
    decisionMaker: input.decisionMaker,
    recordedBy: args.recordedBy,
    recordedAt: at,
    reason: '',
    supersedes: args.supersedes,
  };
}

export type FollowUpInput = {
  event: 'change-scopes' | 'withdraw' | 'renew' | 'reverify-identity';
  scopes?: readonly ConsentScope[];
  expiresAt?: number;
  reason: string;
  identityMethod?: ConsentRecordDocument['identity']['method'];
  identityNote?: string;
};

/** The state machine's event for a follow-up (a renewal without a date lasts a year). */
export function followUpEvent(input: FollowUpInput, at: number): ConsentEvent {
  switch (input.event) {
    case 'change-scopes':
      return { type: 'change-scopes', at, scopes: input.scopes ?? [] };
    case 'withdraw':
      return { type: 'withdraw', at };
    case 'renew':
      return { type: 'renew', at, expiresAt: input.expiresAt ?? at + 365 * DAY };
    case 'reverify-identity':
      return { type: 'reverify-identity', at };
  }
}

/** A follow-up record: same text and identity as the latest, new event and scopes. */
export function followUpRecord(latest: ConsentRecordDocument, next: ConsentSnapshot, input: FollowUpInput, recordedBy: RecordedBy, at: number): ConsentRecordDocument {
  return {
    ...latest,
    recordId: newConsentId('r'),
    version: next.version,
    event: input.event,
    status: next.status,
    scopes: [...next.scopes],
    declined: consentScopes.filter((s) => !next.scopes.includes(s)),
    expiresAt: next.expiresAt,
    identity:
      input.event === 'reverify-identity'
        ? { method: input.identityMethod ?? latest.identity.method, note: input.identityNote ?? '', verifiedAt: at }
        : latest.identity,
    signature: null,
    decisionMaker: latest.decisionMaker,
    recordedBy,
    recordedAt: at,
    reason: input.reason,
    supersedes: latest.recordId,
  };
}
