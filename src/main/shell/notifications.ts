// Runs in main (Node), though it imports nothing: desktop notifications for new patient
// messages. What a notification may reveal is the clinic policy's `notificationPreview`:
// by default nothing about who wrote or what, since a screen can be seen by anyone passing.
// Electron's Notification class is injected, so this file is tested without Electron.
import type { Language } from '../../shared/i18n/languages';

/** `message`: a new patient message; `urgent`: one showing a sign of an emergency; `due-soon` / `overdue`: a reply time running out. */
export type NoticeKind = 'message' | 'urgent' | 'due-soon' | 'overdue';
export type IncomingNotice = { readonly kind: NoticeKind; readonly patientId: string; readonly patientName: string | null; readonly body: string };
export type NoticePreview = 'nothing' | 'sender' | 'sender-and-text';

const appName = 'Clinic Messenger';
const maxTextLength = 100;
const maxNameLength = 60;
/** At most one notification per this many ms; notices in between are counted into the next one. */
export const coalesceMs = 3000;

type Texts = {
  readonly newMessages: (count: number) => string;
  /** The headline of the other kinds of notice, by count. */
  readonly headline: Record<Exclude<NoticeKind, 'message'>, (count: number) => string>;
  readonly about: (headline: string, sender: string) => string;
  readonly from: (newMessages: string, sender: string) => string;
  readonly aPatient: string;
  readonly patients: (count: number) => string;
  readonly labelled: (name: string, text: string) => string;
  readonly noText: string;
};

const texts: Record<Language, Texts> = {
  en: {
    newMessages: (count) => (count === 1 ? 'New message' : `New messages (${count})`),
    headline: {
      urgent: (count) => (count === 1 ? 'Urgent message' : `Urgent messages (${count})`),
      'due-soon': (count) => (count === 1 ? 'A reply is due soon' : `Replies due soon (${count})`),
      overdue: (count) => (count === 1 ? 'A reply is overdue' : `Replies overdue (${count})`),
    },
    about: (headline, sender) => `${headline}: ${sender}`,
    from: (newMessages, sender) => `${newMessages} from ${sender}`,
    aPatient: 'a patient',
    patients: (count) => `${count} patients`,
    labelled: (name, text) => `${name}: ${text}`,
    noText: '(no text)',
  },
  fr: {
    newMessages: (count) => (count === 1 ? 'Nouveau message' : `Nouveaux messages (${count})`),
    headline: {
      urgent: (count) => (count === 1 ? 'Message urgent' : `Messages urgents (${count})`),
      'due-soon': (count) => (count === 1 ? 'Une réponse est bientôt due' : `Réponses bientôt dues (${count})`),
      overdue: (count) => (count === 1 ? 'Une réponse est en retard' : `Réponses en retard (${count})`),
    },
    about: (headline, sender) => `${headline} : ${sender}`,
    // "de" elides before a vowel: « d'un patient », « d'Émilie ».
    from: (newMessages, sender) => `${newMessages} ${/^[aeiouyàâäéèêëîïôöùûüÿæœ]/iu.test(sender) ? "d'" : 'de '}${sender}`,
    aPatient: 'un patient',
    patients: (count) => `${count} patients`,
    labelled: (name, text) => `${name} : ${text}`,
    noText: '(sans texte)',
  },
};

/** One line, no control characters, at most `max` characters including the ellipsis. */
function oneLine(text: string, max: number): string {
  const chars = Array.from(text.replace(/[\s\p{Cc}]+/gu, ' ').trim());
  return chars.length <= max ? chars.join('') : `${chars.slice(0, max - 1).join('').trimEnd()}…`;
}

function nameOf(notice: IncomingNotice): string | null {
  const name = notice.patientName === null ? '' : oneLine(notice.patientName, maxNameLength);
  return name === '' ? null : name;
}

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * The title and body of one notification for these notices (oldest first). `nothing` says
 * only that messages arrived and how many; `sender` adds who, never what; `sender-and-text`
 * adds the newest message's text, cut at 100 characters.
 */
