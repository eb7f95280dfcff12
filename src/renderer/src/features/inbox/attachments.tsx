// Runs in the renderer: DOM only, no Node.
// Files in the thread (ADR 19). A file is decrypted in main, in memory, and reaches this page
// only to be shown: an image from a blob: URL (the only kind of URL the page's content policy
// lets an image come from besides its own), with a zoomed view; a PDF in the viewer, which
// draws its pages on canvases and runs nothing from the file. Nothing is written to disk
// except a copy the clinician saves, where they choose, which the audit trail records.
import { type JSX, lazy, Suspense, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';

import { formatFileSize } from '../../../../shared/file-size';
import type { AttachmentLimits, AttachmentView } from '../../../../shared/inbox';
import { Button } from '../../components/button';
import { Dialog } from '../../components/dialog';
import { useToast } from '../../components/toast';
import { clinic } from '../../lib/api';
import { errorText } from '../../lib/i18n';

const PdfPages = lazy(() => import('./pdf-pages'));

/** Bytes from main's base64, for a Blob. */
export function bytesOf(data: string): Uint8Array<ArrayBuffer> {
  const text = atob(data);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i += 1) bytes[i] = text.charCodeAt(i);
  return bytes;
}

/** A file picked or dropped, as base64 for main (read by the browser, off the main thread). */
export function base64Of(file: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => {
      const url = String(reader.result);
      resolve(url.slice(url.indexOf(',') + 1));
    };
    reader.onerror = () => reject(reader.error ?? new Error('unreadable'));
    reader.readAsDataURL(file);
  });
}


/** The `accept` list of the file picker, from the clinic's limits. */
export const acceptOf = (limits: AttachmentLimits): string =>
  limits.types.flatMap((type) => (type === 'image/jpeg' ? ['image/jpeg', '.jpg', '.jpeg'] : type === 'image/png' ? ['image/png', '.png'] : type === 'image/heic' ? ['image/heic', '.heic', '.heif'] : ['application/pdf', '.pdf'])).join(',');

type Opened = { readonly url: string; readonly type: AttachmentView['type']; readonly bytes: Uint8Array<ArrayBuffer> };

/** Asks main for a file's bytes once, and revokes the blob: URL when the file leaves the screen. */
function useOpened(attachment: AttachmentView, wanted: boolean): { opened: Opened | null; failed: string | null } {
  const { t } = useTranslation();
  const [opened, setOpened] = useState<Opened | null>(null);
  const [failed, setFailed] = useState<string | null>(null);
  useEffect(() => {
    if (!wanted || attachment.state !== 'ready' && attachment.state !== 'staged') return;
    let url: string | null = null;
    let live = true;
    void clinic()
      .inbox.attachment({ attachmentId: attachment.attachmentId })
      .then((result) => {
        if (!live) return;
        if (!result.ok) return setFailed(result.error.fields?.attachment === 'unverified' ? t('inbox.files.unverified') : errorText(t, result.error));
        const bytes = bytesOf(result.value.data);
        url = URL.createObjectURL(new Blob([bytes], { type: result.value.type }));
        setOpened({ url, type: result.value.type, bytes });
      });
    return () => {
      live = false;
      if (url) URL.revokeObjectURL(url);
    };
  }, [attachment.attachmentId, attachment.state, wanted, t]);
  return { opened, failed };
}

function SaveCopy({ attachment }: Readonly<{ attachment: AttachmentView }>) {
  const { t } = useTranslation();
  const toast = useToast();
  const [busy, setBusy] = useState(false);
  return (
    <Button
      variant="quiet"
      busy={busy}
      aria-label={t('inbox.files.saveLabel', { name: attachment.name })}
      onClick={async () => {
        setBusy(true);
        const result = await clinic().inbox['save-attachment']({ attachmentId: attachment.attachmentId });
        setBusy(false);
        if (!result.ok) return toast.show('error', errorText(t, result.error));
        if (result.value.saved) toast.show('info', t('inbox.files.saved', { name: attachment.name }));
      }}
    >
      {t('inbox.files.save')}
    </Button>
  );
}

function ImageFile({ attachment }: Readonly<{ attachment: AttachmentView }>) {
  const { t } = useTranslation();
  const { opened, failed } = useOpened(attachment, true);
  const [zoomed, setZoomed] = useState(false);
  if (failed) return <p className="inbox-file__problem">{failed}</p>;
  if (!opened) return <p className="inbox-file__status">{t('inbox.files.opening')}</p>;
  return (
    <>
      <button type="button" className="inbox-file__thumb" onClick={() => setZoomed(true)} aria-label={t('inbox.files.zoom', { name: attachment.name })}>
        <img src={opened.url} alt={t('inbox.files.imageAlt', { name: attachment.name })} />
      </button>
      <Dialog
        open={zoomed}
        title={attachment.name}
        onClose={() => setZoomed(false)}
        footer={
          <>
            <SaveCopy attachment={attachment} />
            <Button variant="primary" onClick={() => setZoomed(false)}>
              {t('inbox.files.close')}
            </Button>
          </>
        }
      >
        <div className="inbox-file__zoom">
          <img src={opened.url} alt={t('inbox.files.imageAlt', { name: attachment.name })} />
        </div>
      </Dialog>
    </>
  );
}

