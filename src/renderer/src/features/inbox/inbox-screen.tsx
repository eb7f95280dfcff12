// Runs in the renderer: DOM only, no Node.
// The clinician's inbox: the conversations (what needs an answer first), and the open one
// beside them. Main sorts, counts and decrypts; this screen lists, searches and filters, keeps
// the reply clocks ticking, and refetches when main says something changed.
import { type JSX, type KeyboardEvent, useCallback, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';

import type { ConversationRow, InboxFilter, InboxList, InboxWhose } from '../../../../shared/inbox';
import type { IpcError } from '../../../../shared/ipc/errors';
import type { ClinicRules } from '../../../../shared/protocol/clinic-rules';
import { EmptyState } from '../../components/empty-state';
import { VirtualList, type VirtualListHandle } from '../../components/virtual-list';
import { listMoveForKey, moveIndex } from '../../components/virtual-range';
import { useClinicStatus } from '../../app/clinic-context';
import { clinic, subscribe } from '../../lib/api';
import { LoadFailed } from './load-failed';
import { ThreadView } from './thread-view';
import { useNow } from './use-now';
import './inbox.css';
import { ConversationOption, ListEmpty, rowDomId } from './conversation-option';
import { AwayControl, WhoseFilter, useTeam } from './team';

type ListLoad =
  | { readonly state: 'loading' }
  | { readonly state: 'ready'; readonly list: InboxList; readonly skew: number }
  | { readonly state: 'failed'; readonly error: IpcError };

const filters = ['all', 'needs-answer', 'unread'] as const satisfies readonly InboxFilter[];
const searchDelayMs = 150;
/** Row height in rem: the list stays right when the text size changes. */
const rowRem = 5.25;

const unreadSum = (rows: readonly ConversationRow[]) => rows.reduce((sum, row) => sum + row.unread, 0);

function isTyping(target: EventTarget | null): boolean {
  return target instanceof HTMLElement && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName));
}

