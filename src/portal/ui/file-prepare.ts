// Runs in the portal (browser): a file the patient picked, made ready to leave. Its type is
// read from its first bytes, never its name. A photo is decoded and drawn again upright on a
// canvas, which applies the EXIF orientation and leaves every tag behind (GPS, camera, time);
// the result is checked once more at the byte level. A PDF leaves as it is.
import { type AttachmentRules, type AttachmentType, cleanFileName, fileProblem, sniffType } from '../../shared/protocol/attachments';
import { findMetadata, stripMetadata } from '../../shared/image-metadata';
import { type OutgoingFile } from '../client/patient-client';
import { type FileRefusal } from '../client/portal-types';

export type PreparedFile = OutgoingFile & { readonly id: string; readonly preview: string | null; readonly blob: Blob };

export class FileRefused extends Error {
  constructor(readonly reason: FileRefusal) {
    super(reason);
    this.name = 'FileRefused';
  }
}

const fromBlob = async (blob: Blob): Promise<Uint8Array> => new Uint8Array(await blob.arrayBuffer());

/** Decodes and draws the photo upright; JPEG at a quality that keeps detail, PNG as PNG. */
async function reencode(file: Blob, type: 'image/jpeg' | 'image/png'): Promise<Blob> {
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' });
  } catch {
    throw new FileRefused('not-decodable');
  }
  try {
    const canvas = document.createElement('canvas');
    canvas.width = bitmap.width;
    canvas.height = bitmap.height;
    const context = canvas.getContext('2d');
    if (!context) throw new FileRefused('unreadable');
    context.drawImage(bitmap, 0, 0);
    const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, type, 0.92));
    if (!blob) throw new FileRefused('unreadable');
    return blob;
  } finally {
    bitmap.close();
  }
}

const withExtension = (name: string, type: AttachmentType): string => cleanFileName(name.replace(/\.(heic|heif)$/i, ''), type);

/** Checks and cleans one file; throws FileRefused with the reason to show. */
export async function prepareFile(file: File, rules: AttachmentRules, alreadyAttached: number): Promise<PreparedFile> {
  const head = await fromBlob(file.slice(0, 32));
  const sniffed = sniffType(head);
  const problem = fileProblem(rules, { type: sniffed, size: file.size }, alreadyAttached);
  if (problem) throw new FileRefused(problem);
  const type = sniffed as AttachmentType;
  let blob: Blob = file;
  let sent: AttachmentType = type;
  if (type !== 'application/pdf') {
    // HEIC becomes JPEG: a browser that can decode it draws it; one that cannot refuses it.
    sent = type === 'image/png' ? 'image/png' : 'image/jpeg';
    const drawn = await reencode(file, sent);
    let bytes = await fromBlob(drawn);
    // A second guard: whatever a browser's encoder might write, no metadata leaves.
    const found = findMetadata(bytes);
    if (found.exif || found.gps || found.other) bytes = stripMetadata(bytes) ?? bytes;
    blob = new Blob([bytes as Uint8Array<ArrayBuffer>], { type: sent });
    // Drawn again, a photo may grow: the size limit applies to what leaves.
    const again = fileProblem(rules, { type, size: blob.size }, alreadyAttached);
    if (again) throw new FileRefused(again);
  }
  const preview = sent === 'application/pdf' ? null : URL.createObjectURL(blob);
  return {
    id: `${Date.now()}-${Math.random().toString(36).slice(2)}`,
    name: withExtension(file.name, sent),
    type: sent,
    size: blob.size,
    preview,
    blob,
    read: async (from, to) => fromBlob(blob.slice(from, to)),
  };
}
