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

/** A valid one-page PDF (correct cross-reference table) showing `lines` in Helvetica. */
export function simplePdf(lines: readonly string[]): Uint8Array {
  const escape = (text: string) => text.replace(/[\\()]/g, (c) => `\\${c}`);
  const content = ['BT', '/F1 16 Tf', '72 720 Td', '22 TL', ...lines.map((line) => `(${escape(line)}) '`), 'ET'].join('\n');
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>',
    `<< /Length ${content.length} >>\nstream\n${content}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let out = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(out.length);
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = out.length;
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return new TextEncoder().encode(out);
}

/** `size` bytes that start like a PDF, with a readable sample of at least 16 characters inside. */
export function fakePdf(size: number, sample: string): Uint8Array {
  const bytes = fakeJpeg(size, sample);
  bytes.set(new TextEncoder().encode('%PDF-1.7\n'), 0);
  return bytes;
}