export function InboxScreen({ openRequest = null }: Readonly<{ openRequest?: { patientId: string; at: number } | null }> = {}): JSX.Element {
  const { t } = useTranslation();
  const [searchText, setSearchText] = useState('');
  const [query, setQuery] = useState('');
  const [filter, setFilter] = useState<InboxFilter>('all');
  const [whose, setWhose] = useState<InboxWhose>('everyone');
  const [load, setLoad] = useState<ListLoad>({ state: 'loading' });
  const clinicStatus = useClinicStatus().status;
  const rules: ClinicRules | null = clinicStatus?.state === 'member' ? clinicStatus.rules : null;
  const [openId, setOpenId] = useState<string | null>(null);
  const [activeId, setActiveId] = useState<string | null>(null);
  /** Whether the conversation being opened takes the focus (opened from the keyboard). */
  const [focusOnOpen, setFocusOnOpen] = useState(false);
  const [changes, setChanges] = useState(0);
  const [retries, setRetries] = useState(0);
  const [announcement, setAnnouncement] = useState('');
  const [rowHeight] = useState(() => Math.round((Number.parseFloat(getComputedStyle(document.documentElement).fontSize) || 16) * rowRem));
  const localNow = useNow(20_000);

  const latest = useRef(0);
  /** Unread messages in the last list, for "new messages" announcements; null before the first list. */
  const lastUnread = useRef<{ key: string; unread: number } | null>(null);
  const searchRef = useRef<HTMLInputElement>(null);
  const listRef = useRef<VirtualListHandle>(null);
  const threadHeading = useRef<HTMLHeadingElement>(null);

  // The search waits for a short pause in typing.
  useEffect(() => {
    const timer = window.setTimeout(() => setQuery(searchText.trim()), searchDelayMs);
    return () => window.clearTimeout(timer);
  }, [searchText]);

  useEffect(() => subscribe('inbox:changed', () => setChanges((n) => n + 1)), []);
  const team = useTeam(changes);


  useEffect(() => {
    const ticket = ++latest.current;
    const key = `${whose}\u0000${filter}\u0000${query}`;
    void clinic().inbox.list({ query, filter, whose }).then((result) => {
      if (ticket !== latest.current) return;
      if (!result.ok) {
        // Keep the list on screen when only a refresh failed.
        setLoad((current) => (current.state === 'ready' ? current : { state: 'failed', error: result.error }));
        return;
      }
      const unread = unreadSum(result.value.rows);
      const previous = lastUnread.current;
      if (previous && previous.key === key && unread > previous.unread) setAnnouncement(t('inbox.announce.newMessages', { count: String(unread - previous.unread) }));
      lastUnread.current = { key, unread };
      setLoad({ state: 'ready', list: result.value, skew: result.value.now - Date.now() });
    });
  }, [query, filter, whose, changes, retries, t]);

  // A click on a notification: open that conversation, with the focus in it (state adjusted
  // while rendering, once per request).
  const [handledRequest, setHandledRequest] = useState<typeof openRequest>(null);
  if (openRequest !== handledRequest) {
    setHandledRequest(openRequest);
    if (openRequest) {
      setActiveId(openRequest.patientId);
      setFocusOnOpen(true);
      setOpenId(openRequest.patientId);
    }
  }

  const rows = load.state === 'ready' ? load.list.rows : [];
  const activeIndex = activeId === null ? -1 : rows.findIndex((row) => row.patientId === activeId);
  const now = localNow + (load.state === 'ready' ? load.skew : 0);

  const open = useCallback(
    (patientId: string, focusThread: boolean) => {
      setActiveId(patientId);
      setFocusOnOpen(focusThread);
      setOpenId(patientId);
      // Opening the conversation already open: its heading is on screen.
      if (focusThread && patientId === openId) threadHeading.current?.focus();
    },
    [openId],
  );

  // "/" or Ctrl+F go to the search from anywhere in the inbox.
  useEffect(() => {
    const onKey = (event: globalThis.KeyboardEvent) => {
      const find = (event.ctrlKey || event.metaKey) && !event.altKey && event.key.toLowerCase() === 'f';
      const slash = event.key === '/' && !event.ctrlKey && !event.metaKey && !event.altKey && !isTyping(event.target);
      if (!find && !slash) return;
      if (document.querySelector('dialog[open]')) return;
      event.preventDefault();
      searchRef.current?.focus();
      searchRef.current?.select();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);

  const onListKey = (event: KeyboardEvent<HTMLDivElement>) => {
    const move = listMoveForKey(event.key);
    if (move) {
      event.preventDefault();
      const next = moveIndex(activeIndex, move, rows.length, listRef.current?.pageSize() ?? 1);
      const row = rows[next];
      if (!row) return;
      setActiveId(row.patientId);
      listRef.current?.scrollToIndex(next);
      return;
    }
    if (event.key === 'Enter' || event.key === ' ') {
      const row = rows[activeIndex] ?? rows[0];
      if (!row) return;
      event.preventDefault();
      open(row.patientId, true);
    }
  };

  /** Set while a mouse press moves focus into the list: the press chooses the row itself. */
  const pointerFocus = useRef(false);
  const onListFocus = () => {
    // Focus from the keyboard lands on the open conversation, or the first one, so the arrow
    // keys start somewhere; a click must not scroll its row away before it lands.
    if (pointerFocus.current) {
      pointerFocus.current = false;
      return;
    }
    if (activeIndex >= 0 || rows.length === 0) return;
    const start = Math.max(0, openId ? rows.findIndex((row) => row.patientId === openId) : 0);
    const row = rows[start];
    if (!row) return;
    setActiveId(row.patientId);
    listRef.current?.scrollToIndex(start);
  };

  const backToList = useCallback(() => {
    listRef.current?.focus();
  }, []);

  const total = load.state === 'ready' ? load.list.total : 0;

  return (
    <section className="inbox" aria-labelledby="inbox-title">
      <h2 id="inbox-title" className="visually-hidden">
        {t('inbox.title')}
      </h2>
      <div className="visually-hidden" role="status" aria-live="polite" aria-atomic="true">
        {announcement}
      </div>

      <div className="inbox__list-pane">
        <div className="inbox__tools">
          <div className="inbox-search">
            <label htmlFor="inbox-search" className="inbox-search__label">
              {t('inbox.search.label')}
            </label>
            <div className="inbox-search__box">
              <svg className="inbox-search__icon" viewBox="0 0 16 16" aria-hidden="true" focusable="false">
                <circle cx="7" cy="7" r="4.8" fill="none" stroke="currentColor" strokeWidth="1.6" />
                <path d="m10.6 10.6 3.6 3.6" stroke="currentColor" strokeWidth="1.6" strokeLinecap="round" />
              </svg>
              <input
                ref={searchRef}
                id="inbox-search"
                className="inbox-search__input"
                type="search"
                value={searchText}
                maxLength={100}
                autoComplete="off"
                spellCheck={false}
                aria-describedby="inbox-search-hint"
                // Only while the list is there: an empty inbox has none to point at.
                aria-controls={load.state === 'ready' && rows.length > 0 ? 'inbox-list' : undefined}
                onChange={(e) => setSearchText(e.target.value)}
                onKeyDown={(e) => {
                  if (e.key === 'Escape') {
                    e.preventDefault();
                    setSearchText('');
                  } else if (e.key === 'ArrowDown' && rows.length > 0) {
                    e.preventDefault();
                    listRef.current?.focus();
                  }
                }}
              />
              {searchText ? (
                <button type="button" className="inbox-search__clear" aria-label={t('inbox.search.clear')} onClick={() => {
                  setSearchText('');
                  searchRef.current?.focus();
                }}>
                  ×
                </button>
              ) : null}
            </div>
            <p id="inbox-search-hint" className="visually-hidden">
              {t('inbox.search.hint')}
            </p>
          </div>
          <div className="inbox__team-tools">
            <WhoseFilter whose={whose} counts={load.state === 'ready' ? load.list.counts : null} onChange={setWhose} />
            <AwayControl team={team} />
          </div>
          <div className="inbox-filters" role="group" aria-label={t('inbox.filters.label')}>
            {filters.map((id) => (
              <button key={id} type="button" className="inbox-filters__button" aria-pressed={filter === id} onClick={() => setFilter(id)}>
                {t(`inbox.filters.${id}`)}
              </button>
            ))}
          </div>
          {load.state === 'ready' && total > 0 ? (
            <p className="inbox__count" aria-live="polite">
              {t('inbox.count', { shown: String(rows.length), total: String(total) })}
            </p>
          ) : null}
          {load.state === 'ready' ? <AttentionCounts counts={load.list.counts} /> : null}
        </div>

        {load.state === 'loading' ? (
          <div className="inbox__skeleton">
            <p className="visually-hidden" role="status">
              {t('inbox.loading')}
            </p>
            {[0, 1, 2, 3, 4, 5].map((i) => (
              <div key={i} className="inbox-skeleton-row" style={{ height: rowHeight }} aria-hidden="true">
                <span />
                <span />
                <span />
              </div>
            ))}
          </div>
        ) : load.state === 'failed' ? (
          <LoadFailed
            className="inbox__error"
            what={t('inbox.loadFailed')}
            error={load.error}
            onRetry={() => {
              setLoad({ state: 'loading' });
              setRetries((n) => n + 1);
            }}
          />
        ) : rows.length === 0 ? (
          <div className="inbox__empty">
            <ListEmpty total={total} query={query} filter={filter} whose={whose} onShowAll={() => {
              setSearchText('');
              setFilter('all');
              setWhose('everyone');
              searchRef.current?.focus();
            }} />
          </div>
        ) : (
          <VirtualList
            handle={listRef}
            id="inbox-list"
            className="inbox-list"
            role="listbox"
            aria-label={t('inbox.listLabel')}
            aria-describedby="inbox-shortcuts"
            aria-activedescendant={activeIndex >= 0 && rows[activeIndex] ? rowDomId(rows[activeIndex].patientId) : undefined}
            tabIndex={0}
            count={rows.length}
            rowHeight={rowHeight}
            keepMounted={activeIndex}
            onKeyDown={onListKey}
            onFocus={onListFocus}
            onPointerDown={() => {
              pointerFocus.current = true;
              // The focus event follows the press at once; a press on a focused list has none.
              setTimeout(() => {
                pointerFocus.current = false;
              }, 0);
            }}
            renderRow={(index, style) => {
              const row = rows[index];
              if (!row) return null;
              return (
                <ConversationOption
                  key={row.patientId}
                  row={row}
                  index={index}
                  count={rows.length}
                  style={style}
                  now={now}
                  rules={rules}
                  active={index === activeIndex}
                  open={row.patientId === openId}
                  onOpen={() => open(row.patientId, false)}
                />
              );
            }}
          />
        )}
        <p id="inbox-shortcuts" className="visually-hidden">
          {t('inbox.shortcuts')}
        </p>
      </div>

      <div className="inbox__thread-pane">
        {openId ? (
          <ThreadView
            key={openId}
            patientId={openId}
            rules={rules}
            team={team}
            changes={changes}
            headingRef={threadHeading}
            focusHeading={focusOnOpen}
            onBackToList={backToList}
          />
        ) : (
          <div className="inbox__no-thread">
            <EmptyState title={t('inbox.thread.choose.title')} body={t('inbox.thread.choose.body')} />
          </div>
        )}
      </div>
    </section>
  );
}

/** What needs attention across every conversation: urgent, due soon, overdue (zeros left out). */
function AttentionCounts({ counts }: Readonly<{ counts: InboxList['counts'] }>) {
  const { t } = useTranslation();
  const items = (
    [
      ['urgent', counts.urgent],
      ['dueSoon', counts.dueSoon],
      ['overdue', counts.overdue],
    ] as const
  ).filter(([, count]) => count > 0);
  if (items.length === 0) return null;
  return (
    <ul className="inbox__attention" aria-label={t('inbox.counts.label')} data-testid="inbox-attention">
      {items.map(([key, count]) => (
        <li key={key} className={`chip chip--${key === 'urgent' ? 'urgent' : key === 'overdue' ? 'overdue' : 'soon'}`}>
          {t(`inbox.counts.${key}`, { count: String(count) })}
        </li>
      ))}
    </ul>
  );
}
