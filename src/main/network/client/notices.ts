// Reminders and newsletters (ADR 18): written by the front desk or an IT admin, each sealed to
// one patient's devices and to the records key (so the clinic's record holds it), never to
// this device: a front desk computer never holds the records key, and what it sends it can
// write but not read back from the relay. This device refuses a patient whose consent in
// force lacks the scope, or who has no device; the relay refuses again on its own. A
// newsletter is sent in batches, each row sealed once and kept sealed before it leaves, so a
// run that stops (offline, app killed) resumes where it was without sending anyone a copy twice.
import { type ConsentScope, consentAllows } from '../../../shared/protocol/documents';
import { MAX_BODY_CHARS, bodyProblem, isFinalRefusal, sealMessage } from '../../../shared/protocol/delivery';
import { type Envelope } from '../../../shared/protocol/envelope';
import { type CampaignCounts, type CampaignKind } from '../notice-state';
import { RelayError, type RelayConnection } from '../relay-connection';
import { fail } from './client-error';
import { type ClientContext } from './context';
import { type Directory } from './directory-view';
import { randomId } from './identity';

/** Why a patient is left out or a send was refused, as the result screen counts them. */
export type RefusalReason = 'no-scope' | 'no-device' | 'no-consent' | 'wrong-patient' | 'invalid' | 'forbidden' | 'not-found' | 'stale-records-key' | 'refused';

export type CampaignProgress = CampaignCounts & { readonly campaignId: string; readonly kind: CampaignKind; readonly finished: boolean };

const SCOPE: Record<CampaignKind, ConsentScope> = { reminder: 'reminders', newsletter: 'newsletters' };
const SEAL_BATCH = 200;
/** Requests in flight at once on the one connection. */
const WINDOW = 16;

export class Notices {
  constructor(private readonly ctx: ClientContext) {}

  private checkSender(): void {
    const id = this.ctx.identity.current();
    if (id.status !== 'active') fail('pending-approval', 'This device is waiting for an IT admin’s approval.');
    if (id.role !== 'front-desk' && id.role !== 'it-admin') fail('not-allowed', 'Reminders and newsletters are sent by the front desk or an IT admin.');
  }

  private checkBody(body: string): void {
    const problem = bodyProblem(body);
    if (problem === 'empty') fail('empty', 'Write something before sending.');
    if (problem === 'too-long') fail('too-long', `A message holds at most ${MAX_BODY_CHARS} characters.`);
  }

  /** Why this patient cannot get a notice of this kind now, or null. */
  private refusal(directory: Directory, patientId: string, kind: CampaignKind): RefusalReason | null {
    if (!consentAllows(directory.consents.get(patientId) ?? null, SCOPE[kind], this.ctx.now())) return 'no-scope';
    return this.ctx.directory.patientsWithDevices(directory).has(patientId) ? null : 'no-device';
  }

  /** Makes a reminder for one patient and sends it; refused here when the patient has not agreed to reminders. */
  async sendReminder(patientId: string, body: string): Promise<CampaignProgress> {
    this.checkSender();
    this.checkBody(body);
    const directory = await this.ctx.directory.verified(true);
    const refusal = this.refusal(directory, patientId, 'reminder');
    if (refusal === 'no-scope') fail('no-consent', 'This patient has not agreed to appointment reminders, or has withdrawn or let that consent expire.');
    if (refusal === 'no-device') fail('unknown-patient', 'This patient has not connected the app yet, so a reminder could not reach them.');
    const campaignId = this.create('reminder', body, [patientId]);
    return this.run(campaignId);
  }

  /**
   * Makes a newsletter for every patient with a consent on record: those who agreed to
   * newsletters are queued, the others counted as refused (no-scope) at once. Nothing is sent yet.
   */
  async createNewsletter(body: string): Promise<CampaignProgress> {
    this.checkSender();
    this.checkBody(body);
    const directory = await this.ctx.directory.verified(true);
    const campaignId = this.create('newsletter', body, [...directory.consents.keys()]);
    const now = this.ctx.now();
    for (const patientId of directory.consents.keys()) {
      const refusal = this.refusal(directory, patientId, 'newsletter');
      if (refusal) this.ctx.store.notices.refused(campaignId, patientId, refusal, now);
    }
    return this.progress(campaignId);
  }

