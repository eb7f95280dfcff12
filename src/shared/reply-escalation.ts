// Runs anywhere: where a conversation waiting for an answer stands against the clinic's
// promise. The rules set a warning margin (business hours before the reply is due): inside
// it, the conversation is "due soon"; past the due instant, "overdue". Time the clinic is
// closed does not count, so a message written on Friday night is not "due soon" on Sunday.
import { addBusinessTime, replyDueAt } from './clinic-hours';
import { type ClinicRules } from './protocol/clinic-rules';

export type ReplyStage = 'on-time' | 'due-soon' | 'overdue';

const HOUR = 3_600_000;

export type ReplyDeadlines = {
  /** When the warning margin starts (due-soon from then on); null without opening hours. */
  readonly warnAt: number | null;
  /** When the reply is due (overdue after it); null without opening hours. */
  readonly dueAt: number | null;
};

type Rules = Pick<ClinicRules, 'businessHours' | 'holidays' | 'timeZone' | 'responseTimeBusinessHours' | 'replyWarningBusinessHours'>;

/** The two instants for a message waiting since `waitingSince`. */
export function replyDeadlines(waitingSince: number, rules: Rules): ReplyDeadlines {
  const dueAt = replyDueAt(waitingSince, rules);
  const lead = Math.max(0, rules.responseTimeBusinessHours - rules.replyWarningBusinessHours);
  return { warnAt: dueAt === null ? null : addBusinessTime(waitingSince, lead * HOUR, rules), dueAt };
}

/** The stage at `now`: overdue once past the due instant, due soon from the warning instant. */
export function replyStage(deadlines: ReplyDeadlines, now: number): ReplyStage {
  if (deadlines.dueAt !== null && now > deadlines.dueAt) return 'overdue';
  if (deadlines.warnAt !== null && now >= deadlines.warnAt) return 'due-soon';
  return 'on-time';
}
