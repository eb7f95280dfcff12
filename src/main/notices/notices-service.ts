// Runs in main (Node): reminders and newsletters for the front desk and IT admins (ADR 18),
// on this profile's ClinicClient. A newsletter runs in the background once started, tells its
// progress as `task:progress`, and resumes (by hand, or at the next unlock) from what is still
// queued: each row was sealed once and kept, so resuming never sends a patient a copy twice.
import { preview } from '../inbox/inbox-state';
import { type ClinicService, clinicError } from '../clinic/clinic-service';
import { type Logger } from '../log';
import { type ClinicClient } from '../network/clinic-client';
import { type CampaignProgress } from '../network/client/notices';
import { AppError } from '../router/app-error';
import { type CampaignResult, type NewsletterAudience } from '../../shared/notices';
import { consentAllows } from '../../shared/protocol/documents';
import { type TaskProgress } from '../../shared/profiles';

export type NoticesServiceOptions = {
  readonly clinic: ClinicService;
  readonly log: Logger;
  readonly emitProgress: (progress: TaskProgress) => void;
  /** Appends to this computer's audit trail (never the text sent). */
  readonly audit?: (action: string, patientId: string | null, details: Record<string, string | number | boolean | null>) => Promise<void> | void;
  readonly now?: () => number;
};

export function createNoticesService(options: NoticesServiceOptions) {
  const { clinic, log } = options;
  const now = options.now ?? Date.now;
  /** The newsletter this computer is sending now, by campaign id. */
  const running = new Map<string, Promise<CampaignProgress>>();

  const client = (): ClinicClient => clinic.client();

  const result = (c: ClinicClient, p: CampaignProgress): CampaignResult => {
    const campaign = c.local.notices.campaign(p.campaignId);
    return {
      campaignId: p.campaignId,
      kind: p.kind,
      preview: preview(campaign?.body ?? ''),
      createdAt: campaign?.createdAt ?? 0,
      finished: p.finished,
      total: p.total,
      sent: p.sent,
      queued: p.queued,
      refused: p.refused,
      reasons: { ...p.reasons },
      running: running.has(p.campaignId),
    };
  };

  const guard =
    <A, R>(work: (a: A) => R | Promise<R>) =>
    async (a: A): Promise<R> => {
      try {
        return await work(a);
      } catch (error) {
        throw clinicError(error);
      }
    };

  async function reminder(request: { patientId: string; body: string }): Promise<CampaignResult> {
    const c = client();
    const done = await c.notices.sendReminder(request.patientId, request.body);
    await options.audit?.('notice.reminder-sent', request.patientId, { sent: done.sent === 1, reason: Object.keys(done.reasons)[0] ?? null });
    log.info('notices.reminder', { sent: done.sent });
    return result(c, done);
  }

  async function audience(): Promise<NewsletterAudience> {
    const c = client();
    const directory = await c.verifiedDirectory(true);
    const withDevice = new Set<string>();
    for (const d of directory.devices.values()) if (d.kind === 'patient' && d.patientId) withDevice.add(d.patientId);
    let reachable = 0;
    let noDevice = 0;
    for (const [patientId, status] of directory.consents) {
      if (!consentAllows(status, 'newsletters', now())) continue;
      if (withDevice.has(patientId)) reachable++;
      else noDevice++;
    }
    return { patients: directory.consents.size, reachable, noDevice };
  }

  /** Runs a campaign in the background (once at a time per campaign), telling its progress. */
  function start(c: ClinicClient, campaignId: string): void {
    if (running.has(campaignId)) return;
    const run = c.notices
      .run(campaignId, (p) => options.emitProgress({ task: 'newsletter', done: p.sent + p.refused, total: p.total }))
      .then(async (p) => {
        await options.audit?.('notice.newsletter-sent', null, { campaignId, sent: p.sent, refused: p.refused, queued: p.queued });
        log.info('notices.newsletter-done', { sent: p.sent, refused: p.refused });
        return p;
      })
      .catch((error: unknown) => {
        // Offline or locked: what is left stays queued; "Resume" (or the next unlock) sends it.
        log.warn('notices.newsletter-paused', { code: error instanceof AppError ? error.code : 'error' });
        return c.notices.progress(campaignId);
      })
      .finally(() => {
        running.delete(campaignId);
        try {
          const p = c.notices.progress(campaignId);
          options.emitProgress({ task: 'newsletter', done: p.sent + p.refused, total: p.total });
        } catch {
          // The profile was locked meanwhile.
        }
      });
    running.set(campaignId, run);
  }

  async function newsletter(request: { body: string }): Promise<CampaignResult> {
    const c = client();
    const created = await c.notices.createNewsletter(request.body);
    start(c, created.campaignId);
    return result(c, created);
  }

  function resume(request: { campaignId: string }): CampaignResult {
    const c = client();
    const p = c.notices.progress(request.campaignId);
    if (p.queued > 0) start(c, request.campaignId);
    return result(c, c.notices.progress(request.campaignId));
  }

  function list(): { campaigns: CampaignResult[] } {
    const c = client();
    return { campaigns: c.local.notices.campaigns('newsletter', 20).map((campaign) => result(c, c.notices.progress(campaign.campaignId))) };
  }

  /** A profile was unlocked: a newsletter left unfinished goes on by itself. */
  function attached(): void {
    let c: ClinicClient;
    try {
      c = client();
    } catch {
      return;
    }
    const role = c.summary()?.role;
    if (role !== 'front-desk' && role !== 'it-admin') return;
    for (const campaign of c.local.notices.campaigns('newsletter', 5)) {
      if (campaign.finishedAt === null && c.notices.progress(campaign.campaignId).queued > 0) start(c, campaign.campaignId);
    }
  }

  return {
    reminder: guard(reminder),
    audience: guard(audience),
    newsletter: guard(newsletter),
    resume: guard(resume),
    list: guard(list),
    attached,
    /** Waits for the newsletters sending now (tests, and before the profile locks). */
    settled: async (): Promise<void> => {
      await Promise.all([...running.values()]);
    },
  };
}

export type NoticesService = ReturnType<typeof createNoticesService>;
