// Runs in the renderer: DOM only, no Node.
// The PDF viewer (ADR 19), loaded only when a PDF is opened. pdf.js parses the file in its
// own worker and draws each page on a canvas: no plugin, no script from the file (scripting
// and eval are off), no fonts or links loaded from outside, no network.
import { type JSX, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { GlobalWorkerOptions, getDocument } from 'pdfjs-dist';
import workerUrl from 'pdfjs-dist/build/pdf.worker.min.mjs?url';

GlobalWorkerOptions.workerSrc = workerUrl;

const MAX_PAGES = 50;

export default function PdfPages({ bytes, name }: Readonly<{ bytes: Uint8Array; name: string }>): JSX.Element {
  const { t } = useTranslation();
  const holder = useRef<HTMLDivElement>(null);
  const [state, setState] = useState<{ kind: 'loading' } | { kind: 'ready'; pages: number; shown: number } | { kind: 'failed' }>({ kind: 'loading' });

  useEffect(() => {
    let cancelled = false;
    // pdf.js takes ownership of the buffer it is given: hand it a copy.
    const task = getDocument({ data: bytes.slice(), isEvalSupported: false, enableXfa: false, disableFontFace: true, stopAtErrors: false });
    void (async () => {
      try {
        const pdf = await task.promise;
        const shown = Math.min(pdf.numPages, MAX_PAGES);
        const el = holder.current;
        if (!el || cancelled) return;
        el.replaceChildren();
        for (let n = 1; n <= shown && !cancelled; n += 1) {
          const page = await pdf.getPage(n);
          const viewport = page.getViewport({ scale: 1.25 });
          const canvas = document.createElement('canvas');
          canvas.width = Math.floor(viewport.width);
          canvas.height = Math.floor(viewport.height);
          canvas.className = 'pdf-page';
          canvas.setAttribute('role', 'img');
          canvas.setAttribute('aria-label', t('inbox.files.pdfPage', { page: String(n), pages: String(pdf.numPages), name }));
          el.append(canvas);
          await page.render({ canvas, viewport }).promise;
        }
        if (!cancelled) setState({ kind: 'ready', pages: pdf.numPages, shown });
      } catch {
        if (!cancelled) setState({ kind: 'failed' });
      }
    })();
    return () => {
      cancelled = true;
      void task.destroy();
    };
  }, [bytes, name, t]);

  return (
    <div className="pdf-viewer" data-testid="pdf-viewer" data-state={state.kind}>
      {state.kind === 'loading' ? <p className="inbox-file__status">{t('inbox.files.opening')}</p> : null}
      {state.kind === 'failed' ? <p className="inbox-file__problem">{t('inbox.files.pdfFailed')}</p> : null}
      {state.kind === 'ready' && state.shown < state.pages ? <p className="inbox-file__status">{t('inbox.files.pdfMore', { shown: String(state.shown), pages: String(state.pages) })}</p> : null}
      <div ref={holder} className="pdf-viewer__pages" />
    </div>
  );
}