export function noticeText(notices: readonly IncomingNotice[], preview: NoticePreview, language: Language): { title: string; body: string } {
  const t = texts[language];
  // Notices of one kind at a time (the inbox sends them so); the first one's kind names them.
  const kind = notices[0]?.kind ?? 'message';
  const newMessages = kind === 'message' ? t.newMessages(notices.length) : t.headline[kind](notices.length);
  if (preview === 'nothing') return { title: appName, body: newMessages };

  const conversations = new Set(notices.map((n) => n.patientId)).size;
  const latest = notices.at(-1);
  const latestName = latest ? nameOf(latest) : null;
  const sender = conversations === 1 ? (latestName ?? t.aPatient) : t.patients(conversations);
  const who = kind === 'message' || kind === 'urgent' ? t.from(newMessages, sender) : t.about(newMessages, sender);
  // A reply time running out has no text of its own to show.
  if (preview === 'sender' || !latest || kind === 'due-soon' || kind === 'overdue') return { title: appName, body: who };

  const text = oneLine(latest.body, maxTextLength) || t.noText;
  return { title: who, body: conversations === 1 ? text : t.labelled(latestName ?? capitalized(t.aPatient), text) };
}

type NotificationLike = { show(): void; on(event: 'click', listener: () => void): unknown };
export type NotifierDeps = {
  readonly Notification: { new (options: { title: string; body: string; silent?: boolean }): NotificationLike; isSupported(): boolean };
  /** The patient whose conversation to open, or null for the inbox (several conversations). */
  readonly onClick: (patientId: string | null) => void;
  readonly now?: () => number;
};
export type NotifyOptions = { readonly preview: NoticePreview; readonly language: Language; readonly windowFocused: boolean };
export type MessageNotifier = {
  /** Shows one notification for these notices, unless it should stay quiet; returns whether it showed one. */
  notify(notices: readonly IncomingNotice[], options: NotifyOptions): boolean;
};

/**
 * A notifier that stays quiet while the app window has focus (the inbox shows the message)
 * and coalesces bursts: within `coalesceMs` of a notification, notices are held and counted
 * into the next one. No timers: held notices wait for the next call.
 */
export function createMessageNotifier(deps: NotifierDeps): MessageNotifier {
  const now = deps.now ?? Date.now;
  let lastShownAt: number | null = null;
  let held: IncomingNotice[] = [];
  // Holds the latest notification so it, and its click listener, is not garbage-collected while on screen.
  const retained: { notification?: NotificationLike } = {};

  return {
    notify(notices, options) {
      if (notices.length === 0) return false;
      // An emergency or a reply time running out is shown at once, even over the open window.
      const pressing = notices.some((n) => n.kind !== 'message');
      if (options.windowFocused && !pressing) {
        // Whatever was held is on screen now.
        held = [];
        return false;
      }
      if (!deps.Notification.isSupported()) return false;
      const at = now();
      if (!pressing && lastShownAt !== null && at >= lastShownAt && at - lastShownAt < coalesceMs) {
        held.push(...notices);
        return false;
      }
      const all = pressing ? [...notices] : [...held, ...notices];
      if (!pressing) held = [];
      lastShownAt = at;
      const { title, body } = noticeText(all, options.preview, options.language);
      const patients = new Set(all.map((n) => n.patientId));
      const target = patients.size === 1 ? (all[0]?.patientId ?? null) : null;
      const notification = new deps.Notification({ title, body });
      notification.on('click', () => deps.onClick(target));
      notification.show();
      retained.notification = notification;
      return true;
    },
  };
}

/** What a security notice is about: today, the patient portal the relay serves changed (ADR 16). */
export type SecurityNoticeKind = 'portal-changed';

export type SecurityNotifierDeps = Pick<NotifierDeps, 'Notification' | 'now'> & {
  /** Brings the app's window forward. */
  readonly onClick: () => void;
  /** The title and body, in the user's language. */
  readonly text: (kind: SecurityNoticeKind) => { readonly title: string; readonly body: string };
};

/** At most one security notice of a kind per this many ms: a finding is not repeated every check. */
export const securityNoticeGapMs = 10 * 60_000;

/**
 * Notices about the clinic's security, shown even over the open window: they name no
 * patient and no file (the app shows which), only that IT must look now.
 */
export function createSecurityNotifier(deps: SecurityNotifierDeps) {
  const now = deps.now ?? Date.now;
  const lastShown = new Map<SecurityNoticeKind, number>();
  const retained: { notification?: NotificationLike } = {};
  return {
    notify(kind: SecurityNoticeKind): boolean {
      if (!deps.Notification.isSupported()) return false;
      const at = now();
      const last = lastShown.get(kind);
      if (last !== undefined && at >= last && at - last < securityNoticeGapMs) return false;
      lastShown.set(kind, at);
      const { title, body } = deps.text(kind);
      const notification = new deps.Notification({ title: oneLine(title, 120), body: oneLine(body, 200) });
      notification.on('click', () => deps.onClick());
      notification.show();
      retained.notification = notification;
      return true;
    },
  };
}
