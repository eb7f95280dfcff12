// Runs in the renderer: DOM only, no Node.
// The care team in the inbox (ADR 17): whose conversations the list shows, who a conversation
// is with ("Take it", or assign it to a colleague), "handled another way", the absence with a
// covering colleague, and the team's marks in the thread. Main checks every rule again.
import { type JSX, useEffect, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';

import type { ConversationRow, InboxList, InboxWhose, TeamNote, TeamView } from '../../../../shared/inbox';
import { MAX_NOTE_CHARS } from '../../../../shared/protocol/care-team';
import { Button } from '../../components/button';
import { Dialog } from '../../components/dialog';
import { TextField } from '../../components/text-field';
import { useToast } from '../../components/toast';
import { clinic } from '../../lib/api';
import { errorText } from '../../lib/i18n';
import { shortTime } from './format';

const whoseOptions = ['everyone', 'mine', 'unassigned'] as const satisfies readonly InboxWhose[];
const reasons = ['phoned', 'seen-in-clinic', 'consent-withdrawn', 'other'] as const;
type Reason = (typeof reasons)[number];

/** A YYYY-MM-DD day as the reader says it ("Wednesday, December 9"), without a time-zone shift. */
export function dayLabel(day: string, language: string): string {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(y ?? 1970, (m ?? 1) - 1, d ?? 1).toLocaleDateString(language, { weekday: 'long', month: 'long', day: 'numeric' });
}

/** The day after `day` (YYYY-MM-DD). */
function nextDay(day: string): string {
  const [y, m, d] = day.split('-').map(Number);
  const date = new Date(Date.UTC(y ?? 1970, (m ?? 1) - 1, (d ?? 1) + 1));
  return date.toISOString().slice(0, 10);
}

/** The care team as main sees it, loaded again when the inbox changes. */
export function useTeam(changes: number): TeamView | null {
  const [team, setTeam] = useState<TeamView | null>(null);
  useEffect(() => {
    let live = true;
    void clinic()
      .team.members({})
      .then((result) => {
        if (live && result.ok) setTeam(result.value);
      });
    return () => {
      live = false;
    };
  }, [changes]);
  return team;
}

export function WhoseFilter({ whose, counts, onChange }: Readonly<{ whose: InboxWhose; counts: InboxList['counts'] | null; onChange: (whose: InboxWhose) => void }>): JSX.Element {
  const { t } = useTranslation();
  const label = (id: InboxWhose): string => {
    if (id === 'mine' && counts) return t('inbox.whose.mineCount', { count: String(counts.mine) });
    if (id === 'unassigned' && counts) return t('inbox.whose.unassignedCount', { count: String(counts.unassigned) });
    return t(`inbox.whose.${id}`);
  };
  return (
    <div className="inbox-filters inbox-filters--whose" role="group" aria-label={t('inbox.whose.label')}>
      {whoseOptions.map((id) => (
        <button key={id} type="button" className="inbox-filters__button" aria-pressed={whose === id} onClick={() => onChange(id)}>
          {label(id)}
        </button>
      ))}
    </div>
  );
}

/** The row's chip: yours, with a colleague, or covered for an absent one. */
export function OwnerChip({ row }: Readonly<{ row: ConversationRow }>): JSX.Element | null {
  const { t } = useTranslation();
  if (!row.assignedTo) return null;
  if (row.mine && row.coveredBy) return <span className="chip chip--owner chip--mine">{t('inbox.row.covering', { name: row.assignedTo.name })}</span>;
  if (row.mine) return <span className="chip chip--owner chip--mine">{t('inbox.row.mine')}</span>;
  if (row.coveredBy) return <span className="chip chip--owner">{t('inbox.row.coveredBy', { name: row.coveredBy.name })}</span>;
  return <span className="chip chip--owner">{t('inbox.row.assigned', { name: row.assignedTo.name })}</span>;
}

/** "Away…" in the inbox's tools: the clinician's absence and who covers. */
export function AwayControl({ team }: Readonly<{ team: TeamView | null }>): JSX.Element | null {
  const { t, i18n } = useTranslation();
  const toast = useToast();
  const [open, setOpen] = useState(false);
  const [until, setUntil] = useState('');
  const [covering, setCovering] = useState('');
  const [problem, setProblem] = useState<{ field: 'until' | 'covering'; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const coverId = useId();
  if (!team) return null;
  const me = team.me;
  const colleagues = team.members.filter((m) => m.role === 'clinician' && !m.self);
  const tomorrow = nextDay(team.today);

  const start = () => {
    setUntil(me.away?.until ?? '');
    setCovering(me.away?.covering?.deviceId ?? '');
    setProblem(null);
    setOpen(true);
  };

  const save = async (back: boolean) => {
    if (!back) {
      if (!until) return setProblem({ field: 'until', text: t('inbox.team.dateRequired') });
      if (until <= team.today) return setProblem({ field: 'until', text: t('inbox.team.datePast') });
      if (!covering) return setProblem({ field: 'covering', text: t('inbox.team.coveringRequired') });
    }
    setBusy(true);
    const result = await clinic().team.away(back ? { until: null, covering: null } : { until, covering });
    setBusy(false);
    if (!result.ok) {
      const field = result.error.fields ? (Object.keys(result.error.fields)[0] as 'until' | 'covering' | undefined) : undefined;
      setProblem({ field: field === 'covering' ? 'covering' : 'until', text: errorText(t, result.error) });
      return;
    }
    setOpen(false);
    const away = result.value.me.away;
    toast.show('info', away ? t('inbox.team.awaySaved', { date: dayLabel(away.until, i18n.language), name: away.covering?.name ?? '' }) : t('inbox.team.backSaved'));
  };

  return (
    <div className="inbox-away">
      {me.away ? (
        <p className="inbox-away__status" data-testid="away-status">
          {t('inbox.team.awayNow', { date: dayLabel(me.away.until, i18n.language), name: me.away.covering?.name ?? '' })}
        </p>
      ) : null}
      <Button variant="quiet" onClick={start}>
        {t('inbox.team.awayButton')}
      </Button>
      <Dialog
        open={open}
        title={t('inbox.team.awayTitle')}
        onClose={() => setOpen(false)}
        onSubmit={() => void save(false)}
        footer={
          <>
            {me.away ? (
              <Button variant="quiet" busy={busy} onClick={() => void save(true)}>
                {t('inbox.team.back')}
              </Button>
            ) : null}
            <Button variant="quiet" onClick={() => setOpen(false)}>
              {t('inbox.team.cancel')}
            </Button>
            <Button type="submit" variant="primary" busy={busy} disabled={colleagues.length === 0}>
              {t('inbox.team.saveAway')}
            </Button>
          </>
        }
      >
        <p>{t('inbox.team.awayIntro')}</p>
        <TextField
          label={t('inbox.team.returnDay')}
          hint={t('inbox.team.returnHint')}
          type="date"
          min={tomorrow}
          value={until}
          error={problem?.field === 'until' ? problem.text : null}
          onChange={(e) => {
            setUntil(e.target.value);
            if (problem?.field === 'until') setProblem(null);
          }}
        />
        {colleagues.length === 0 ? (
          <p className="field__error">{t('inbox.team.noColleague')}</p>
        ) : (
          <div className={`field${problem?.field === 'covering' ? ' field--invalid' : ''}`}>
            <label htmlFor={coverId} className="field__label">
              {t('inbox.team.covering')}
            </label>
            <select
              id={coverId}
              className="field__input"
              value={covering}
              aria-invalid={problem?.field === 'covering'}
              aria-describedby={problem?.field === 'covering' ? `${coverId}-error` : undefined}
              onChange={(e) => {
                setCovering(e.target.value);
                if (problem?.field === 'covering') setProblem(null);
              }}
            >
              <option value="">{t('inbox.team.chooseColleague')}</option>
              {colleagues.map((m) => (
                <option key={m.deviceId} value={m.deviceId}>
                  {m.name}
                </option>
              ))}
            </select>
            {problem?.field === 'covering' ? (
              <p id={`${coverId}-error`} className="field__error" role="alert">
                {problem.text}
              </p>
            ) : null}
          </div>
        )}
      </Dialog>
    </div>
  );
}

/** Who the open conversation is with: "Take it", or assign it to a colleague (or to no one). */
export function AssignmentControl({ conversation, team, onChanged }: Readonly<{ conversation: ConversationRow; team: TeamView | null; onChanged: () => void }>): JSX.Element | null {
  const { t, i18n } = useTranslation();
  const toast = useToast();
  const [busy, setBusy] = useState(false);
  const id = useId();
  if (!team) return null;
  const clinicians = team.members.filter((m) => m.role === 'clinician');
  const me = clinicians.find((m) => m.self);
  const current = conversation.assignedTo?.deviceId ?? '';

  const assign = async (to: string | null) => {
    setBusy(true);
    const result = await clinic().inbox.assign({ patientId: conversation.patientId, to });
    setBusy(false);
    if (!result.ok) return toast.show('error', errorText(t, result.error));
    toast.show('info', result.value.assignedTo ? t('inbox.team.assignedToast', { name: result.value.assignedTo.name }) : t('inbox.team.unassignedToast'));
    onChanged();
  };

  return (
    <div className="inbox-assign">
      <label htmlFor={id} className="inbox-assign__label">
        {t('inbox.team.assignLabel')}
      </label>
      <select id={id} className="inbox-assign__select" value={current} disabled={busy} onChange={(e) => void assign(e.target.value || null)}>
        <option value="">{t('inbox.team.nobody')}</option>
        {clinicians.map((m) => (
          <option key={m.deviceId} value={m.deviceId}>
            {m.self ? t('inbox.team.you', { name: m.name }) : m.away ? t('inbox.team.awayOption', { name: m.name, date: dayLabel(m.away.until, i18n.language) }) : m.name}
          </option>
        ))}
        {current && !clinicians.some((m) => m.deviceId === current) ? <option value={current}>{conversation.assignedTo?.name}</option> : null}
      </select>
      {me && current !== me.deviceId ? (
        <Button variant="secondary" busy={busy} title={t('inbox.team.takeHint')} onClick={() => void assign(me.deviceId)}>
          {t('inbox.team.take')}
        </Button>
      ) : null}
    </div>
  );
}

/** "Handled another way…": stops the reply clock with a reason, after a confirmation. */
export function HandledControl({ conversation, patientName, onChanged }: Readonly<{ conversation: ConversationRow; patientName: string; onChanged: () => void }>): JSX.Element | null {
  const { t } = useTranslation();
  const toast = useToast();
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState<Reason>('phoned');
  const [note, setNote] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const noteId = useId();
  if (!conversation.needsAnswer) return null;

  const submit = async () => {
    if (reason === 'other' && note.trim() === '') return setProblem(t('inbox.team.noteRequired'));
    if (note.length > MAX_NOTE_CHARS) return setProblem(t('inbox.team.noteTooLong'));
    setBusy(true);
    const result = await clinic().inbox.handled({ patientId: conversation.patientId, reason, note });
    setBusy(false);
    if (!result.ok) return setProblem(errorText(t, result.error));
    setOpen(false);
    toast.show('info', t('inbox.team.handledToast'));
    onChanged();
  };

  return (
    <>
      <Button
        variant="quiet"
        onClick={() => {
          setReason('phoned');
          setNote('');
          setProblem(null);
          setOpen(true);
        }}
      >
        {t('inbox.team.handled')}
      </Button>
      <Dialog
        open={open}
        title={t('inbox.team.handledTitle')}
        onClose={() => setOpen(false)}
        onSubmit={() => void submit()}
        footer={
          <>
            <Button variant="quiet" onClick={() => setOpen(false)}>
              {t('inbox.team.cancel')}
            </Button>
            <Button type="submit" variant="primary" busy={busy}>
              {t('inbox.team.confirmHandled')}
            </Button>
          </>
        }
      >
        <p>{t('inbox.team.handledIntro', { name: patientName })}</p>
        <fieldset className="inbox-handled__reasons">
          <legend>{t('inbox.team.reason')}</legend>
          {reasons.map((r) => (
            <label key={r} className="inbox-handled__reason">
              <input
                type="radio"
                name="handled-reason"
                value={r}
                checked={reason === r}
                onChange={() => {
                  setReason(r);
                  setProblem(null);
                }}
              />
              {t(`inbox.team.reasons.${r}`)}
            </label>
          ))}
        </fieldset>
        <div className={`field${problem ? ' field--invalid' : ''}`}>
          <label htmlFor={noteId} className="field__label">
            {t('inbox.team.note')}
          </label>
          <p id={`${noteId}-hint`} className="field__hint">
            {t('inbox.team.noteHint')}
          </p>
          <textarea
            id={noteId}
            className="field__input"
            rows={3}
            maxLength={MAX_NOTE_CHARS + 50}
            value={note}
            aria-invalid={problem !== null}
            aria-describedby={`${noteId}-hint${problem ? ` ${noteId}-error` : ''}`}
            onChange={(e) => setNote(e.target.value)}
          />
          {problem ? (
            <p id={`${noteId}-error`} className="field__error" role="alert">
              {problem}
            </p>
          ) : null}
        </div>
      </Dialog>
    </>
  );
}

/** A care-team mark in the thread, between the messages: seen by the care team only. */
export function TeamNoteItem({ note, now }: Readonly<{ note: TeamNote; now: number }>): JSX.Element {
  const { t, i18n } = useTranslation();
  let text: string;
  if (note.kind === 'handled') text = t('inbox.team.notes.handled', { by: note.by.name, reason: t(`inbox.team.reasons.${note.reason}`) });
  else if (note.to === null) text = t('inbox.team.notes.unassigned', { by: note.by.name });
  else if (note.to.deviceId === note.by.deviceId) text = t('inbox.team.notes.took', { by: note.by.name });
  else text = t('inbox.team.notes.assigned', { by: note.by.name, to: note.to.name });
  return (
    <li className={`inbox-note inbox-note--${note.kind}`} data-team-note={note.kind}>
      <p className="inbox-note__text">
        <span>{text}</span> <time dateTime={new Date(note.at).toISOString()}>{shortTime(note.at, now, i18n.language)}</time>
      </p>
      {note.kind === 'handled' && note.note ? <p className="inbox-note__note">{note.note}</p> : null}
    </li>
  );
}
