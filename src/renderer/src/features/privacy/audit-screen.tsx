// Runs in the renderer: DOM only, no Node.
// The IT admin's view of the clinic's audit trail: every computer's events, checked by main
// against the relay's signed log; breaks named by computer and entry; filters, a per-day
// timeline, and exports (CSV, or a signed file for `npm run audit:verify`).
import { type FormEvent, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';

import type { AuditBreakView, AuditExportFormat, AuditFilter, ClinicAuditView } from '../../../../shared/audit';
import { Button } from '../../components/button';
import { EmptyState } from '../../components/empty-state';
import { TextField } from '../../components/text-field';
import { useToast } from '../../components/toast';
import { clinic } from '../../lib/api';
import { errorText } from '../../lib/i18n';
import { useQuery } from '../../lib/use-query';
import { IncidentsCard } from './incidents';
import { SignInCodesCard, useStepUp } from './step-up';
import './privacy.css';

type Draft = { actorId: string; action: string; patientId: string; deviceId: string; from: string; to: string };
const emptyDraft: Draft = { actorId: '', action: '', patientId: '', deviceId: '', from: '', to: '' };

/** Known action families, offered while typing "What". */
const actionHints = ['consent.', 'patient.', 'conversation.opened', 'message.', 'attachment.viewed', 'attachment.saved', 'audit.', 'step-up.', 'device.', 'rules.'];

/** A date field's YYYY-MM-DD as this computer's local midnight (or the end of that day). */
function localDay(value: string, endOfDay: boolean): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return undefined;
  const start = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3])).getTime();
  return endOfDay ? new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + 1).getTime() - 1 : start;
}

function toFilter(draft: Draft): AuditFilter {
  const filter: AuditFilter = {};
  if (draft.actorId.trim()) filter.actorId = draft.actorId.trim();
  if (draft.action.trim()) filter.action = draft.action.trim();
  if (draft.patientId.trim()) filter.patientId = draft.patientId.trim();
  if (draft.deviceId) filter.deviceId = draft.deviceId;
  const from = localDay(draft.from, false);
  const to = localDay(draft.to, true);
  if (from !== undefined) filter.from = from;
  if (to !== undefined) filter.to = to;
  return filter;
}

export function PrivacyScreen() {
  const { t } = useTranslation();
  return (
    <section className="privacy" aria-labelledby="privacy-title">
      <div className="privacy__head">
        <h2 id="privacy-title">{t('privacy.title')}</h2>
        <p className="muted">{t('privacy.intro')}</p>
      </div>
      <IncidentsCard />
      <AuditTrail />
      <SignInCodesCard />
    </section>
  );
}

