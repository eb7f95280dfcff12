// Runs in main (Node): nobody misses a reply time unwarned. For every conversation waiting
// for an answer, the reply's warning and due instants (clinic hours, src/shared/reply-escalation.ts);
// once one passes, one notification on this computer, remembered in the encrypted device
// store so a restart does not repeat it. A timer wakes at the next instant; the clock is
// injected, so tests move it across nights and weekends.
import { type ClinicRules } from '../../shared/protocol/clinic-rules';
import { type ReplyDeadlines, type ReplyStage, replyDeadlines } from '../../shared/reply-escalation';

/** Deadlines per (policy version, waiting since): the same few values are asked again and again. */
export function createDeadlineCache() {
  const cache = new Map<string, ReplyDeadlines>();
  return {
    of(rules: ClinicRules | null, version: number, waitingSince: number | null): ReplyDeadlines | null {
      if (waitingSince === null || !rules) return null;
      const key = `${version}:${waitingSince}`;
      let found = cache.get(key);
      if (!found) {
        if (cache.size > 50_000) cache.clear();
        found = replyDeadlines(waitingSince, rules);
        cache.set(key, found);
      }
      return found;
    },
    clear: () => cache.clear(),
  };
}
export type DeadlineCache = ReturnType<typeof createDeadlineCache>;

export type EscalationNotice = { readonly patientId: string; readonly stage: Exclude<ReplyStage, 'on-time'> };
/** Per patient: the wait already warned about, and how far. */
type Warned = Record<string, { since: number; stage: EscalationNotice['stage'] }>;

export type EscalationDeps = {
  readonly now: () => number;
  /** The conversations waiting for an answer: patient and the first unanswered message's time. */
  readonly waiting: () => readonly { patientId: string; waitingSince: number }[];
  /** The clinic's verified rules and their version, or null when none are known. */
  readonly rules: () => { rules: ClinicRules; version: number } | null;
  readonly deadlines: DeadlineCache;
  /** What was warned about, kept in the device store. */
  readonly load: () => Warned | null;
  readonly save: (warned: Warned) => void;
  readonly notify: (notices: readonly EscalationNotice[]) => void;
};

const rank = { 'due-soon': 1, overdue: 2 } as const;
/** Timers in Node hold at most about 24.8 days; a longer wait is checked again then. */
const MAX_TIMER_MS = 2_000_000_000;

export function createEscalationWatch(deps: EscalationDeps) {
  let timer: NodeJS.Timeout | null = null;

  function check(): EscalationNotice[] {
    if (timer) clearTimeout(timer);
    timer = null;
    const known = deps.rules();
    if (!known) return [];
    const at = deps.now();
    const before = deps.load() ?? {};
    const warned: Warned = {};
    const notices: EscalationNotice[] = [];
    let next = Number.POSITIVE_INFINITY;
    for (const { patientId, waitingSince } of deps.waiting()) {
      const deadlines = deps.deadlines.of(known.rules, known.version, waitingSince);
      if (!deadlines) continue;
      const previous = before[patientId]?.since === waitingSince ? before[patientId] : undefined;
      let stage: EscalationNotice['stage'] | null = null;
      if (deadlines.dueAt !== null && at > deadlines.dueAt) stage = 'overdue';
      else if (deadlines.warnAt !== null && at >= deadlines.warnAt) stage = 'due-soon';
      if (stage && (!previous || rank[stage] > rank[previous.stage])) notices.push({ patientId, stage });
      const kept = stage ?? previous?.stage;
      if (kept) warned[patientId] = { since: waitingSince, stage: kept };
      for (const instant of [deadlines.warnAt, deadlines.dueAt === null ? null : deadlines.dueAt + 1]) {
        if (instant !== null && instant > at) next = Math.min(next, instant);
      }
    }
    deps.save(warned);
    if (notices.length > 0) deps.notify(notices);
    if (Number.isFinite(next)) {
      timer = setTimeout(() => void check(), Math.min(MAX_TIMER_MS, Math.max(0, next - deps.now())));
      timer.unref();
    }
    return notices;
  }

  return {
    /** Looks now: notifies what newly passed a warning or due instant, and sets the next timer. */
    check,
    stop(): void {
      if (timer) clearTimeout(timer);
      timer = null;
    },
  };
}
