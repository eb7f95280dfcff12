// Runs in the renderer: DOM only, no Node.
// The clinic's quick replies on the rules screen (IT admin): a title and a text in English
// and in French for each, with the placeholders the composer fills. Saved with the rules,
// so every clinician's computer offers the same replies.
import { useState } from 'react';
import { useTranslation } from 'react-i18next';

import { quickReplyPlaceholders } from '../../../../shared/quick-replies';
import { Button } from '../../components/button';
import { TextField } from '../../components/text-field';
import { TextArea } from './rules-fields';
import { type FieldErrors, type RulesForm } from './rules-form';

type Replies = RulesForm['quickReplies'];
type Reply = Replies[number];

/** A new reply's id: short, unique in the list. */
function newId(replies: Replies): string {
  for (let n = replies.length + 1; ; n++) {
    const id = `reply-${n}`;
    if (!replies.some((r) => r.id === id)) return id;
  }
}

export function QuickRepliesField({ value, errors, onChange }: Readonly<{ value: Replies; errors: FieldErrors; onChange: (next: Replies) => void }>) {
  const { t } = useTranslation();
  /** Replies added here stay open while they are written. */
  const [added, setAdded] = useState<readonly string[]>([]);
  const message = (field: string) => {
    const error = errors[field];
    return error ? t(`rules.errors.${error.key}`, error.values ?? {}) : null;
  };
  const edit = (index: number, lang: 'en' | 'fr', patch: Partial<Reply['en']>) =>
    onChange(value.map((reply, i) => (i === index ? { ...reply, [lang]: { ...reply[lang], ...patch } } : reply)));
  const listError = message('quickReplies');
  return (
    <fieldset className="card rules-group" aria-describedby="quick-replies-hint">
      <legend>{t('rules.quick.legend')}</legend>
      <p id="quick-replies-hint" className="small muted">
        {t('rules.quick.hint', { names: quickReplyPlaceholders.map((name) => `{${name}}`).join(', ') })}
      </p>
      {listError ? (
        <p role="alert" className="form-error">
          {listError}
        </p>
      ) : null}
      {value.length === 0 ? <p>{t('rules.quick.none')}</p> : null}
      {value.map((reply, index) => {
        const enError = message(`quickReplies.${index}.en`);
        const frError = message(`quickReplies.${index}.fr`);
        return (
          <details key={reply.id} className="rules-urgent" open={added.includes(reply.id) || Boolean(enError ?? frError)}>
            <summary>{reply.en.title.trim() || reply.fr.title.trim() || t('rules.quick.untitled')}</summary>
            <div className="rules-grid">
              {(['en', 'fr'] as const).map((lang) => (
                <div key={lang}>
                  <TextField label={t(`rules.quick.title.${lang}`)} value={reply[lang].title} maxLength={80} onChange={(e) => edit(index, lang, { title: e.target.value })} />
                  <TextArea label={t(`rules.quick.body.${lang}`)} value={reply[lang].body} onChange={(v) => edit(index, lang, { body: v })} error={lang === 'en' ? enError : frError} rows={5} />
                </div>
              ))}
            </div>
            <Button variant="danger" onClick={() => onChange(value.filter((_r, i) => i !== index))}>
              {t('rules.quick.remove', { title: reply.en.title.trim() || reply.fr.title.trim() || t('rules.quick.untitled') })}
            </Button>
          </details>
        );
      })}
      {value.length < 30 ? (
        <Button
          onClick={() => {
            const id = newId(value);
            setAdded((ids) => [...ids, id]);
            onChange([...value, { id, en: { title: '', body: '' }, fr: { title: '', body: '' } }]);
          }}
        >
          {t('rules.quick.add')}
        </Button>
      ) : null}
    </fieldset>
  );
}
