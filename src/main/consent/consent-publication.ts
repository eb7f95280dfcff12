// Runs in main (Node): sending consent decisions to the clinic's relay. A record is stored
// before it is sent, so a relay out of reach loses nothing: what could not be published is
// retried, oldest first, and the patient's card (names, date of birth) follows each record.
import { randomBytes } from 'node:crypto';

import { type ConsentRecordDocument } from '../../shared/consent/record';
import { type Logger } from '../log';
import { type ProfileRepository } from '../storage/repository';
import { type ClinicService, clinicError } from '../clinic/clinic-service';
import { type ConsentStore } from './consent-store';

const DAY = 86_400_000;
/** How long a printed enrollment code stays valid. */
const CODE_VALIDITY_MS = 30 * DAY;

export const newConsentId = (prefix: string): string => `${prefix}${randomBytes(12).toString('base64url')}`;

/** What the consent service's parts share: the open stores, this member, the clock. */
export type ConsentContext = {
  open(): { store: ConsentStore; repository: ProfileRepository };
  me(): { client: ReturnType<ClinicService['client']>; summary: NonNullable<ReturnType<ReturnType<ClinicService['client']>['summary']>>; name: string };
  readonly log: Logger;
  readonly now: () => number;
};

export function createConsentPublisher(context: ConsentContext) {
  const { open, me, log, now } = context;

  /** Sends a record's consent status to the relay; a grant without a code gets one (a new one with `newCode`). */
  async function publish(record: ConsentRecordDocument, options: { readonly newCode?: boolean } = {}): Promise<void> {
    const { store: s } = open();
    const { client } = me();
    try {
      if (record.event === 'grant' && record.status === 'granted' && (options.newCode === true || !s.codeForRecord(record.recordId))) {
        // The date of birth as recorded here seals the short code; the relay never sees either.
        const birthDate = s.patient(record.patientId)?.dateOfBirth ?? null;
        // A code replaced by a new one stops working first: a lost receipt opens nothing.
        const previous = s.codeForRecord(record.recordId);
        if (previous) await client.endEnrollment(record.patientId, previous.code);
        const enrollment = await client.enrollPatient({ patientId: record.patientId, scopes: record.scopes, consentExpiresAt: record.expiresAt, validForMs: CODE_VALIDITY_MS, birthDate });
        s.addCodeFor(record, { id: newConsentId('e'), code: enrollment.code, shortCode: enrollment.shortCode, fingerprint: enrollment.fingerprint, expiresAt: enrollment.expiresAt, createdAt: now() });
      } else {
        await client.publishConsent(record.patientId, record.scopes, record.status === 'withdrawn' ? null : record.expiresAt);
      }
      s.markPublished(record.recordId, now());
    } catch (error) {
      log.warn('consent.publish-failed', { kind: error instanceof Error ? error.name : 'unknown' });
      throw clinicError(error);
    }
    await publishCard(record.patientId).catch(() => undefined);
  }

  /**
   * Shares the patient's names with the clinic's clinicians (a card sealed to the records
   * key), once per patient and again after a change; retried with the publications.
   */
  async function publishCard(patientId: string): Promise<void> {
    const { store: s } = open();
    const { client } = me();
    const patient = s.patient(patientId);
    if (!patient) return;
    const card = { givenName: patient.givenName, familyName: patient.familyName, dateOfBirth: patient.dateOfBirth, decisionMaker: patient.decisionMaker };
    const marker = `card-published:${patientId}`;
    if (client.local.get<string>(marker) === JSON.stringify(card)) return;
    try {
      await client.publishCard(patientId, card);
      client.local.put(marker, JSON.stringify(card));
    } catch (error) {
      log.warn('consent.card-publish-failed', { kind: error instanceof Error ? error.name : 'unknown' });
      throw clinicError(error);
    }
  }

  /** Retries what could not be sent, oldest first; stops at the first failure to keep the order. */
  async function retryPublications(): Promise<number> {
    const { store: s } = open();
    let sent = 0;
    for (const { record } of s.unpublished()) {
      try {
        await publish(record);
        sent += 1;
      } catch {
        return sent;
      }
    }
    // Cards not shared yet (a relay that was out of reach, or records from before cards).
    for (const patient of s.allPatients()) {
      if ((s.latest(patient.id)?.publishedAt ?? null) === null) continue;
      try {
        await publishCard(patient.id);
      } catch {
        break;
      }
    }
    return sent;
  }

  return { publish, retryPublications };
}
