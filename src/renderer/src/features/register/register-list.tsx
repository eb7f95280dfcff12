// Runs in the renderer: DOM only, no Node.
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';

import type { ConsentRegisterRow } from '../../../../shared/consent/ipc';
import type { IpcError } from '../../../../shared/ipc/errors';
import { Button } from '../../components/button';
import { EmptyState } from '../../components/empty-state';
import { SelectField } from '../../components/select-field';
import { TextField } from '../../components/text-field';
import { useToast } from '../../components/toast';
import { clinic } from '../../lib/api';
import { errorText } from '../../lib/i18n';
import { formatDate, formatIsoDate, scopeList } from './format';
import { StatusBadge, Warning } from './status-badge';

export const registerFilters = ['all', 'active', 'partial', 'pending-enrollment', 'withdrawn', 'expired', 'none'] as const;
export type RegisterFilter = (typeof registerFilters)[number];

const SEARCH_DELAY_MS = 250;

type Load = { readonly state: 'loading' } | { readonly state: 'ready'; readonly rows: readonly ConsentRegisterRow[] } | { readonly state: 'failed'; readonly error: IpcError };

export type RegisterListProps = Readonly<{
  query: string;
  status: RegisterFilter;
  onQuery: (query: string) => void;
  onStatus: (status: RegisterFilter) => void;
  onOpen: (patientId: string) => void;
  onNewConsent: () => void;
  /** The patient whose name gets the focus when the list comes back (after the detail). */
  focusPatientId: string | null;
}>;

/** The register: search, filter, and one row per patient. */
export function RegisterList({ query, status, onQuery, onStatus, onOpen, onNewConsent, focusPatientId }: RegisterListProps) {
  const { t, i18n } = useTranslation();
  const toast = useToast();
  const [load, setLoad] = useState<Load>({ state: 'loading' });
  const [attempt, setAttempt] = useState(0);
  const latest = useRef(0);
  const table = useRef<HTMLTableElement>(null);
  const focused = useRef(false);

  useEffect(() => {
    const ticket = ++latest.current;
    const timer = window.setTimeout(
      () => {
        void clinic().consent.register({ query: query.trim(), status }).then((result) => {
          if (ticket !== latest.current) return;
          if (!result.ok) return setLoad({ state: 'failed', error: result.error });
          setLoad({ state: 'ready', rows: result.value.rows });
          if (result.value.retried > 0) toast.show('info', t('register.sent', { count: result.value.retried }));
        });
      },
      attempt === 0 && query === '' ? 0 : SEARCH_DELAY_MS,
    );
    return () => window.clearTimeout(timer);
  }, [query, status, attempt, t, toast]);

  // Back from a patient's page: the focus returns to that patient's name.
  useEffect(() => {
    if (focused.current || !focusPatientId || load.state !== 'ready') return;
    focused.current = true;
    table.current?.querySelector<HTMLButtonElement>(`[data-patient-id="${CSS.escape(focusPatientId)}"]`)?.focus();
  }, [load, focusPatientId]);

  const filtering = query.trim() !== '' || status !== 'all';

  return (
    <div className="register">
      <div className="register__head">
        <div>
          <h2 className="register__title">{t('register.title')}</h2>
          <p className="muted">{t('register.intro')}</p>
        </div>
        <Button variant="primary" onClick={onNewConsent}>
          {t('register.newConsent')}
        </Button>
      </div>

      <div className="register__filters" role="search">
        <TextField
          type="search"
          label={t('register.search')}
          hint={t('register.searchHint')}
          value={query}
          maxLength={100}
          autoComplete="off"
          spellCheck={false}
          onChange={(event) => onQuery(event.target.value)}
        />
        <SelectField
          label={t('register.filter')}
          value={status}
          options={registerFilters.map((value) => ({ value, label: t(`register.statuses.${value}`) }))}
          onChange={onStatus}
        />
      </div>

      {load.state === 'loading' ? (
        <p className="register__loading" role="status">
          <span className="spinner" aria-hidden="true" /> {t('register.loading')}
        </p>
      ) : load.state === 'failed' ? (
        <div className="notice notice--warn register__error" role="alert">
          <p>{errorText(t, load.error)}</p>
          <Button
            onClick={() => {
              setLoad({ state: 'loading' });
              setAttempt((n) => n + 1);
            }}
          >{t('register.retry')}</Button>
        </div>
      ) : load.rows.length === 0 ? (
        filtering ? (
          <EmptyState title={t('register.empty.noMatchTitle')} body={t('register.empty.noMatchBody')} />
        ) : (
          <EmptyState
            title={t('register.empty.title')}
            body={t('register.empty.body')}
            action={
              <Button variant="primary" onClick={onNewConsent}>
                {t('register.empty.action')}
              </Button>
            }
          />
        )
      ) : (
        <div className="register__table-wrap">
          <table ref={table} className="register-table">
            <caption>{t('register.caption', { count: load.rows.length })}</caption>
            <thead>
              <tr>
                <th scope="col">{t('register.columns.name')}</th>
                <th scope="col">{t('register.columns.dateOfBirth')}</th>
                <th scope="col">{t('register.columns.status')}</th>
                <th scope="col">{t('register.columns.scopes')}</th>
                <th scope="col">{t('register.columns.lastChange')}</th>
                <th scope="col">{t('register.columns.notes')}</th>
              </tr>
            </thead>
            <tbody>
              {load.rows.map((row) => (
                <tr key={row.patient.id}>
                  <th scope="row">
                    <button type="button" className="link-button register-table__name" data-patient-id={row.patient.id} onClick={() => onOpen(row.patient.id)}>
                      {row.patient.familyName}, {row.patient.givenName}
                    </button>
                  </th>
                  <td>{formatIsoDate(row.patient.dateOfBirth, i18n.language)}</td>
                  <td>
                    <StatusBadge status={row.status} />
                  </td>
                  <td>
                    {row.scopes.length === 0 ? (
                      <span className="muted">{t('register.noScopes')}</span>
                    ) : (
                      <ul className="register-scopes">
                        {scopeList(row.scopes, i18n.language).map((label) => (
                          <li key={label}>{label}</li>
                        ))}
                      </ul>
                    )}
                  </td>
                  <td>{row.lastRecordAt === null ? <span className="muted">{t('register.never')}</span> : formatDate(row.lastRecordAt, i18n.language)}</td>
                  <td>
                    <div className="register-notes">
                      {row.unpublished ? <Warning>{t('register.unpublished')}</Warning> : null}
                      {row.renewalDue ? <Warning>{t('register.renewalDue')}</Warning> : null}
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
