// Runs in the renderer: DOM only, no Node.
// Marking a message of the clinic "sent in error" (ADR 20): a reason and a note. The message
// stays in the record, marked; main tells the patient's portal to hide it and the privacy
// officer gets an incident.
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';

import type { ThreadMessage } from '../../../../shared/inbox';
import { SENT_IN_ERROR_REASONS, type SentInErrorReason } from '../../../../shared/protocol/care-team';
import { Button } from '../../components/button';
import { Dialog } from '../../components/dialog';
import { SelectField } from '../../components/select-field';
import { TextField } from '../../components/text-field';
import { useToast } from '../../components/toast';
import { clinic } from '../../lib/api';
import { errorText } from '../../lib/i18n';

export function SentInErrorDialog({ patientId, message, onClose }: Readonly<{ patientId: string; message: ThreadMessage; onClose: (marked: boolean) => void }>) {
  const { t } = useTranslation();
  const toast = useToast();
  const [reason, setReason] = useState<SentInErrorReason>('wrong-patient');
  const [note, setNote] = useState('');
  const [noteError, setNoteError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event?: FormEvent) => {
    event?.preventDefault();
    if (reason === 'other' && note.trim() === '') return setNoteError(t('inbox.sentInError.noteRequired'));
    setBusy(true);
    const result = await clinic().inbox['sent-in-error']({ patientId, messageId: message.messageId, reason, note });
    setBusy(false);
    if (!result.ok) return toast.show('error', errorText(t, result.error));
    toast.show('success', t('inbox.sentInError.done'));
    onClose(true);
  };
  return (
    <Dialog
      open
      title={t('inbox.sentInError.title')}
      onClose={() => onClose(false)}
      onSubmit={(e) => void submit(e)}
      footer={
        <>
          <Button variant="quiet" onClick={() => onClose(false)}>
            {t('common.cancel')}
          </Button>
          <Button variant="danger" type="submit" busy={busy}>
            {t('inbox.sentInError.confirm')}
          </Button>
        </>
      }
    >
      <p>{t('inbox.sentInError.intro')}</p>
      <blockquote className="inbox-msg__quote">{message.body || t('inbox.sentInError.filesOnly')}</blockquote>
      <SelectField label={t('inbox.sentInError.reason')} value={reason} options={SENT_IN_ERROR_REASONS.map((r) => ({ value: r, label: t(`inbox.sentInError.reasons.${r}`) }))} onChange={setReason} />
      <TextField
        label={t('inbox.sentInError.note')}
        hint={t('inbox.sentInError.noteHint')}
        value={note}
        maxLength={500}
        onChange={(e) => {
          setNote(e.target.value);
          setNoteError(null);
        }}
        error={noteError}
      />
    </Dialog>
  );
}
