// Runs in the renderer: DOM only, no Node.
// Privacy incidents on the privacy desk (ADR 20): opened by a "sent in error" mark or by a
// computer removed as lost or stolen. The privacy officer records what happened, who was told
// and when, and the decision on notifying, before the deadline the clinic's rules set.
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';

import type { IncidentUpdate, IncidentView } from '../../../../shared/incidents';
import { incidentDecisions } from '../../../../shared/incidents';
import { Button } from '../../components/button';
import { Dialog } from '../../components/dialog';
import { EmptyState } from '../../components/empty-state';
import { SelectField } from '../../components/select-field';
import { TextField } from '../../components/text-field';
import { useToast } from '../../components/toast';
import { clinic } from '../../lib/api';
import { errorText } from '../../lib/i18n';
import { useQuery } from '../../lib/use-query';
import { useStepUp } from './step-up';

const DAY_MS = 86_400_000;

export function IncidentsCard() {
  const { t, i18n } = useTranslation();
  const { query, refresh } = useQuery(() => clinic().incidents.list({}), [], { keepOnError: true });
  const [open, setOpen] = useState<string | null>(null);
  const date = (ms: number) => new Date(ms).toLocaleDateString(i18n.language, { dateStyle: 'medium' });
  const selected = query.state === 'ready' ? (query.value.incidents.find((i) => i.incidentId === open) ?? null) : null;

  return (
    <section className="card privacy-card" aria-labelledby="incidents-title">
      <h3 id="incidents-title">{t('privacy.incidents.title')}</h3>
      <p>{t('privacy.incidents.intro')}</p>
      {query.state === 'loading' ? (
        <p className="muted">{t('common.loading')}</p>
      ) : query.state === 'failed' ? (
        <p role="alert">{errorText(t, query.error)}</p>
      ) : query.value.incidents.length === 0 ? (
        <EmptyState title={t('privacy.incidents.empty')} body={t('privacy.incidents.emptyBody', { days: query.value.noticeDays })} />
      ) : (
        <div className="people-table-wrap">
          <table className="people-table" data-testid="incidents">
            <caption className="visually-hidden">{t('privacy.incidents.title')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('privacy.incidents.columns.opened')}</th>
                <th scope="col">{t('privacy.incidents.columns.what')}</th>
                <th scope="col">{t('privacy.incidents.columns.deadline')}</th>
                <th scope="col">{t('privacy.incidents.columns.decision')}</th>
                <th scope="col">{t('privacy.incidents.columns.actions')}</th>
              </tr>
            </thead>
            <tbody>
              {query.value.incidents.map((incident) => {
                const daysLeft = Math.ceil((incident.deadline - query.value.now) / DAY_MS);
                return (
                  <tr key={incident.incidentId} data-incident-id={incident.incidentId}>
                    <td>{date(incident.openedAt)}</td>
                    <th scope="row">
                      {t(`privacy.incidents.kinds.${incident.kind}`)} · {t(`privacy.incidents.reasons.${incident.reason}`)}
                    </th>
                    <td>
                      {date(incident.deadline)}
                      {incident.record.closedAt === null ? (
                        <span className={daysLeft <= 7 ? 'incident-days incident-days--late' : 'incident-days'}>
                          {' '}
                          {daysLeft >= 0 ? t('privacy.incidents.daysLeft', { count: daysLeft }) : t('privacy.incidents.overdue')}
                        </span>
                      ) : null}
                    </td>
                    <td>{incident.record.closedAt !== null ? t('privacy.incidents.closed') : t(`privacy.incidents.decisions.${incident.record.decision}`)}</td>
                    <td>
                      <Button variant="quiet" onClick={() => setOpen(incident.incidentId)} aria-label={t('privacy.incidents.openLabel', { date: date(incident.openedAt) })}>
                        {t('privacy.incidents.open')}
                      </Button>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {selected ? <IncidentDialog key={selected.incidentId} incident={selected} onChanged={() => void refresh()} onClose={() => setOpen(null)} /> : null}
    </section>
  );
}

function IncidentDialog({ incident, onChanged, onClose }: Readonly<{ incident: IncidentView; onChanged: () => void; onClose: () => void }>) {
  const { t, i18n } = useTranslation();
  const toast = useToast();
  const guard = useStepUp();
  const closed = incident.record.closedAt !== null;
  const [what, setWhat] = useState(incident.record.whatHappened);
  const [decision, setDecision] = useState(incident.record.decision);
  const [decisionNote, setDecisionNote] = useState(incident.record.decisionNote);
  const [who, setWho] = useState('');
  const [how, setHow] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState<string | null>(null);
  const when = (ms: number) => new Date(ms).toLocaleString(i18n.language, { dateStyle: 'medium', timeStyle: 'short' });

  const send = async (what: string, request: Omit<IncidentUpdate, 'incidentId'>): Promise<boolean> => {
    setBusy(what);
    const result = await clinic().incidents.update({ incidentId: incident.incidentId, ...request });
    setBusy(null);
    if (!result.ok) {
      if (result.error.fields) setErrors(result.error.fields);
      toast.show('error', result.error.fields?.decisionNote ? t('privacy.incidents.needReason') : result.error.fields?.decision ? t('privacy.incidents.needDecision') : errorText(t, result.error));
      return false;
    }
    setErrors({});
    onChanged();
    return true;
  };
  const save = async (event?: FormEvent) => {
    event?.preventDefault();
    if (decision !== 'undecided' && decisionNote.trim() === '') return setErrors({ decisionNote: 'required' });
    if (await send('save', { whatHappened: what, decision, decisionNote })) toast.show('success', t('privacy.incidents.saved'));
  };
  const addTold = async () => {
    if (who.trim() === '') return setErrors({ who: 'required' });
    if (await send('told', { told: { who, how, at: Date.now() } })) {
      setWho('');
      setHow('');
    }
  };
  const exportFile = async () => {
    setBusy('export');
    const result = await guard(() => clinic().incidents.export({ incidentId: incident.incidentId }));
    setBusy(null);
    if (!result.ok) return toast.show('error', errorText(t, result.error));
    if (result.value.saved) toast.show('success', t('privacy.incidents.exported'));
  };

  return (
    <Dialog
      open
      title={t('privacy.incidents.dialogTitle', { kind: t(`privacy.incidents.kinds.${incident.kind}`) })}
      onClose={onClose}
      onSubmit={(e) => void save(e)}
      footer={
        <>
          <Button variant="quiet" onClick={onClose}>
            {t('common.close')}
          </Button>
          <Button busy={busy === 'export'} onClick={() => void exportFile()}>
            {t('privacy.incidents.export')}
          </Button>
          {!closed ? (
            <>
              <Button busy={busy === 'close'} onClick={() => void send('close', { close: true })}>
                {t('privacy.incidents.close')}
              </Button>
              <Button variant="primary" type="submit" busy={busy === 'save'}>
                {t('common.save')}
              </Button>
            </>
          ) : null}
        </>
      }
    >
      <dl className="incident-facts">
        <dt>{t('privacy.incidents.openedBy')}</dt>
        <dd>
          {incident.openedBy}, {when(incident.openedAt)}
        </dd>
        <dt>{t('privacy.incidents.columns.what')}</dt>
        <dd>
          {t(`privacy.incidents.reasons.${incident.reason}`)}
          {incident.note ? ` — ${incident.note}` : ''}
        </dd>
        <dt>{t('privacy.incidents.columns.deadline')}</dt>
        <dd>{when(incident.deadline)}</dd>
      </dl>
      <div className="field">
        <label className="field__label" htmlFor="incident-what">
          {t('privacy.incidents.whatHappened')}
        </label>
        <textarea id="incident-what" className="field__input incident-text" rows={3} value={what} maxLength={4000} disabled={closed} onChange={(e) => setWhat(e.target.value)} />
      </div>
      <fieldset className="incident-told" disabled={closed}>
        <legend>{t('privacy.incidents.told')}</legend>
        {incident.record.told.length === 0 ? <p className="muted">{t('privacy.incidents.toldNone')}</p> : null}
        <ul>
          {incident.record.told.map((entry) => (
            <li key={`${entry.at}-${entry.who}`}>{t('privacy.incidents.toldEntry', { who: entry.who, how: entry.how || '—', when: when(entry.at) })}</li>
          ))}
        </ul>
        <TextField label={t('privacy.incidents.toldWho')} value={who} maxLength={200} onChange={(e) => setWho(e.target.value)} error={errors.who ? t('privacy.incidents.needWho') : null} />
        <TextField label={t('privacy.incidents.toldHow')} value={how} maxLength={200} onChange={(e) => setHow(e.target.value)} />
        <Button busy={busy === 'told'} onClick={() => void addTold()}>
          {t('privacy.incidents.addTold')}
        </Button>
      </fieldset>
      <SelectField
        label={t('privacy.incidents.decision')}
        value={decision}
        disabled={closed}
        options={incidentDecisions.map((d) => ({ value: d, label: t(`privacy.incidents.decisions.${d}`) }))}
        onChange={setDecision}
      />
      <TextField
        label={t('privacy.incidents.decisionNote')}
        value={decisionNote}
        maxLength={2000}
        disabled={closed}
        onChange={(e) => setDecisionNote(e.target.value)}
        error={errors.decisionNote ? t('privacy.incidents.needReason') : null}
      />
      <h3 className="incident-timeline__title">{t('privacy.incidents.timeline')}</h3>
      <ol className="incident-timeline" data-testid="incident-timeline">
        {incident.timeline.map((entry, index) => (
          <li key={`${entry.at}-${index}`}>
            {when(entry.at)} · {t(`privacy.incidents.steps.${entry.what.startsWith('decided-') ? 'decided' : entry.what}`, { defaultValue: entry.what })} · {entry.by}
          </li>
        ))}
      </ol>
    </Dialog>
  );
}
