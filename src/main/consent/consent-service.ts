// Runs in main (Node): consent capture at the front desk. Patients and signed consent records
// live in the front desk's encrypted profile database; the consent status (active scopes and
// expiry) goes to the clinic's relay, signed by this device, so a withdrawal stops staff
// messages everywhere at once. Each record is stored before anything is sent, so nothing a
// patient signed is lost when the relay is out of reach: publication is retried.
import { writeFileSync } from 'node:fs';

import { buildConsentDocument } from '../../shared/consent/template';
import { type ConsentDocument, type ConsentLanguage, type ConsentSectionId } from '../../shared/consent/types';
import { CONSENT_RECORD_PREFIX, type ConsentRecordDocument, consentRecordSchema } from '../../shared/consent/record';
import { type ConsentSnapshot, ConsentTransitionError, applyConsentEvent, registerStatus, renewalDue } from '../../shared/consent/state';
import { canonicalBytes } from '../../shared/protocol/canonical';
import { type ConsentScope, consentScopes } from '../../shared/protocol/documents';
import { type ClinicRules, missingClinicDetails } from '../../shared/protocol/clinic-rules';
import { toBase64 } from '../../shared/protocol/encoding';
import { type ConsentRecordInput, type ConsentRegisterRow, type PatientInput, type ReceiptView, isFutureDate } from '../../shared/consent/ipc';
import { loadSodium } from '../crypto/sodium';
import { type Logger } from '../log';
import { type Session } from '../profiles/session';
import { AppError } from '../router/app-error';
import { createProfileRepository, type ProfileRepository } from '../storage/repository';
import { type ClinicService, clinicError } from '../clinic/clinic-service';
import { type ConsentStore, type PatientRow, createConsentStore } from './consent-store';
import { renderConsentReceiptPdf } from './receipt-pdf';
import { createConsentPublisher, newConsentId } from './consent-publication';
import { type FollowUpInput, addMonths, followUpEvent, followUpRecord, grantRecord, snapshotOf } from './consent-records';

export type ReceiptDialogs = {
  /** Asks where to save a receipt; null when cancelled. */
  chooseReceiptDestination(suggestedName: string): Promise<string | null>;
};

export type ConsentServiceOptions = {
  readonly session: Session;
  readonly clinic: ClinicService;
  readonly log: Logger;
  readonly dialogs: ReceiptDialogs;
  readonly now?: () => number;
  /** Told after each event is appended to this computer's audit trail (to send it on). */
  readonly audited?: () => void;
};

