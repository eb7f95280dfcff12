// Runs in the renderer: DOM only, no Node.
// The composer's text for one conversation, kept by main as an encrypted draft: loaded once
// with the thread, saved after a short pause in typing, and saved again when the
// conversation closes (another patient opened, tab changed, app locked).
import { type RefObject, useCallback, useEffect, useRef, useState } from 'react';

import { clinic } from '../../lib/api';
import { MAX_BODY_CHARS } from '../../../../shared/protocol/delivery';

const saveDelayMs = 600;
/** The longest text main keeps as a draft. */
const maxDraft = MAX_BODY_CHARS;

export type DraftStatus = 'idle' | 'saving' | 'saved' | 'failed';

export type Draft = {
  readonly text: string;
  /** The text now, for callbacks that run after a render. */
  readonly textRef: RefObject<string>;
  readonly status: DraftStatus;
  setText(text: string): void;
  /** The draft main kept; only the first call counts, so a refetch never overwrites typing. */
  loadDraft(text: string): void;
  /** Empties the composer and the saved draft at once (after a send). */
  clear(): void;
};

export function useDraft(patientId: string): Draft {
  const [text, setTextState] = useState('');
  const [ready, setReady] = useState(false);
  const [status, setStatus] = useState<DraftStatus>('idle');
  const textRef = useRef('');
  const saved = useRef('');
  const loaded = useRef(false);

  const setText = useCallback((next: string) => {
    textRef.current = next;
    setTextState(next);
    setStatus('idle');
  }, []);

  const loadDraft = useCallback(
    (draft: string) => {
      if (loaded.current) return;
      loaded.current = true;
      saved.current = draft;
      textRef.current = draft;
      setTextState(draft);
      setReady(true);
    },
    [],
  );

  const save = useCallback(
    async (value: string, quiet = false) => {
      if (value.length > maxDraft) return;
      saved.current = value;
      if (!quiet) setStatus('saving');
      const result = await clinic().inbox['save-draft']({ patientId, text: value });
      if (textRef.current !== value) return;
      if (result.ok) setStatus(quiet ? 'idle' : 'saved');
      else {
        saved.current = '\u0000not saved';
        setStatus('failed');
      }
    },
    [patientId],
  );

  useEffect(() => {
    if (!ready || text === saved.current) return;
    const timer = window.setTimeout(() => void save(text), saveDelayMs);
    return () => window.clearTimeout(timer);
  }, [text, ready, save]);

  // Leaving the conversation: keep what was typed since the last save.
  useEffect(() => {
    const savedRef = saved;
    const current = textRef;
    const wasLoaded = loaded;
    return () => {
      if (wasLoaded.current && current.current !== savedRef.current && current.current.length <= maxDraft) {
        void clinic().inbox['save-draft']({ patientId, text: current.current });
      }
    };
  }, [patientId]);

  const clear = useCallback(() => {
    textRef.current = '';
    setTextState('');
    setStatus('idle');
    void save('', true);
  }, [save]);

  return { text, textRef, status, setText, loadDraft, clear };
}