function AuditTrail() {
  const { t, i18n } = useTranslation();
  const toast = useToast();
  const guard = useStepUp();
  const [draft, setDraft] = useState<Draft>(emptyDraft);
  const [filter, setFilter] = useState<AuditFilter>({});
  const [dateError, setDateError] = useState<string | null>(null);
  const [exporting, setExporting] = useState<AuditExportFormat | null>(null);
  const { query, refresh, retry } = useQuery(() => clinic().audit.clinic({ filter }), [JSON.stringify(filter)], { keepOnError: true });
  const [checking, setChecking] = useState(false);

  const apply = (event: FormEvent) => {
    event.preventDefault();
    const next = toFilter(draft);
    if (next.from !== undefined && next.to !== undefined && next.to < next.from) return setDateError(t('privacy.audit.filters.badDates'));
    setDateError(null);
    setFilter(next);
  };
  const clear = () => {
    setDraft(emptyDraft);
    setDateError(null);
    setFilter({});
  };
  const runExport = async (format: AuditExportFormat) => {
    setExporting(format);
    const result = await guard(() => clinic().audit.export({ format, filter: format === 'csv' ? filter : {} }));
    setExporting(null);
    if (!result.ok) return toast.show('error', errorText(t, result.error));
    if (result.value.saved) toast.show('success', t('privacy.audit.export.done', { count: result.value.events }));
  };
  const field = (key: keyof Draft) => ({ value: draft[key], onChange: (e: { target: { value: string } }) => setDraft((d) => ({ ...d, [key]: e.target.value })) });

  const view = query.state === 'ready' ? query.value : null;
  const names = useMemo(() => computerNames(view, t), [view, t]);
  const time = (ms: number) => new Date(ms).toLocaleString(i18n.language, { dateStyle: 'medium', timeStyle: 'medium' });

  return (
    <>
      <section className="card privacy-card" aria-labelledby="audit-title" aria-busy={query.state === 'loading' || checking}>
        <div className="privacy-card__head">
          <h3 id="audit-title">{t('privacy.audit.title')}</h3>
          <Button
            busy={checking}
            onClick={async () => {
              setChecking(true);
              await refresh();
              setChecking(false);
            }}
          >
            {t('privacy.audit.refresh')}
          </Button>
        </div>

        {query.state === 'loading' ? (
          <p role="status" className="privacy__loading">
            <span className="spinner" aria-hidden="true" /> {t('privacy.audit.loading')}
          </p>
        ) : query.state === 'failed' ? (
          <div className="notice notice--warn" role="alert">
            <p>{errorText(t, query.error)}</p>
            <Button onClick={() => void retry()}>{t('privacy.audit.retry')}</Button>
          </div>
        ) : (
          <>
            <Integrity view={query.value} names={names} />
            <p className="muted" data-testid="audit-checked">
              {t('privacy.audit.checked', { time: time(query.value.checkedAt), size: query.value.logSize })}
            </p>
          </>
        )}

        <form className="audit-filters" onSubmit={apply} aria-label={t('privacy.audit.filters.legend')}>
          <TextField label={t('privacy.audit.filters.who')} {...field('actorId')} spellCheck={false} />
          <TextField label={t('privacy.audit.filters.what')} list="audit-actions" aria-describedby="audit-what-hint" {...field('action')} spellCheck={false} />
          <datalist id="audit-actions">
            {actionHints.map((a) => (
              <option key={a} value={a} />
            ))}
          </datalist>
          <TextField label={t('privacy.audit.filters.patient')} {...field('patientId')} spellCheck={false} />
          <div className="select-field">
            <label htmlFor="audit-computer">{t('privacy.audit.filters.computer')}</label>
            <select id="audit-computer" value={draft.deviceId} onChange={(e) => setDraft((d) => ({ ...d, deviceId: e.target.value }))}>
              <option value="">{t('privacy.audit.filters.anyComputer')}</option>
              {(view?.computers ?? []).map((c) => (
                <option key={c.deviceId} value={c.deviceId}>
                  {names.get(c.deviceId)}
                </option>
              ))}
            </select>
          </div>
          <TextField label={t('privacy.audit.filters.from')} type="date" {...field('from')} />
          <TextField label={t('privacy.audit.filters.to')} type="date" {...field('to')} error={dateError} />
          <p id="audit-what-hint" className="muted audit-filters__hint">
            {t('privacy.audit.filters.whatHint')}
          </p>
          <div className="actions actions--start audit-filters__actions">
            <Button variant="primary" type="submit">
              {t('privacy.audit.filters.apply')}
            </Button>
            <Button variant="quiet" onClick={clear}>
              {t('privacy.audit.filters.clear')}
            </Button>
          </div>
        </form>

        {view ? (
          <>
            <p role="status" data-testid="audit-count">
              {t('privacy.audit.count', { matched: view.matched, total: view.total })}
              {view.matched > view.rows.length ? ` ${t('privacy.audit.newest', { count: view.rows.length })}` : ''}
            </p>
            {view.matched === 0 ? (
              <EmptyState title={t('privacy.audit.empty')} body={t('privacy.audit.emptyBody')} />
            ) : (
              <>
                <Timeline timeline={view.timeline} />
                <EventTable view={view} names={names} time={time} />
              </>
            )}
          </>
        ) : null}
      </section>

      {view ? <Computers view={view} names={names} /> : null}

      <section className="card privacy-card" aria-labelledby="audit-export-title">
        <h3 id="audit-export-title">{t('privacy.audit.export.title')}</h3>
        <p>{t('privacy.audit.export.intro')}</p>
        <div className="actions actions--start">
          <Button busy={exporting === 'csv'} disabled={exporting !== null} onClick={() => void runExport('csv')}>
            {t('privacy.audit.export.csv')}
          </Button>
          <Button variant="primary" busy={exporting === 'signed-json'} disabled={exporting !== null} onClick={() => void runExport('signed-json')}>
            {t('privacy.audit.export.signed')}
          </Button>
        </div>
      </section>
    </>
  );
}

type Names = ReadonlyMap<string, string>;

function computerNames(view: ClinicAuditView | null, t: ReturnType<typeof useTranslation>['t']): Names {
  const names = new Map<string, string>();
  for (const c of view?.computers ?? []) {
    const name = t('privacy.audit.computerName', { role: t(`flow.roles.${c.role}`), id: c.deviceId.slice(0, 8) });
    names.set(c.deviceId, c.self ? `${name} (${t('privacy.audit.thisComputer')})` : name);
  }
  return names;
}

function breakText(t: ReturnType<typeof useTranslation>['t'], b: AuditBreakView, names: Names): string {
  return t(`privacy.audit.breaks.${b.kind}`, { computer: names.get(b.deviceId) ?? b.deviceId.slice(0, 8), from: b.seq, to: b.toSeq ?? b.seq });
}