export function createConsentService(options: ConsentServiceOptions) {
  const { session, clinic, log } = options;
  const now = options.now ?? Date.now;
  let store: ConsentStore | null = null;
  let repository: ProfileRepository | null = null;

  session.onProfile(async (profile) => {
    store = null;
    repository = null;
    if (!profile) return;
    store = createConsentStore(profile.db);
    repository = await createProfileRepository(profile.db);
  });

  const open = (): { store: ConsentStore; repository: ProfileRepository } => {
    if (!store || !repository) throw new AppError('locked', 'Unlock your account first.');
    return { store, repository };
  };

  /** The rules and policy version this device last verified; the template is built from them. */
  async function rulesAndVersion(): Promise<{ rules: ClinicRules; policyVersion: number }> {
    let directory;
    try {
      directory = await clinic.client().verifiedDirectory();
    } catch (error) {
      throw clinicError(error);
    }
    if (!directory.rules || !directory.policy) throw new AppError('clinic-refused', 'The clinic has not published its rules yet.');
    return { rules: directory.rules, policyVersion: directory.policy.version };
  }

  async function documentFor(language: ConsentLanguage): Promise<{ document: ConsentDocument; textHash: string; rules: ClinicRules }> {
    const { rules, policyVersion } = await rulesAndVersion();
    // Never a consent text with a blank where the patient's phone or emergency advice belongs.
    const missing = missingClinicDetails(rules);
    if (missing.length > 0) {
      throw new AppError(
        'clinic-incomplete',
        'No consent can be recorded until the clinic’s phone, emergency number, emergency department and opening hours are set. The clinic’s IT administrator sets them under Clinic rules.',
        { details: missing.join(',') },
      );
    }
    const document = buildConsentDocument(rules, {
      language,
      policyVersion,
      templateVersion: rules.consentText.templateVersion,
      edits: rules.consentText.edits[language] as Partial<Record<ConsentSectionId, string>>,
    });
    const sodium = await loadSodium();
    return { document, textHash: toBase64(sodium.crypto_generichash(32, new TextEncoder().encode(document.text), null)), rules };
  }

  function me() {
    const c = clinic.client();
    const summary = c.summary();
    if (!summary || summary.pending) throw new AppError('forbidden', 'This account is not a member of a clinic yet.');
    const profile = session.current();
    return { client: c, summary, name: profile?.summary.displayName ?? 'Front desk' };
  }

  async function audit(action: string, patientId: string | null, details: Record<string, string | number | boolean | null | string[]>): Promise<void> {
    const { summary } = me();
    open().repository.appendAuditEvent({
      at: now(),
      actorId: summary.staffId as string,
      deviceId: summary.deviceId,
      action,
      subjectType: 'patient',
      subjectId: patientId,
      details,
    });
    options.audited?.();
  }

  const { publish, retryPublications } = createConsentPublisher({ open, me, log, now });

  /** Signs and stores a record; then tries to publish it (and to issue a code for a grant). */
  async function commit(record: ConsentRecordDocument): Promise<ConsentRecordDocument> {
    const { store: s } = open();
    const { client, summary, name } = me();
    const parsed = consentRecordSchema.parse(record);
    const { signature, signingKey, boxKey } = client.signAsDevice(CONSENT_RECORD_PREFIX, parsed);
    s.ensureOwnDevice({
      deviceId: summary.deviceId,
      staffId: summary.staffId as string,
      displayName: name,
      role: summary.role ?? 'front-desk',
      signingKey,
      boxKey,
      certificateJson: client.ownCertificateJson() ?? '{}',
      now: now(),
    });
    s.addRecord(parsed, signature, null);
    await audit(`consent.${parsed.event}`, parsed.patientId, {
      version: parsed.version,
      status: parsed.status,
      scopes: [...parsed.scopes],
      textVersion: parsed.textVersion,
      recordId: parsed.recordId,
    });
    log.info('consent.recorded', { event: parsed.event });
    await publish(parsed).catch(() => undefined);
    return parsed;
  }

  /**
   * A patient who withdrew from their own device gets a withdrawal record here too, so the
   * register and the record say the same as the relay. Their signed request is what counts.
   */
  async function recordPatientWithdrawals(): Promise<number> {
    const { store: s } = open();
    let withdrawals;
    try {
      withdrawals = (await clinic.client().verifiedDirectory()).withdrawals;
    } catch {
      return 0;
    }
    let recorded = 0;
    for (const [patientId, withdrawal] of withdrawals) {
      const latest = s.latest(patientId)?.record;
      if (!latest || latest.status !== 'granted' || withdrawal.requestedAt < latest.recordedAt) continue;
      await followUp(patientId, { event: 'withdraw', reason: 'Withdrawn by the patient from their own device.' });
      recorded += 1;
    }
    return recorded;
  }

  /** The patient portal: served by the clinic's server, at its address. */
  function portalUrl(): string | null {
    const relayUrl = clinic.client().summary()?.relayUrl;
    if (!relayUrl) return null;
    const url = new URL(relayUrl);
    if (url.protocol === 'ws:' || url.protocol === 'wss:') url.protocol = url.protocol === 'ws:' ? 'http:' : 'https:';
    return `${url.origin}/`;
  }

  function enrolled(patientId: string): boolean {
    try {
      return clinic.client().patientEnrolled(patientId);
    } catch {
      return false;
    }
  }

  let reminderDays = 30;
  function rowFor(patient: PatientRow, s: ConsentStore): ConsentRegisterRow {
    const history = s.history(patient.id);
    const snapshot = snapshotOf(history, enrolled(patient.id));
    const latest = history.at(-1);
    return {
      patient: { id: patient.id, givenName: patient.givenName, familyName: patient.familyName, dateOfBirth: patient.dateOfBirth },
      status: registerStatus(snapshot, now()),
      scopes: snapshot?.scopes ? [...snapshot.scopes] : [],
      expiresAt: snapshot?.expiresAt ?? null,
      renewalDue: renewalDue(snapshot, now(), reminderDays),
      lastRecordAt: latest?.record.recordedAt ?? null,
      unpublished: history.some((r) => r.publishedAt === null),
      recordCount: history.length,
    };
  }

  function transition(patientId: string, event: Parameters<typeof applyConsentEvent>[1]): ConsentSnapshot {
    const { store: s } = open();
    const current = snapshotOf(s.history(patientId), enrolled(patientId));
    try {
      return applyConsentEvent(current, event, now());
    } catch (error) {
      if (error instanceof ConsentTransitionError) throw new AppError('invalid-request', error.message, { consent: error.code });
      throw error;
    }
  }

  function latestOrFail(patientId: string): ConsentRecordDocument {
    const latest = open().store.latest(patientId)?.record;
    if (!latest) throw new AppError('not-found', 'This patient has no consent on record.');
    return latest;
  }

  /** A follow-up record: same text and identity as the latest, new event and scopes. */
  async function followUp(patientId: string, input: FollowUpInput) {
    const latest = latestOrFail(patientId);
    const at = now();
    const next = transition(patientId, followUpEvent(input, at));
    const { summary, name } = me();
    return commit(followUpRecord(latest, next, input, { staffId: summary.staffId as string, deviceId: summary.deviceId, name }, at));
  }

  return {
    async template(language: ConsentLanguage): Promise<{ document: NonNullable<ReceiptView['document']>; textHash: string }> {
      const { document, textHash } = await documentFor(language);
      return { document: document as NonNullable<ReceiptView['document']>, textHash };
    },

    async registerPatient(input: PatientInput): Promise<{ id: string; givenName: string; familyName: string; dateOfBirth: string }> {
      const { store: s } = open();
      me();
      if (isFutureDate(input.dateOfBirth, now())) throw new AppError('bad-request', 'The date of birth is in the future.', { dateOfBirth: 'date-range' });
      const row: PatientRow = {
        id: newConsentId('p'),
        givenName: input.givenName,
        familyName: input.familyName,
        dateOfBirth: input.dateOfBirth,
        contact: { ...(input.phone ? { phone: input.phone } : {}), ...(input.email ? { email: input.email } : {}) },
        decisionMaker: input.decisionMaker ?? null,
        createdAt: now(),
      };
      s.insertPatient(row);
      await audit('patient.registered', row.id, { hasDecisionMaker: row.decisionMaker !== null });
      return { id: row.id, givenName: row.givenName, familyName: row.familyName, dateOfBirth: row.dateOfBirth };
    },

    async findPatients(query: string): Promise<ConsentRegisterRow[]> {
      const { store: s } = open();
      return s.findPatients(query).map((p) => rowFor(p, s));
    },

    async register(filter: { query: string; status: ConsentRegisterRow['status'] | 'all' }): Promise<{ rows: ConsentRegisterRow[]; retried: number }> {
      const { store: s } = open();
      const retried = await retryPublications().catch(() => 0);
      await clinic
        .client()
        .verifiedDirectory(true)
        .catch(() => undefined);
      await recordPatientWithdrawals();
      reminderDays = (await rulesAndVersion().catch(() => null))?.rules.consentRenewal.reminderDays ?? reminderDays;
      const rows = (filter.query.trim() ? s.findPatients(filter.query, 500) : s.allPatients()).map((p) => rowFor(p, s));
      return { rows: filter.status === 'all' ? rows : rows.filter((r) => r.status === filter.status), retried };
    },

    async history(patientId: string) {
      const { store: s } = open();
      const patient = s.patient(patientId);
      if (!patient) throw new AppError('not-found', 'There is no such patient.');
      return { row: rowFor(patient, s), records: s.history(patientId).map((r) => ({ record: r.record, published: r.publishedAt !== null })) };
    },

    /** The whole front-desk flow's result: a signed grant, a code, a receipt. */
    async record(input: ConsentRecordInput): Promise<ReceiptView> {
      const { store: s } = open();
      const patient = s.patient(input.patientId);
      if (!patient) throw new AppError('not-found', 'There is no such patient.');
      const { document, textHash, rules } = await documentFor(input.language);
      if (input.textVersion !== document.version || input.textHash !== textHash) {
        throw new AppError('invalid-request', 'The clinic’s rules changed while you were going through them. Start again with the current text.', { textVersion: 'changed' });
      }
      const missing = document.sections.map((x) => x.id).filter((id) => !input.acknowledged.includes(id));
      if (missing.length > 0) throw new AppError('invalid-request', 'Every section must be read and acknowledged.', { acknowledged: missing.join(',') });
      const granted = consentScopes.filter((scope) => input.choices.some((c) => c.scope === scope && c.granted));
      // An opt-in the clinic's rules do not offer would promise the patient something nobody acts on.
      if (granted.includes('attachments') && !rules.security.patientAttachments) {
        throw new AppError('invalid-request', 'This clinic does not accept photos or files from patients, so that choice cannot be recorded. The IT administrator can change this under Clinic rules.', { choices: 'attachments' });
      }
      const at = now();
      // The clinic's rule decides how long a consent lasts; the text the patient read says so.
      const months = rules.consentRenewal.validityMonths;
      const expiresAt = months > 0 ? addMonths(at, months) : null;
      const next = transition(patient.id, { type: 'grant', at, scopes: granted, expiresAt, identityVerifiedAt: at });
      const { summary, name } = me();
      const record = grantRecord({
        patientId: patient.id,
        input,
        next,
        granted,
        document,
        textHash,
        recordedBy: { staffId: summary.staffId as string, deviceId: summary.deviceId, name },
        at,
        supersedes: s.latest(patient.id)?.record.recordId ?? null,
      });
      s.saveText(textHash, document.version, JSON.stringify(document), at);
      await commit(record);
      return this.receipt(record.recordId);
    },

    /** Issues (again) the enrollment code of the latest grant, e.g. after the relay was unreachable. */
    async issueCode(patientId: string): Promise<ReceiptView> {
      const latest = latestOrFail(patientId);
      if (latest.status !== 'granted') throw new AppError('no-consent', 'This patient’s consent was withdrawn; record a new consent first.');
      const grant = [...open().store.history(patientId)].reverse().find((r) => r.record.event === 'grant')?.record;
      if (!grant) throw new AppError('not-found', 'This patient has no consent on record.');
      await publish(grant);
      return this.receipt(grant.recordId);
    },

    /**
     * A new enrollment code for the consent in force: the patient lost the receipt, or the
     * short code was refused after too many wrong tries (ADR 15). The receipt then shows it.
     */
    async newCode(patientId: string): Promise<ReceiptView> {
      const latest = latestOrFail(patientId);
      if (latest.status !== 'granted') throw new AppError('no-consent', 'This patient has no consent in force; record or renew the consent first.');
      if (latest.expiresAt !== null && latest.expiresAt <= now()) throw new AppError('no-consent', 'This patient’s consent has expired; renew it first.');
      const grant = [...open().store.history(patientId)].reverse().find((r) => r.record.event === 'grant')?.record;
      if (!grant) throw new AppError('not-found', 'This patient has no consent on record.');
      await publish(grant, { newCode: true });
      await audit('consent.code-reissued', patientId, { recordId: grant.recordId });
      return this.receipt(grant.recordId);
    },

    async receipt(recordId: string): Promise<ReceiptView> {
      const { store: s } = open();
      const stored = s.record(recordId);
      if (!stored) throw new AppError('not-found', 'There is no such consent record.');
      const patient = s.patient(stored.record.patientId);
      if (!patient) throw new AppError('not-found', 'There is no such patient.');
      const { document, textHash, rules } = await documentFor(stored.record.language);
      const code = s.codeForRecord(recordId);
      // The exact text the patient agreed to, kept by its hash; rebuilt from today's rules only if it still matches.
      const keptJson = s.text(stored.record.textHash);
      const agreed = keptJson ? (JSON.parse(keptJson) as ConsentDocument) : document.version === stored.record.textVersion && textHash === stored.record.textHash ? document : null;
      return {
        record: stored.record,
        published: stored.publishedAt !== null,
        patient: { id: patient.id, givenName: patient.givenName, familyName: patient.familyName, dateOfBirth: patient.dateOfBirth },
        clinic: { name: rules.clinicName, phone: rules.phone, timeZone: rules.timeZone },
        fingerprint: clinic.client().fingerprint,
        // The text is rebuilt from the rules; if they changed since, the record's own version and hash stay authoritative.
        document: agreed as ReceiptView['document'],
        enrollment: code ? { code: code.code, shortCode: code.shortCode, expiresAt: code.expiresAt, portalUrl: portalUrl() } : null,
      };
    },

    async receiptPdf(recordId: string): Promise<{ fileName: string; bytes: number }> {
      const view = await this.receipt(recordId);
      if (!view.document) throw new AppError('invalid-request', 'The clinic’s rules changed since this consent; its text can no longer be printed from this computer.');
      if (!view.enrollment) throw new AppError('clinic-offline', 'The enrollment code was not issued yet; issue it first, then print.');
      const pdf = await renderConsentReceiptPdf({
        language: view.record.language,
        clinic: { name: view.clinic.name, phone: view.clinic.phone, fingerprint: view.fingerprint },
        patient: { displayName: `${view.patient.givenName} ${view.patient.familyName}`, dateOfBirth: view.patient.dateOfBirth },
        decisionMaker: view.record.decisionMaker,
        document: view.document as ConsentDocument,
        textHash: view.record.textHash,
        recordId: view.record.recordId,
        choices: consentScopes.map((scope) => ({ scope, granted: view.record.scopes.includes(scope) })),
        excludedTopics: view.record.excludedTopics,
        identityMethod: view.record.identity.method,
        signedAt: view.record.recordedAt,
        timeZone: view.clinic.timeZone,
        signature: view.record.signature ?? { kind: 'typed', name: `${view.patient.givenName} ${view.patient.familyName}` },
        witness: view.record.recordedBy.name,
        enrollment: { code: view.enrollment.code, shortCode: view.enrollment.shortCode, expiresAt: view.enrollment.expiresAt, portalUrl: view.enrollment.portalUrl },
      });
      const suggested = `consent-receipt-${view.record.recordedAt}.pdf`;
      const path = await options.dialogs.chooseReceiptDestination(suggested);
      if (!path) throw new AppError('cancelled', 'Nothing was saved.');
      writeFileSync(path, pdf, { mode: 0o600 });
      await audit('consent.receipt-saved', view.record.patientId, { recordId });
      return { fileName: path.split(/[\\/]/).pop() ?? suggested, bytes: pdf.length };
    },

    withdraw: (patientId: string, reason: string) => followUp(patientId, { event: 'withdraw', reason }),
    changeScopes: (patientId: string, scopes: readonly ConsentScope[], reason: string) => followUp(patientId, { event: 'change-scopes', scopes, reason }),
    renew: (patientId: string, expiresAt: number) => followUp(patientId, { event: 'renew', expiresAt, reason: '' }),
    reverifyIdentity: (patientId: string, method: ConsentRecordDocument['identity']['method'], note: string) =>
      followUp(patientId, { event: 'reverify-identity', identityMethod: method, identityNote: note, reason: '' }),
    retryPublications,
    /** Appends an event to this computer's audit trail, as the signed-in staff member (never message content). */
    audit: (action: string, patientId: string | null, details: Record<string, string | number | boolean | null>) => audit(action, patientId, details),
    /** This computer's events after `afterSeq`, oldest first, with their stored hashes (sent on to the clinic's trail). */
    auditEventsAfter: (afterSeq: number, limit: number) => open().repository.auditEventsAfter(afterSeq, limit),
    /** This computer's audit trail, newest first, and whether its hash chain is intact. */
    auditTrail(options: { limit: number; beforeSeq?: number | undefined; subjectId?: string | undefined }) {
      const { repository: r } = open();
      return {
        events: r.listAuditEvents({ limit: options.limit, ...(options.beforeSeq !== undefined ? { beforeSeq: options.beforeSeq } : {}), ...(options.subjectId !== undefined ? { subjectId: options.subjectId } : {}) }),
        chain: r.verifyAuditChain(),
      };
    },
    /** Exposed for tests: the canonical bytes a record's signature covers. */
    signedBytes: (record: ConsentRecordDocument) => canonicalBytes(record),
  };
}

export type ConsentService = ReturnType<typeof createConsentService>;