function PdfFile({ attachment }: Readonly<{ attachment: AttachmentView }>) {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  const { opened, failed } = useOpened(attachment, open);
  return (
    <>
      <Button variant="secondary" onClick={() => setOpen(true)} aria-label={t('inbox.files.openLabel', { name: attachment.name })}>
        {t('inbox.files.open')}
      </Button>
      <Dialog
        open={open}
        title={attachment.name}
        onClose={() => setOpen(false)}
        footer={
          <>
            <SaveCopy attachment={attachment} />
            <Button variant="primary" onClick={() => setOpen(false)}>
              {t('inbox.files.close')}
            </Button>
          </>
        }
      >
        {failed ? <p className="inbox-file__problem">{failed}</p> : null}
        {open && opened ? (
          <Suspense fallback={<p className="inbox-file__status">{t('inbox.files.opening')}</p>}>
            <PdfPages bytes={opened.bytes} name={attachment.name} />
          </Suspense>
        ) : !failed ? (
          <p className="inbox-file__status">{t('inbox.files.opening')}</p>
        ) : null}
      </Dialog>
    </>
  );
}

/** The files of one message in the thread. */
export function MessageFiles({ attachments }: Readonly<{ attachments: readonly AttachmentView[] }>): JSX.Element | null {
  const { t, i18n } = useTranslation();
  if (attachments.length === 0) return null;
  return (
    <ul className="inbox-files" aria-label={t('inbox.files.label', { count: String(attachments.length) })}>
      {attachments.map((a) => (
        <li key={a.attachmentId} className={`inbox-file inbox-file--${a.state}`} data-testid="attachment" data-state={a.state} data-type={a.type}>
          <p className="inbox-file__name">
            <FileIcon type={a.type} />
            <span className="inbox-file__title">{a.name}</span>
            <span className="inbox-file__size">{formatFileSize(a.size, i18n.language)}</span>
          </p>
          {a.state === 'unverified' ? (
            <p className="inbox-file__problem" role="note">
              {t('inbox.files.unverified')}
            </p>
          ) : a.state === 'fetching' ? (
            <p className="inbox-file__status" role="status">
              <span className="spinner" aria-hidden="true" /> {t('inbox.files.fetching')}
            </p>
          ) : a.type === 'application/pdf' || a.type === 'image/heic' ? (
            <div className="inbox-file__actions">
              {a.type === 'application/pdf' ? <PdfFile attachment={a} /> : null}
              <SaveCopy attachment={a} />
            </div>
          ) : (
            <ImageFile attachment={a} />
          )}
        </li>
      ))}
    </ul>
  );
}

function FileIcon({ type }: Readonly<{ type: AttachmentView['type'] }>) {
  return (
    <svg className="inbox-file__icon" viewBox="0 0 16 16" aria-hidden="true" focusable="false">
      {type === 'application/pdf' ? (
        <path d="M4 1.5h5l3.5 3.5v9.5h-8.5zM9 1.5v3.5h3.5M6 9h4M6 11.5h4" fill="none" stroke="currentColor" strokeWidth="1.3" strokeLinejoin="round" />
      ) : (
        <path d="M2 3h12v10H2zM2 11l3.5-3.5 3 3 2-2L14 12M10.5 6.2a1 1 0 1 0 0-.01" fill="none" stroke="currentColor" strokeWidth="1.3" strokeLinejoin="round" />
      )}
    </svg>
  );
}

/** Files attached in the composer, not sent yet: each one can be taken off. */
export function StagedFiles({ files, onRemove }: Readonly<{ files: readonly AttachmentView[]; onRemove: (file: AttachmentView) => void }>): JSX.Element | null {
  const { t, i18n } = useTranslation();
  if (files.length === 0) return null;
  return (
    <ul className="inbox-staged" aria-label={t('inbox.files.attached', { count: String(files.length) })}>
      {files.map((f) => (
        <li key={f.attachmentId} className="inbox-staged__file" data-testid="staged-file">
          <FileIcon type={f.type} />
          <span className="inbox-file__title">{f.name}</span>
          <span className="inbox-file__size">{formatFileSize(f.size, i18n.language)}</span>
          <Button variant="quiet" aria-label={t('inbox.files.removeLabel', { name: f.name })} onClick={() => onRemove(f)}>
            {t('inbox.files.remove')}
          </Button>
        </li>
      ))}
    </ul>
  );
}