function Integrity({ view, names }: Readonly<{ view: ClinicAuditView; names: Names }>) {
  const { t } = useTranslation();
  if (view.breaks.length === 0) {
    return (
      <div className="notice audit-ok" data-testid="audit-intact">
        <p>{t('privacy.audit.intact')}</p>
        {view.unreadable > 0 ? <p className="muted">{t('privacy.audit.unreadable', { count: view.unreadable })}</p> : null}
      </div>
    );
  }
  return (
    <div className="notice notice--danger" role="alert" data-testid="audit-breaks">
      <p className="notice__title">{t('privacy.audit.brokenTitle')}</p>
      <p>{t('privacy.audit.brokenIntro')}</p>
      <ul>
        {view.breaks.map((b) => (
          <li key={`${b.kind}-${b.deviceId}-${b.seq}`}>{breakText(t, b, names)}</li>
        ))}
      </ul>
      {view.unreadable > 0 ? <p>{t('privacy.audit.unreadable', { count: view.unreadable })}</p> : null}
    </div>
  );
}

/** Events per day as bars; each bar's count is in its label, so the chart is read as a list too. */
function Timeline({ timeline }: Readonly<{ timeline: ClinicAuditView['timeline'] }>) {
  const { t } = useTranslation();
  const days = timeline.slice(-31);
  const most = Math.max(1, ...days.map((d) => d.count));
  return (
    <figure className="audit-timeline">
      <figcaption className="muted">{t('privacy.audit.timeline')}</figcaption>
      <ol className="audit-timeline__bars" data-testid="audit-timeline">
        {days.map((d) => (
          <li key={d.day} className="audit-timeline__day" title={t('privacy.audit.timelineDay', { day: d.day, count: d.count })}>
            <span className="audit-timeline__bar" style={{ blockSize: `${Math.max(6, Math.round((d.count / most) * 100))}%` }} aria-hidden="true" />
            <span className="visually-hidden">{t('privacy.audit.timelineDay', { day: d.day, count: d.count })}</span>
            <span className="audit-timeline__label" aria-hidden="true">
              {d.day.slice(5)}
            </span>
          </li>
        ))}
      </ol>
    </figure>
  );
}

function EventTable({ view, names, time }: Readonly<{ view: ClinicAuditView; names: Names; time: (ms: number) => string }>) {
  const { t } = useTranslation();
  return (
    // The list scrolls on its own; it takes focus so the keyboard can scroll it too.
    <div className="people-table-wrap audit-table-wrap" tabIndex={0} role="region" aria-label={t('privacy.audit.caption')}>
      <table className="people-table audit-table" data-testid="audit-events">
        <caption className="visually-hidden">{t('privacy.audit.caption')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('privacy.audit.columns.at')}</th>
            <th scope="col">{t('privacy.audit.columns.what')}</th>
            <th scope="col">{t('privacy.audit.columns.who')}</th>
            <th scope="col">{t('privacy.audit.columns.about')}</th>
            <th scope="col">{t('privacy.audit.columns.computer')}</th>
            <th scope="col">{t('privacy.audit.columns.seq')}</th>
          </tr>
        </thead>
        <tbody>
          {view.rows.map((row) => (
            <tr key={`${row.deviceId}-${row.seq}`}>
              <td>{time(row.at)}</td>
              <th scope="row">
                <code>{row.action}</code>
              </th>
              <td className="people-table__id">{row.actorId}</td>
              <td className="people-table__id">{row.subjectId ? `${row.subjectType} ${row.subjectId}` : '—'}</td>
              <td>{names.get(row.deviceId) ?? row.deviceId.slice(0, 8)}</td>
              <td>{row.seq}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Computers({ view, names }: Readonly<{ view: ClinicAuditView; names: Names }>) {
  const { t } = useTranslation();
  return (
    <section className="card privacy-card" aria-labelledby="audit-computers-title">
      <h3 id="audit-computers-title">{t('privacy.audit.computersTitle')}</h3>
      <div className="people-table-wrap">
        <table className="people-table" data-testid="audit-computers">
          <caption className="visually-hidden">{t('privacy.audit.computersCaption')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('privacy.audit.computerColumns.computer')}</th>
              <th scope="col">{t('privacy.audit.computerColumns.role')}</th>
              <th scope="col">{t('privacy.audit.computerColumns.events')}</th>
              <th scope="col">{t('privacy.audit.computerColumns.last')}</th>
            </tr>
          </thead>
          <tbody>
            {view.computers.map((c) => (
              <tr key={c.deviceId} data-device-id={c.deviceId}>
                <th scope="row">{names.get(c.deviceId)}</th>
                <td>{t(`flow.roles.${c.role}`)}</td>
                <td>{c.events}</td>
                <td>{c.lastSeq}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
