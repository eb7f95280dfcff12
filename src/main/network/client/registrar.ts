// What the front desk (and IT admins) do on the network: enroll a patient with a one-time
// code and their first consent, publish consent changes, and share the patient's card (their
// names) with the care team.
import { utf8Encode } from '../../../shared/protocol/canonical';
import { codeKeys, createCode, formatCode, parseCode } from '../../../shared/protocol/codes';
import { type ConsentScope, type ConsentStatus, PREFIX, consentStatusSchema, enrollmentSchema } from '../../../shared/protocol/documents';
import { toBase64 } from '../../../shared/protocol/encoding';
import { type EnvelopeRecipient, sealEnvelope } from '../../../shared/protocol/envelope';
import { decodeChecked } from '../../../shared/protocol/fields';
import { rootFingerprintBytes } from '../../../shared/protocol/keys';
import { CARD_SCOPE, type PatientCard, cardMessageId } from '../../../shared/protocol/patient-card';
import { type Signed, signDocument } from '../../../shared/protocol/signed';
import { RelayError } from '../relay-connection';
import { fail } from './client-error';
import { type ClientContext, DAY } from './context';
import { sendWithShortCode } from './short-issue';

export class Registrar {
  constructor(private readonly ctx: ClientContext) {}

  private requireRegistrar(what: string): void {
    const id = this.ctx.identity.current();
    if (id.role !== 'front-desk' && id.role !== 'it-admin') fail('not-allowed', `Only front desk and IT admins ${what}.`);
  }

  /**
   * Records a patient's consent and creates their one-time enrollment code, bound to the
   * patient and to this clinic's root.
   */
  async enrollPatient(input: {
    patientId: string;
    scopes: readonly ConsentScope[];
    consentExpiresAt?: number | null;
    validForMs?: number;
    /** The date of birth as recorded (YYYY-MM-DD): with it, a short code is issued too (ADR 15). */
    birthDate?: string | null;
  }): Promise<{ code: string; shortCode: string | null; fingerprint: string; expiresAt: number }> {
    const { sodium } = this.ctx;
    const id = this.ctx.identity.current();
    this.requireRegistrar('enroll patients');
    if (input.scopes.length === 0) fail('no-consent', 'A patient needs at least one consent to be enrolled.');
    const code = createCode(sodium, 'enrollment', rootFingerprintBytes(sodium, this.ctx.identity.root()));
    const issuedAt = this.ctx.now();
    const expiresAt = issuedAt + (input.validForMs ?? 30 * DAY);
    const enrollment = signDocument(
      sodium,
      PREFIX.enrollment,
      enrollmentSchema,
      { v: 1, clinicId: id.clinicId, enrollmentId: code.id, patientId: input.patientId, enrollmentKey: toBase64(codeKeys(sodium, code).publicKey), issuedBy: id.deviceId, issuedAt, expiresAt },
      this.ctx.identity.keys().signing.privateKey,
    );
    const longCode = formatCode(sodium, code);
    const shortCode = await sendWithShortCode(sodium, { kind: 'enrollment', withShort: Boolean(input.birthDate), birthDate: input.birthDate ?? null, targetId: code.id, longCode }, async (short) => {
      await this.withConsentVersion(input.patientId, async (version) => {
        const consent = this.signConsent(input.patientId, input.scopes, input.consentExpiresAt ?? null, version);
        await (await this.ctx.session.relay()).request('enroll.create', { enrollment, consent, ...(short ? { short } : {}) });
        return consent;
      });
    });
    return { code: longCode, shortCode, fingerprint: this.ctx.identity.fingerprint(), expiresAt };
  }

  /** Ends an unused enrollment code of this patient (its long or short form stops working); false when it was used. */
  async endEnrollment(patientId: string, longCode: string): Promise<boolean> {
    this.requireRegistrar('end enrollment codes');
    const { id } = parseCode(this.ctx.sodium, longCode, 'enrollment');
    return (await (await this.ctx.session.relay()).request('enroll.end', { enrollmentId: id, patientId })).ended;
  }

