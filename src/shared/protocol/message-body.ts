// Runs anywhere: what a message body holds inside its encryption (ADR 13). A body is UTF-8
// text; a body that carries marks (today: "urgent", set when the patient sent it anyway past
// the emergency screen) starts with a NUL, a version tag and a NUL, then canonical JSON. Text
// never holds a NUL, so the two cannot be confused; the relay sees neither.
import { z } from 'zod';

import { type AttachmentRef, MAX_ATTACHMENTS_PER_MESSAGE, attachmentSchema } from './attachments';
import { idSchema } from './fields';

const TAG = '\u0000cm-body/1\u0000';

const instant = z.number().int().min(0).max(8_640_000_000_000_000).nullable();
const marked = z.strictObject({
  text: z.string(),
  urgent: z.boolean(),
  /** Written while the clinic was closed: the portal showed its automatic notice with these instants. */
  outOfHours: z.strictObject({ reopensAt: instant, replyDueAt: instant }).optional(),
  /** Files sent with the message (ADR 19): each one's key and hash, for the two ends only. */
  attachments: z.array(attachmentSchema).min(1).max(MAX_ATTACHMENTS_PER_MESSAGE).optional(),
  /** The clinic marks an earlier message of its own as sent in error (ADR 20): the portal hides that body. This message has no text. */
  sentInError: z.strictObject({ messageId: idSchema }).optional(),
});

export type OutOfHoursMark = { readonly reopensAt: number | null; readonly replyDueAt: number | null };
export type MessageContent = {
  readonly text: string;
  readonly urgent: boolean;
  readonly outOfHours?: OutOfHoursMark | undefined;
  readonly attachments?: readonly AttachmentRef[] | undefined;
  readonly sentInError?: { readonly messageId: string } | undefined;
};

/** The string to encrypt for this content (plain text when it carries no mark). */
export function formatBody(content: MessageContent): string {
  const text = content.text.replace(/\u0000/g, '');
  const attachments = content.attachments?.length ? content.attachments : undefined;
  if (!content.urgent && !content.outOfHours && !attachments && !content.sentInError) return text;
  return `${TAG}${JSON.stringify({
    text,
    urgent: content.urgent,
    ...(content.outOfHours ? { outOfHours: content.outOfHours } : {}),
    ...(attachments ? { attachments } : {}),
    ...(content.sentInError ? { sentInError: { messageId: content.sentInError.messageId } } : {}),
  })}`;
}

/** The content of a decrypted, decoded body; null when it is marked but malformed. */
export function parseBody(decoded: string): MessageContent | null {
  if (!decoded.startsWith(TAG)) return decoded.includes('\u0000') ? null : { text: decoded, urgent: false };
  try {
    const parsed = marked.safeParse(JSON.parse(decoded.slice(TAG.length)));
    if (!parsed.success || parsed.data.text.includes('\u0000')) return null;
    // A "sent in error" mark carries nothing else: no text, no files.
    if (parsed.data.sentInError && (parsed.data.text !== '' || parsed.data.attachments || parsed.data.urgent)) return null;
    const blobIds = new Set(parsed.data.attachments?.map((a) => a.blobId));
    return blobIds.size === (parsed.data.attachments?.length ?? 0) ? parsed.data : null;
  } catch {
    return null;
  }
}
