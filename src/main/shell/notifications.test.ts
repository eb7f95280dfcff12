import { describe, expect, it, vi } from 'vitest';

import { coalesceMs, createMessageNotifier, createSecurityNotifier, type IncomingNotice, type NoticePreview, noticeText, securityNoticeGapMs } from './notifications';

const languages = ['en', 'fr'] as const;
const name = 'Geneviève Tremblay';
const secret = 'my biopsy results from Tuesday';
const notice = (patientId: string, patientName: string | null = name, body = secret, kind: IncomingNotice['kind'] = 'message'): IncomingNotice => ({ kind, patientId, patientName, body });

const shown = (text: { title: string; body: string }) => `${text.title}\n${text.body}`;

describe('noticeText', () => {
  it('names an urgent message and a reply time running out, and never shows their text', () => {
    expect(noticeText([notice('p1', name, secret, 'urgent')], 'nothing', 'en')).toEqual({ title: 'Clinic Messenger', body: 'Urgent message' });
    expect(noticeText([notice('p1', name, '', 'overdue')], 'sender-and-text', 'en')).toEqual({ title: 'Clinic Messenger', body: 'A reply is overdue: Geneviève Tremblay' });
    expect(noticeText([notice('p1', name, '', 'due-soon'), notice('p2', null, '', 'due-soon')], 'sender', 'fr')).toEqual({ title: 'Clinic Messenger', body: 'Réponses bientôt dues (2) : 2 patients' });
    expect(shown(noticeText([notice('p1', name, secret, 'urgent')], 'sender', 'en'))).not.toContain('biopsy');
  });

  it.each(languages)('by default (nothing) reveals neither who nor what (%s)', (language) => {
    for (const notices of [[notice('p1')], [notice('p1'), notice('p1')], [notice('p1'), notice('p2', 'Marc Roy')]]) {
      const text = shown(noticeText(notices, 'nothing', language));
      expect(text).not.toContain('Geneviève');
      expect(text).not.toContain('Tremblay');
      expect(text).not.toContain('Marc');
      expect(text).not.toContain('biopsy');
      expect(text).not.toContain('p1');
    }
  });

  it('says how many messages arrived, in English and French', () => {
    expect(noticeText([notice('p1')], 'nothing', 'en')).toEqual({ title: 'Clinic Messenger', body: 'New message' });
    expect(noticeText([notice('p1'), notice('p2'), notice('p2')], 'nothing', 'en')).toEqual({ title: 'Clinic Messenger', body: 'New messages (3)' });
    expect(noticeText([notice('p1')], 'nothing', 'fr').body).toBe('Nouveau message');
    expect(noticeText([notice('p1'), notice('p1')], 'nothing', 'fr').body).toBe('Nouveaux messages (2)');
  });

  it.each(languages)('with sender, names the patient but never shows the text (%s)', (language) => {
    const text = shown(noticeText([notice('p1'), notice('p1', name, 'second secret line')], 'sender', language));
    expect(text).toContain(name);
    expect(text).not.toContain('biopsy');
    expect(text).not.toContain('second secret');
  });

  it('with sender, words the sender naturally and counts conversations', () => {
    expect(noticeText([notice('p1')], 'sender', 'en').body).toBe('New message from Geneviève Tremblay');
    expect(noticeText([notice('p1', null)], 'sender', 'en').body).toBe('New message from a patient');
    expect(noticeText([notice('p1', '   ')], 'sender', 'en').body).toBe('New message from a patient');
    expect(noticeText([notice('p1', null)], 'sender', 'fr').body).toBe("Nouveau message d'un patient");
    expect(noticeText([notice('p1', 'Émilie Roy'), notice('p1', 'Émilie Roy')], 'sender', 'fr').body).toBe("Nouveaux messages (2) d'Émilie Roy");
    expect(noticeText([notice('p1', 'Marc Roy')], 'sender', 'fr').body).toBe('Nouveau message de Marc Roy');
    const several = noticeText([notice('p1'), notice('p2', 'Marc Roy'), notice('p3')], 'sender', 'en');
    expect(several.body).toBe('New messages (3) from 3 patients');
    expect(shown(several)).not.toContain('Marc');
  });

  it('with sender-and-text, adds the newest text cut at 100 characters', () => {
    const long = `${'word '.repeat(30)}END`;
    const one = noticeText([notice('p1', name, 'older'), notice('p1', name, long)], 'sender-and-text', 'en');
    expect(one.title).toBe('New messages (2) from Geneviève Tremblay');
    expect(Array.from(one.body)).toHaveLength(100);
    expect(one.body.endsWith('…')).toBe(true);
    expect(one.body).not.toContain('END');
    expect(one.body).not.toContain('older');
    expect(noticeText([notice('p1', name, '  Line one\n\nline two  ')], 'sender-and-text', 'en').body).toBe('Line one line two');
    expect(noticeText([notice('p1', name, 'x'.repeat(100))], 'sender-and-text', 'en').body).toBe('x'.repeat(100));
    // Never cuts an emoji in half.
    expect(noticeText([notice('p1', name, '🙂'.repeat(120))], 'sender-and-text', 'fr').body).toBe(`${'🙂'.repeat(99)}…`);
  });

  it('with sender-and-text and several conversations, says whose the text is', () => {
    const several = noticeText([notice('p1'), notice('p2', null, 'Bonjour')], 'sender-and-text', 'fr');
    expect(several).toEqual({ title: 'Nouveaux messages (2) de 2 patients', body: 'Un patient : Bonjour' });
    expect(noticeText([notice('p2', 'Marc Roy', 'Hi'), notice('p1')], 'sender-and-text', 'en').body).toBe(`${name}: ${secret}`);
  });
});