  /** Records a consent change (a scope added or withdrawn, everything withdrawn, a renewal). */
  async publishConsent(patientId: string, scopes: readonly ConsentScope[], expiresAt: number | null = null): Promise<number> {
    this.requireRegistrar('record consent');
    const consent = await this.withConsentVersion(patientId, async (version) => {
      const signed = this.signConsent(patientId, scopes, expiresAt, version);
      await (await this.ctx.session.relay()).request('consent.publish', { consent: signed });
      return signed;
    });
    return consent.document.version;
  }

  /**
   * Publishes the next consent version of a patient: numbered from the directory this device
   * holds (fetching all of it per consent would make a large clinic's front desk slow), and
   * once more from a fresh directory if another registrar published in between (`conflict`).
   * The directory held here then learns the new status without being fetched again.
   */
  private async withConsentVersion(patientId: string, publish: (version: number) => Promise<Signed<ConsentStatus>>): Promise<Signed<ConsentStatus>> {
    let published: Signed<ConsentStatus>;
    try {
      published = await publish(((await this.ctx.directory.verified()).consents.get(patientId)?.version ?? 0) + 1);
    } catch (error) {
      if (!(error instanceof RelayError && error.code === 'conflict')) throw error;
      published = await publish(((await this.ctx.directory.verified(true)).consents.get(patientId)?.version ?? 0) + 1);
    }
    this.ctx.directory.learnConsent(published.document);
    return published;
  }

  private signConsent(patientId: string, scopes: readonly ConsentScope[], expiresAt: number | null, version: number): Signed<ConsentStatus> {
    const id = this.ctx.identity.current();
    return signDocument(
      this.ctx.sodium,
      PREFIX.consentStatus,
      consentStatusSchema,
      { v: 1, clinicId: id.clinicId, patientId, version, activeScopes: [...scopes], expiresAt, issuedBy: id.deviceId, issuedAt: this.ctx.now() },
      this.ctx.identity.keys().signing.privateKey,
    );
  }

  /**
   * Publishes a patient's card (names as registered) sealed to the records key and to every
   * active front desk and IT admin device; the newest card per patient wins everywhere.
   */
  async publishCard(patientId: string, card: Omit<PatientCard, 'v'>): Promise<void> {
    const id = this.ctx.identity.current();
    if (id.kind !== 'staff' || (id.role !== 'front-desk' && id.role !== 'it-admin') || id.status !== 'active') fail('not-allowed', 'Only front desk and IT admin devices publish patient cards.');
    const body = JSON.stringify({ v: 1, ...card } satisfies PatientCard);
    const sentAt = this.ctx.now();
    for (let attempt = 0; ; attempt += 1) {
      const directory = await this.ctx.directory.verified(attempt > 0);
      const epoch = directory.epoch ?? fail('untrusted', 'The clinic has no records key yet.');
      const recipients: EnvelopeRecipient[] = [{ to: `records:${epoch.epoch}`, boxPublicKey: decodeChecked(epoch.publicKey) }];
      for (const d of directory.devices.values()) {
        if (d.kind === 'staff' && (d.role === 'front-desk' || d.role === 'it-admin')) recipients.push({ to: d.deviceId, boxPublicKey: d.boxKey });
      }
      const envelope = sealEnvelope(this.ctx.sodium, {
        messageId: cardMessageId(patientId, sentAt),
        conversationId: patientId,
        patientId,
        senderDeviceId: id.deviceId,
        sentAt,
        scope: CARD_SCOPE,
        recordsEpoch: epoch.epoch,
        body: utf8Encode(body),
        recipients: recipients.slice(0, 64),
        senderSigningKey: this.ctx.identity.keys().signing.privateKey,
      });
      try {
        await (await this.ctx.session.relay()).request('card.publish', { card: envelope });
        this.ctx.store.putCard(patientId, sentAt, body);
        this.ctx.receiver.forgetCards();
        this.ctx.changed();
        return;
      } catch (error) {
        if (error instanceof RelayError && error.code === 'conflict') return; // a newer card is already there
        if (!(error instanceof RelayError && error.code === 'stale-records-key') || attempt > 0) throw error;
      }
    }
  }
}
