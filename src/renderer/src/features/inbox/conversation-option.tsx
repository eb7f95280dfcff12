// Runs in the renderer: one row of the inbox's conversation list, and what the list says when
// it is empty.
import { type CSSProperties } from 'react';
import { useTranslation } from 'react-i18next';
import type { ConversationRow, InboxFilter, InboxWhose } from '../../../../shared/inbox';
import type { ClinicRules } from '../../../../shared/protocol/clinic-rules';
import { Button } from '../../components/button';
import { EmptyState } from '../../components/empty-state';
import { ConsentChip, ReplyClockChip, useClockText } from './chips';
import { patientLabel, shortTime } from './format';
import { OwnerChip } from './team';

/** The DOM id of a conversation's row (the list's aria-activedescendant points at it). */
export const rowDomId = (patientId: string) => `inbox-row-${patientId}`;

export function ListEmpty({ total, query, filter, whose = 'everyone', onShowAll }: Readonly<{ total: number; query: string; filter: InboxFilter; whose?: InboxWhose; onShowAll: () => void }>) {
  const { t } = useTranslation();
  if (total === 0) return <EmptyState title={t('inbox.empty.title')} body={t('inbox.empty.body')} />;
  const action = <Button onClick={onShowAll}>{t('inbox.showAll')}</Button>;
  if (query) return <EmptyState title={t('inbox.noMatch.title', { query })} body={t('inbox.noMatch.body')} action={action} />;
  if (whose === 'mine' && filter === 'all') return <EmptyState title={t('inbox.noneMine.title')} body={t('inbox.noneMine.body')} action={action} />;
  if (whose === 'unassigned' && filter === 'all') return <EmptyState title={t('inbox.noneUnassigned.title')} body={t('inbox.noneUnassigned.body')} action={action} />;
  if (filter === 'needs-answer') return <EmptyState title={t('inbox.noneNeedAnswer.title')} body={t('inbox.noneNeedAnswer.body')} action={action} />;
  return <EmptyState title={t('inbox.noneUnread.title')} body={t('inbox.noneUnread.body')} action={action} />;
}

export type OptionProps = Readonly<{
  row: ConversationRow;
  index: number;
  count: number;
  style: CSSProperties;
  now: number;
  rules: ClinicRules | null;
  active: boolean;
  open: boolean;
  onOpen: () => void;
}>;

export function ConversationOption({ row, index, count, style, now, rules, active, open, onOpen }: OptionProps) {
  const { t, i18n } = useTranslation();
  const clockText = useClockText();
  const clock = clockText(row, now, rules);
  const name = patientLabel(row, (key, values) => t(key, { ...values }));
  const classes = ['inbox-row', active ? 'inbox-row--active' : '', open ? 'inbox-row--open' : '', row.unread > 0 ? 'inbox-row--unread' : '', row.urgent ? 'inbox-row--urgent' : ''].filter(Boolean).join(' ');
  return (
    <div
      id={rowDomId(row.patientId)}
      role="option"
      aria-selected={open}
      aria-setsize={count}
      aria-posinset={index + 1}
      className={classes}
      style={style}
      data-patient-id={row.patientId}
      onClick={onOpen}
    >
      <div className="inbox-row__top">
        <span className={row.name ? 'inbox-row__name' : 'inbox-row__name inbox-row__name--unnamed'}>{name}</span>
        {row.unread > 0 ? (
          <span className="inbox-row__badge">
            <span aria-hidden="true">{row.unread}</span>
            <span className="visually-hidden">{t('inbox.row.unread', { count: String(row.unread) })}</span>
          </span>
        ) : null}
        {row.lastMessageAt !== null ? <span className="inbox-row__time">{shortTime(row.lastMessageAt, now, i18n.language)}</span> : null}
      </div>
      <p className="inbox-row__preview">
        {row.lastMessageAt === null ? (
          <span className="muted">{t('inbox.row.noMessages')}</span>
        ) : (
          <>
            {row.lastFromPatient ? null : <span className="inbox-row__from">{t('inbox.row.fromClinic')}</span>}
            {row.preview}
          </>
        )}
      </p>
      <div className="inbox-row__chips">
        {row.urgent ? <span className="chip chip--urgent">{t('inbox.row.urgent')}</span> : null}
        {clock ? <ReplyClockChip text={clock.text} tone={clock.chip.tone} /> : null}
        <OwnerChip row={row} />
        <ConsentChip consent={row.consent} />
        {row.hasDraft ? <span className="chip chip--draft">{t('inbox.row.draft')}</span> : null}
        {!row.enrolled ? <span className="chip chip--muted">{t('inbox.row.notConnected')}</span> : null}
      </div>
    </div>
  );
}