class FakeNotification {
  static supported = true;
  static readonly created: FakeNotification[] = [];
  static isSupported() {
    return FakeNotification.supported;
  }
  readonly listeners: (() => void)[] = [];
  shown = false;
  constructor(readonly options: { title: string; body: string; silent?: boolean }) {
    FakeNotification.created.push(this);
  }
  show() {
    this.shown = true;
  }
  on(_event: 'click', listener: () => void) {
    this.listeners.push(listener);
    return this;
  }
  click() {
    for (const listener of this.listeners) listener();
  }
}

function setup(preview: NoticePreview = 'nothing') {
  FakeNotification.created.length = 0;
  FakeNotification.supported = true;
  let clock = 1_000_000;
  const onClick = vi.fn();
  const notifier = createMessageNotifier({ Notification: FakeNotification, onClick, now: () => clock });
  const options = { preview, language: 'en' as const, windowFocused: false };
  return {
    notifier,
    onClick,
    options,
    created: FakeNotification.created,
    advance: (ms: number) => {
      clock += ms;
    },
  };
}

describe('createMessageNotifier', () => {
  it('shows a notification with the policy’s text', () => {
    const { notifier, options, created } = setup();
    expect(notifier.notify([notice('p1')], options)).toBe(true);
    expect(created).toHaveLength(1);
    expect(created[0]?.shown).toBe(true);
    expect(created[0]?.options).toMatchObject({ title: 'Clinic Messenger', body: 'New message' });
  });

  it('stays quiet when the window has focus, with nothing to say, or without OS support', () => {
    const { notifier, options, created } = setup();
    expect(notifier.notify([notice('p1')], { ...options, windowFocused: true })).toBe(false);
    expect(notifier.notify([], options)).toBe(false);
    FakeNotification.supported = false;
    expect(notifier.notify([notice('p1')], options)).toBe(false);
    expect(created).toHaveLength(0);
  });

  it('shows an urgent message or a reply time running out at once: over the focused window, never held in a burst', () => {
    const { notifier, options, created } = setup();
    expect(notifier.notify([notice('p1')], options)).toBe(true);
    expect(notifier.notify([notice('p2', name, secret, 'urgent')], { ...options, windowFocused: true })).toBe(true);
    expect(notifier.notify([notice('p3', name, '', 'overdue')], options)).toBe(true);
    expect(created.map((c) => c.options.body)).toEqual(['New message', 'Urgent message', 'A reply is overdue']);
  });

  it('coalesces a burst: one notification per 3 s, the held messages counted into the next', () => {
    const { notifier, options, created, advance } = setup();
    expect(notifier.notify([notice('p1')], options)).toBe(true);
    advance(1000);
    expect(notifier.notify([notice('p1')], options)).toBe(false);
    advance(1000);
    expect(notifier.notify([notice('p2'), notice('p2')], options)).toBe(false);
    advance(coalesceMs - 2001);
    expect(notifier.notify([notice('p3')], options)).toBe(false);
    expect(created).toHaveLength(1);
    advance(1);
    expect(notifier.notify([notice('p3')], options)).toBe(true);
    expect(created).toHaveLength(2);
    expect(created[1]?.options.body).toBe('New messages (5)');
    advance(coalesceMs);
    expect(notifier.notify([notice('p4')], options)).toBe(true);
    expect(created[2]?.options.body).toBe('New message');
  });

  it('forgets held messages once the window has been focused', () => {
    const { notifier, options, created, advance } = setup();
    notifier.notify([notice('p1')], options);
    advance(500);
    notifier.notify([notice('p1'), notice('p1')], options);
    notifier.notify([notice('p2')], { ...options, windowFocused: true });
    advance(coalesceMs);
    expect(notifier.notify([notice('p3')], options)).toBe(true);
    expect(created.at(-1)?.options.body).toBe('New message');
  });

  it('opens the conversation on click when there is exactly one, the inbox otherwise', () => {
    const { notifier, options, created, onClick, advance } = setup('sender');
    notifier.notify([notice('p1'), notice('p1')], options);
    created[0]?.click();
    expect(onClick).toHaveBeenLastCalledWith('p1');
    advance(coalesceMs);
    notifier.notify([notice('p1'), notice('p2')], options);
    created[1]?.click();
    expect(onClick).toHaveBeenLastCalledWith(null);
    // A held notice from another patient makes the next notification cover two conversations.
    advance(coalesceMs);
    notifier.notify([notice('p1')], options);
    advance(10);
    notifier.notify([notice('p2')], options);
    advance(coalesceMs);
    notifier.notify([notice('p1')], options);
    expect(created[3]?.options.body).toBe('New messages (2) from 2 patients');
    created[3]?.click();
    expect(onClick).toHaveBeenLastCalledWith(null);
    expect(onClick).toHaveBeenCalledTimes(3);
  });
});

describe('createSecurityNotifier', () => {
  it('tells that the portal changed, once per finding window, and brings the window forward on click', () => {
    FakeNotification.created.length = 0;
    FakeNotification.supported = true;
    let clock = 5_000_000;
    const onClick = vi.fn();
    const notifier = createSecurityNotifier({
      Notification: FakeNotification,
      onClick,
      now: () => clock,
      text: () => ({ title: 'The patient portal was changed', body: 'Open Clinic Messenger to see which files.' }),
    });
    expect(notifier.notify('portal-changed')).toBe(true);
    expect(notifier.notify('portal-changed')).toBe(false);
    clock += securityNoticeGapMs;
    expect(notifier.notify('portal-changed')).toBe(true);
    expect(FakeNotification.created.map((c) => c.options)).toEqual([
      { title: 'The patient portal was changed', body: 'Open Clinic Messenger to see which files.' },
      { title: 'The patient portal was changed', body: 'Open Clinic Messenger to see which files.' },
    ]);
    FakeNotification.created[0]?.click();
    expect(onClick).toHaveBeenCalledTimes(1);
    FakeNotification.supported = false;
    clock += securityNoticeGapMs;
    expect(notifier.notify('portal-changed')).toBe(false);
  });
});
