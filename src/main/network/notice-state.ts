// Runs in main (Node): reminders and newsletters this device sends (ADR 18), in the same
// device store file. A send is a campaign (one patient for a reminder, every patient for a
// newsletter) with one row per patient: queued, then sealed (the envelope kept with the row,
// in the same transaction), then sent or refused with the reason. A row is sealed once, with
// a message id fixed when the campaign was made: after a crash the same envelope goes again,
// and the relay knows it (same id, same bytes), so no patient ever gets it twice.
import { type EncryptedDatabase } from '../storage/open-encrypted';

export const NOTICE_STATE_SCHEMA = `
CREATE TABLE IF NOT EXISTS campaigns (
  campaign_id TEXT PRIMARY KEY NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('reminder', 'newsletter')),
  body TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  finished_at INTEGER
) STRICT, WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS campaign_sends (
  campaign_id TEXT NOT NULL,
  patient_id TEXT NOT NULL,
  message_id TEXT NOT NULL UNIQUE,
  state TEXT NOT NULL CHECK (state IN ('queued', 'sealed', 'sent', 'refused')),
  envelope_json TEXT CHECK (envelope_json IS NULL OR json_valid(envelope_json)),
  reason TEXT,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (campaign_id, patient_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS campaign_sends_by_state ON campaign_sends (campaign_id, state);
`;

export type CampaignKind = 'reminder' | 'newsletter';
export type SendState = 'queued' | 'sealed' | 'sent' | 'refused';

export type Campaign = {
  readonly campaignId: string;
  readonly kind: CampaignKind;
  readonly body: string;
  readonly createdAt: number;
  readonly finishedAt: number | null;
};

export type CampaignCounts = {
  readonly total: number;
  readonly sent: number;
  /** Still to go: queued or sealed. */
  readonly queued: number;
  readonly refused: number;
  /** Refused, by reason. */
  readonly reasons: Readonly<Record<string, number>>;
};

export type PendingSend = { readonly patientId: string; readonly messageId: string; readonly state: 'queued' | 'sealed'; readonly envelopeJson: string | null };

export type NoticeState = {
  /** Makes a campaign with one queued row per patient (message ids given), in one transaction. */
  create(campaign: Omit<Campaign, 'finishedAt'>, recipients: readonly { patientId: string; messageId: string }[], now: number): void;
  campaign(campaignId: string): Campaign | null;
  /** The newest campaigns first. */
  campaigns(kind: CampaignKind, limit?: number): Campaign[];
  /** Rows still to send, oldest patient id first. */
  pending(campaignId: string, limit: number): PendingSend[];
  /** Keeps the sealed envelopes of several rows, in one transaction. */
  sealed(campaignId: string, rows: readonly { patientId: string; envelopeJson: string }[], now: number): void;
  sent(campaignId: string, patientId: string, now: number): void;
  refused(campaignId: string, patientId: string, reason: string, now: number): void;
  /** Back to queued (the records key changed before the relay took it): sealed again next time. */
  requeue(campaignId: string, patientId: string, now: number): void;
  finish(campaignId: string, now: number): void;
  counts(campaignId: string): CampaignCounts;
};

type CampaignRow = { campaign_id: string; kind: CampaignKind; body: string; created_at: number; finished_at: number | null };
const toCampaign = (r: CampaignRow): Campaign => ({ campaignId: r.campaign_id, kind: r.kind, body: r.body, createdAt: r.created_at, finishedAt: r.finished_at });

export function noticeStateOn(db: EncryptedDatabase): NoticeState {
  const insertCampaign = db.prepare('INSERT INTO campaigns (campaign_id, kind, body, created_at) VALUES (?, ?, ?, ?)');
  const insertSend = db.prepare("INSERT INTO campaign_sends (campaign_id, patient_id, message_id, state, updated_at) VALUES (?, ?, ?, 'queued', ?)");
  const seal = db.prepare("UPDATE campaign_sends SET state = 'sealed', envelope_json = ?, updated_at = ? WHERE campaign_id = ? AND patient_id = ? AND state = 'queued'");
  const setState = db.prepare('UPDATE campaign_sends SET state = ?, reason = ?, envelope_json = NULL, updated_at = ? WHERE campaign_id = ? AND patient_id = ?');
  return {
    create(campaign, recipients, now) {
      db.transaction(() => {
        insertCampaign.run(campaign.campaignId, campaign.kind, campaign.body, campaign.createdAt);
        for (const r of recipients) insertSend.run(campaign.campaignId, r.patientId, r.messageId, now);
      }).immediate();
    },
    campaign(campaignId) {
      const row = db.prepare<[string], CampaignRow>('SELECT * FROM campaigns WHERE campaign_id = ?').get(campaignId);
      return row ? toCampaign(row) : null;
    },
    campaigns(kind, limit = 20) {
      return db.prepare<[string, number], CampaignRow>('SELECT * FROM campaigns WHERE kind = ? ORDER BY created_at DESC, campaign_id DESC LIMIT ?').all(kind, limit).map(toCampaign);
    },
    pending(campaignId, limit) {
      return db
        .prepare<[string, number], { patient_id: string; message_id: string; state: 'queued' | 'sealed'; envelope_json: string | null }>(
          "SELECT patient_id, message_id, state, envelope_json FROM campaign_sends WHERE campaign_id = ? AND state IN ('queued', 'sealed') ORDER BY patient_id LIMIT ?",
        )
        .all(campaignId, limit)
        .map((r) => ({ patientId: r.patient_id, messageId: r.message_id, state: r.state, envelopeJson: r.envelope_json }));
    },
    sealed(campaignId, rows, now) {
      db.transaction(() => {
        for (const r of rows) seal.run(r.envelopeJson, now, campaignId, r.patientId);
      }).immediate();
    },
    sent(campaignId, patientId, now) {
      setState.run('sent', null, now, campaignId, patientId);
    },
    refused(campaignId, patientId, reason, now) {
      setState.run('refused', reason, now, campaignId, patientId);
    },
    requeue(campaignId, patientId, now) {
      setState.run('queued', null, now, campaignId, patientId);
    },
    finish(campaignId, now) {
      db.prepare('UPDATE campaigns SET finished_at = ? WHERE campaign_id = ? AND finished_at IS NULL').run(now, campaignId);
    },
    counts(campaignId) {
      const rows = db.prepare<[string], { state: SendState; reason: string | null; n: number }>('SELECT state, reason, count(*) AS n FROM campaign_sends WHERE campaign_id = ? GROUP BY state, reason').all(campaignId);
      let total = 0;
      let sent = 0;
      let queued = 0;
      let refused = 0;
      const reasons: Record<string, number> = {};
      for (const r of rows) {
        total += r.n;
        if (r.state === 'sent') sent += r.n;
        else if (r.state === 'refused') {
          refused += r.n;
          const reason = r.reason ?? 'refused';
          reasons[reason] = (reasons[reason] ?? 0) + r.n;
        } else queued += r.n;
      }
      return { total, sent, queued, refused, reasons };
    },
  };
}
