// Runs in the portal: photos and files in the conversation (ADR 19). In the composer, when
// the clinic's signed rules accept files from patients and the patient agreed to them: the
// camera and the photo library on a phone, a file picker and drag and drop on a computer, a
// preview of exactly what will leave (drawn again, without its metadata), and a way to take
// it off. In the conversation, each file the clinic sent has a download button; it is
// fetched, opened and checked on this device before it is offered.
import { type DragEvent, useId, useState } from 'react';

import { type PatientClient, type PortalMessage, PortalError } from '../client/patient-client';
import { type FileRefusal } from '../client/portal-types';
import { formatFileSize } from '../../shared/file-size';
import { type AttachmentRef } from '../../shared/protocol/attachments';
import { type MessageKey } from '../i18n/catalog';
import { useI18n } from './i18n';
import { FileRefused, type PreparedFile, prepareFile } from './file-prepare';

export const refusalKey = (reason: FileRefusal): MessageKey => `fileRefused_${reason.replace(/-/g, '_')}` as MessageKey;

const formatSize = (bytes: number, language: string): string => formatFileSize(bytes, language === 'fr' ? 'fr-CA' : 'en-CA');

const ACCEPT = 'image/jpeg,image/png,image/heic,image/heif,application/pdf,.jpg,.jpeg,.png,.heic,.heif,.pdf';

export function ComposeFiles({
  client,
  files,
  onFiles,
  onError,
  disabled,
}: {
  readonly client: PatientClient;
  readonly files: readonly PreparedFile[];
  readonly onFiles: (files: readonly PreparedFile[]) => void;
  readonly onError: (text: string | null) => void;
  readonly disabled: boolean;
}) {
  const { t, language } = useI18n();
  const ids = { title: useId(), hint: useId(), camera: useId(), picker: useId() };
  const [preparing, setPreparing] = useState(false);
  const [over, setOver] = useState(false);
  const { allowed, rules } = client.attachments();
  const consented = client.snapshot().directory?.rules?.security.patientAttachments === true;

  if (!allowed) {
    return (
      <p className="hint files-off" data-testid="files-off">
        {t(consented ? 'filesNotConsented' : 'filesNotOffered')}
      </p>
    );
  }

  const add = async (picked: readonly File[]) => {
    onError(null);
    setPreparing(true);
    let current = [...files];
    for (const file of picked) {
      try {
        current = [...current, await prepareFile(file, rules, current.length)];
        onFiles(current);
      } catch (error) {
        const reason = error instanceof FileRefused ? error.reason : 'unreadable';
        onError(t(refusalKey(reason), { name: file.name, size: rules.maxMegabytes, count: rules.perMessage }));
        if (reason === 'too-many') break;
      }
    }
    setPreparing(false);
  };

  const remove = (file: PreparedFile) => {
    if (file.preview) URL.revokeObjectURL(file.preview);
    onFiles(files.filter((f) => f.id !== file.id));
  };

  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    setOver(false);
    if (!disabled) void add([...event.dataTransfer.files]);
  };

  return (
    <fieldset
      className={over ? 'files files-over' : 'files'}
      aria-describedby={ids.hint}
      onDragOver={(event) => {
        if (!event.dataTransfer.types.includes('Files')) return;
        event.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={onDrop}
      disabled={disabled}
    >
      <legend id={ids.title}>{t('filesTitle')}</legend>
      <p id={ids.hint} className="hint">
        {t('filesHint', { size: rules.maxMegabytes, count: rules.perMessage })}
      </p>
      <div className="file-buttons">
        <input
          id={ids.camera}
          className="visually-hidden"
          type="file"
          accept="image/*"
          capture="environment"
          data-testid="file-camera"
          onChange={(event) => {
            const picked = [...(event.target.files ?? [])];
            event.target.value = '';
            void add(picked);
          }}
        />
        <label className="button secondary file-button" htmlFor={ids.camera}>
          {t('filesTake')}
        </label>
        <input
          id={ids.picker}
          className="visually-hidden"
          type="file"
          accept={ACCEPT}
          multiple
          data-testid="file-picker"
          onChange={(event) => {
            const picked = [...(event.target.files ?? [])];
            event.target.value = '';
            void add(picked);
          }}
        />
        <label className="button secondary file-button" htmlFor={ids.picker}>
          {t('filesChoose')}
        </label>
      </div>
      <p className="hint drop-hint">{t('filesDrop')}</p>
      {preparing ? (
        <p className="hint" role="status">
          {t('filesPreparing')}
        </p>
      ) : null}
      {files.length > 0 ? (
        <ul className="file-previews">
          {files.map((f) => (
            <li key={f.id} className="file-preview" data-testid="file-preview">
              {f.preview ? <img src={f.preview} alt={t('filesPreviewAlt', { name: f.name })} /> : <span className="file-icon" aria-hidden="true">PDF</span>}
              <span className="file-name">{f.name}</span>
              <span className="file-size">{formatSize(f.size, language)}</span>
              <button type="button" className="secondary" aria-label={t('filesRemoveLabel', { name: f.name })} onClick={() => remove(f)}>
                {t('filesRemove')}
              </button>
            </li>
          ))}
        </ul>
      ) : null}
    </fieldset>
  );
}

function DownloadFile({ client, message, file }: { readonly client: PatientClient; readonly message: PortalMessage; readonly file: AttachmentRef }) {
  const { t, language } = useI18n();
  const [busy, setBusy] = useState<number | null>(null);
  const [problem, setProblem] = useState<MessageKey | null>(null);
  const download = async () => {
    setBusy(0);
    setProblem(null);
    try {
      const { ref, parts } = await client.openAttachment(message.messageId, file.blobId, (done) => setBusy(Math.round((done / file.size) * 100)));
      const url = URL.createObjectURL(new Blob(parts as Uint8Array<ArrayBuffer>[], { type: ref.type }));
      const a = document.createElement('a');
      a.href = url;
      a.download = ref.name;
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
    } catch (error) {
      const code = error instanceof PortalError ? error.code : null;
      setProblem(code === 'unverified' ? 'fileUnverified' : code === 'offline' ? 'fileOffline' : 'fileGone');
    } finally {
      setBusy(null);
    }
  };
  return (
    <li className="message-file" data-testid="message-file">
      <span className="file-name">{file.name}</span>
      <span className="file-size">{formatSize(file.size, language)}</span>
      {message.attachmentsUnverified ? (
        <span className="file-problem">{t('fileUnverified')}</span>
      ) : (
        <button type="button" className="secondary" aria-label={t('fileDownloadLabel', { name: file.name })} onClick={() => void download()} disabled={busy !== null}>
          {busy !== null ? t('fileDownloading', { percent: busy }) : t('fileDownload')}
        </button>
      )}
      {problem ? (
        <span className="file-problem" role="alert">
          {t(problem)}
        </span>
      ) : null}
    </li>
  );
}

/** The files of one message in the conversation. */
export function MessageFiles({ client, message }: { readonly client: PatientClient; readonly message: PortalMessage }) {
  if (!message.attachments?.length) return null;
  return (
    <ul className="message-files">
      {message.attachments.map((file) => (
        <DownloadFile key={file.blobId} client={client} message={message} file={file} />
      ))}
    </ul>
  );
}

