// Test support: files for attachment tests, as the portal's picker hands them over.
import { type OutgoingFile } from '../../src/portal/client/attachments';
import { type AttachmentType } from '../../src/shared/protocol/attachments';

/** A file held in memory, read by ranges as the portal reads a File. */
export const memoryFile = (name: string, type: AttachmentType, bytes: Uint8Array): OutgoingFile => ({
  name,
  type,
  size: bytes.length,
  read: async (from, to) => bytes.slice(from, to),
});

/** `size` bytes that start like a JPEG, with a readable sample of at least 16 characters inside. */
export function fakeJpeg(size: number, sample: string): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let at = 0; at < size; at += 65536) crypto.getRandomValues(bytes.subarray(at, Math.min(size, at + 65536)));
  bytes.set([0xff, 0xd8, 0xff, 0xe0], 0);
  bytes.set(new TextEncoder().encode(sample), Math.floor(size / 2));
  return bytes;
}

/** A small PDF with a readable line. */
export function tinyPdf(line: string): Uint8Array {
  return new TextEncoder().encode(`%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\n% ${line}\ntrailer<</Root 1 0 R>>\n%%EOF\n`);
}