  private create(kind: CampaignKind, body: string, patientIds: readonly string[]): string {
    const campaignId = randomId(this.ctx.sodium, kind === 'reminder' ? 'r' : 'n');
    const recipients = patientIds.map((patientId) => ({ patientId, messageId: randomId(this.ctx.sodium, 'm') }));
    this.ctx.store.notices.create({ campaignId, kind, body, createdAt: this.ctx.now() }, recipients, this.ctx.now());
    return campaignId;
  }

  progress(campaignId: string): CampaignProgress {
    const campaign = this.ctx.store.notices.campaign(campaignId) ?? fail('not-allowed', 'This send is not known on this computer.');
    return { campaignId, kind: campaign.kind, finished: campaign.finishedAt !== null, ...this.ctx.store.notices.counts(campaignId) };
  }

  /**
   * Sends what is still queued of a campaign: seals a batch (kept before anything leaves),
   * then sends it with a few requests in flight; checks each patient's consent again first.
   * Stops at the first transient failure (the rest stays queued for `run` again).
   */
  async run(campaignId: string, onProgress?: (progress: CampaignProgress) => void): Promise<CampaignProgress> {
    this.checkSender();
    const { store } = this.ctx;
    const campaign = store.notices.campaign(campaignId) ?? fail('not-allowed', 'This send is not known on this computer.');
    const id = this.ctx.identity.current();
    const signing = this.ctx.identity.keys().signing.privateKey;
    let directory = await this.ctx.directory.verified(true);
    const connection = await this.ctx.session.relay();
    for (;;) {
      const batch = store.notices.pending(campaignId, SEAL_BATCH);
      if (batch.length === 0) break;
      const toSeal: { patientId: string; envelopeJson: string }[] = [];
      const ready: { patientId: string; envelope: Envelope }[] = [];
      for (const row of batch) {
        if (row.state === 'sealed' && row.envelopeJson) {
          ready.push({ patientId: row.patientId, envelope: JSON.parse(row.envelopeJson) as Envelope });
          continue;
        }
        const refusal = this.refusal(directory, row.patientId, campaign.kind);
        if (refusal) {
          store.notices.refused(campaignId, row.patientId, refusal, this.ctx.now());
          continue;
        }
        const sealed = sealMessage(this.ctx.sodium, directory, { messageId: row.messageId, patientId: row.patientId, senderDeviceId: id.deviceId, scope: SCOPE[campaign.kind], body: campaign.body, sentAt: this.ctx.now() }, signing);
        if (!sealed) return fail('untrusted', 'The clinic has no records key yet.');
        toSeal.push({ patientId: row.patientId, envelopeJson: JSON.stringify(sealed.envelope) });
        ready.push({ patientId: row.patientId, envelope: sealed.envelope });
      }
      // Sealed envelopes are kept before any leaves: a crash from here on sends the same bytes again.
      store.notices.sealed(campaignId, toSeal, this.ctx.now());
      const stale = await this.sendAll(connection, campaignId, ready);
      if (stale) directory = await this.ctx.directory.verified(true);
      onProgress?.(this.progress(campaignId));
    }
    store.notices.finish(campaignId, this.ctx.now());
    const done = this.progress(campaignId);
    onProgress?.(done);
    return done;
  }

  /** Sends sealed rows, WINDOW at a time; returns whether the records key changed (rows requeued). */
  private async sendAll(connection: RelayConnection, campaignId: string, ready: readonly { patientId: string; envelope: Envelope }[]): Promise<boolean> {
    const { store } = this.ctx;
    let stale = false;
    let transient: unknown = null;
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < ready.length && transient === null) {
        const item = ready[next++] as { patientId: string; envelope: Envelope };
        try {
          await connection.request('notice.send', { envelope: item.envelope });
          store.notices.sent(campaignId, item.patientId, this.ctx.now());
        } catch (error) {
          const code = error instanceof RelayError ? error.code : 'internal';
          if (code === 'stale-records-key') {
            stale = true;
            store.notices.requeue(campaignId, item.patientId, this.ctx.now());
          } else if (isFinalRefusal(code, 'message')) {
            store.notices.refused(campaignId, item.patientId, code, this.ctx.now());
          } else {
            transient = error;
          }
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(WINDOW, ready.length) }, worker));
    if (transient !== null) throw transient;
    return stale;
  }
}
