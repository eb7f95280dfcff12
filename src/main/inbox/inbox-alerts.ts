// Runs in main (Node): what the clinician's computer tells by notification: new patient
// messages, urgent ones at once, and reply times running out (src/main/inbox/escalation.ts).
// Only a clinician's computer tells; what a notice may show is the policy's preview setting.
import { type PatientCard } from '../../shared/protocol/patient-card';
import { type ClinicService } from '../clinic/clinic-service';
import { type ClientMessage } from '../network/client-store';
import { type ClinicClient } from '../network/clinic-client';
import { type IncomingNotice, type NoticePreview } from '../shell/notifications';
import { type DeadlineCache, type EscalationNotice, createEscalationWatch } from './escalation';

export type InboxAlertsOptions = {
  readonly clinic: ClinicService;
  readonly now: () => number;
  readonly deadlines: DeadlineCache;
  /** The inbox changed (a stage moved: the list shows it). */
  readonly changed: () => void;
  readonly notify?: (notices: readonly IncomingNotice[], preview: NoticePreview) => void;
};

export function createInboxAlerts(options: InboxAlertsOptions) {
  const { clinic } = options;
  /** The clinician's client, or null (locked, or another role: only clinicians are notified). */
  const clinicianClient = (): ClinicClient | null => {
    try {
      const c = clinic.client();
      return c.summary()?.role === 'clinician' ? c : null;
    } catch {
      return null;
    }
  };

  /** Notices worded as the policy allows: no name, no text unless its preview setting says so. */
  function tell(c: ClinicClient, items: readonly { kind: IncomingNotice['kind']; patientId: string; body: string }[]): void {
    if (!options.notify || items.length === 0) return;
    const preview = clinic.security().notificationPreview;
    const cards: ReadonlyMap<string, PatientCard> = preview === 'nothing' ? new Map() : c.patientCards();
    const notices = items.map((item): IncomingNotice => {
      const card = cards.get(item.patientId);
      return { kind: item.kind, patientId: item.patientId, patientName: card ? `${card.givenName} ${card.familyName}` : null, body: preview === 'sender-and-text' ? item.body : '' };
    });
    // An urgent message or a reply time running out is told on its own, never folded into "new messages".
    for (const kind of ['urgent', 'overdue', 'due-soon', 'message'] as const) {
      const ofKind = notices.filter((n) => n.kind === kind);
      if (ofKind.length > 0) options.notify(ofKind, preview);
    }
  }

  /** New patient messages from a sync: a notification, worded as the policy allows. */
  function arrived(messages: readonly ClientMessage[]): void {
    const c = messages.some((m) => m.fromPatient) ? clinicianClient() : null;
    if (!c) return;
    // Told to whoever the conversation is with now (its assignee, or who covers for them), else to everyone present.
    const directory = c.cachedDirectory();
    const fromPatients = messages.filter((m) => m.fromPatient && c.team.shouldTell(m.conversationId, m.urgent, directory));
    tell(c, fromPatients.map((m) => ({ kind: m.urgent ? ('urgent' as const) : ('message' as const), patientId: m.patientId, body: m.body })));
    escalation.check();
  }

  const escalation = createEscalationWatch({
    now: options.now,
    waiting: () => {
      const c = clinicianClient();
      return c ? c.local.inbox.conversations().flatMap((s) => (s.waitingSince === null ? [] : [{ patientId: s.patientId, waitingSince: s.waitingSince }])) : [];
    },
    rules: () => clinicianClient()?.storedRules() ?? null,
    deadlines: options.deadlines,
    load: () => clinicianClient()?.local.get('escalation-warned') ?? null,
    save: (warned) => clinicianClient()?.local.put('escalation-warned', warned),
    notify: (notices: readonly EscalationNotice[]) => {
      const c = clinicianClient();
      if (!c) return;
      options.changed();
      // "Due soon" goes to whoever the conversation is with; "overdue" to every clinician present.
      const directory = c.cachedDirectory();
      const told = notices.filter((n) => c.team.shouldTell(n.patientId, n.stage === 'overdue', directory));
      tell(c, told.map((n) => ({ kind: n.stage, patientId: n.patientId, body: '' })));
    },
  });

  return {
    arrived,
    /** Looks at the reply times now (its own timer also does); returns what it notified. */
    check: (): EscalationNotice[] => escalation.check(),
    stop: (): void => escalation.stop(),
  };
}
