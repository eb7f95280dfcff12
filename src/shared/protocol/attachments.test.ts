import sodium from 'libsodium-wrappers-sumo';
import { beforeAll, describe, expect, it } from 'vitest';

import {
  ATTACHMENT_CHUNK_BYTES,
  AttachmentError,
  attachmentSchema,
  chunkCount,
  cleanFileName,
  createChunkOpener,
  defaultAttachmentRules,
  fileProblem,
  openAll,
  sealAll,
  sniffType,
} from './attachments';
import { formatBody, parseBody } from './message-body';

beforeAll(async () => {
  await sodium.ready;
});

const random = (n: number): Uint8Array => {
  const out = new Uint8Array(n);
  for (let at = 0; at < n; at += 65536) crypto.getRandomValues(out.subarray(at, Math.min(n, at + 65536)));
  return out;
};
const blobId = 'b' + 'x'.repeat(30);
const unverified = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(AttachmentError);
    expect((error as AttachmentError).code).toBe('unverified');
    expect((error as Error).message).toBe('The attachment could not be verified.');
    return;
  }
  throw new Error('expected the attachment to be refused');
};

describe('sealing a file in chunks', () => {
  it('opens what it sealed, for sizes around the chunk boundaries', () => {
    for (const size of [1, 100, ATTACHMENT_CHUNK_BYTES - 1, ATTACHMENT_CHUNK_BYTES, ATTACHMENT_CHUNK_BYTES + 1, 3 * ATTACHMENT_CHUNK_BYTES + 5]) {
      const bytes = random(size);
      const { ref, chunks } = sealAll(sodium, blobId, bytes, 'rash.jpg', 'image/jpeg');
      expect(ref.chunks).toBe(chunkCount(size));
      expect(chunks).toHaveLength(ref.chunks);
      expect(ref.size).toBe(size);
      expect(attachmentSchema.parse(ref)).toEqual(ref);
      expect(openAll(sodium, ref, chunks)).toEqual(bytes);
    }
  });

  it('uses a fresh key and stream header for each file', () => {
    const bytes = random(1000);
    const a = sealAll(sodium, blobId, bytes, 'a.pdf', 'application/pdf');
    const b = sealAll(sodium, blobId, bytes, 'a.pdf', 'application/pdf');
    expect(a.ref.key).not.toBe(b.ref.key);
    expect(a.ref.header).not.toBe(b.ref.header);
    expect(a.ref.sha256).toBe(b.ref.sha256);
    expect(a.chunks[0]).not.toEqual(b.chunks[0]);
  });

  it('refuses an empty file', () => {
    expect(() => sealAll(sodium, blobId, new Uint8Array(0), 'empty.pdf', 'application/pdf')).toThrow(/empty/);
  });
});

describe('opening refuses anything changed', () => {
  const bytes = random(3 * ATTACHMENT_CHUNK_BYTES + 10);
  const sealed = () => sealAll(sodium, blobId, bytes, 'wound.png', 'image/png');

  it('a flipped bit in any chunk', () => {
    const { ref, chunks } = sealed();
    for (let i = 0; i < chunks.length; i += 1) {
      const copy = chunks.map((c) => new Uint8Array(c));
      const target = copy[i] as Uint8Array;
      target[7] = (target[7] as number) ^ 1;
      unverified(() => openAll(sodium, ref, copy));
    }
  });

  it('chunks swapped or one left out', () => {
    const { ref, chunks } = sealed();
    unverified(() => openAll(sodium, ref, [chunks[1], chunks[0], chunks[2], chunks[3]] as Uint8Array[]));
    unverified(() => openAll(sodium, { ...ref, chunks: 3 }, [chunks[0], chunks[1], chunks[3]] as Uint8Array[]));
    unverified(() => openAll(sodium, ref, chunks.slice(0, 3)));
  });

  it('a stream cut before its final chunk, even when the reference agrees', () => {
    const { ref, chunks } = sealed();
    const short = { ...ref, chunks: 3, size: 3 * ATTACHMENT_CHUNK_BYTES };
    unverified(() => openAll(sodium, short, chunks.slice(0, 3)));
  });

  it('a chunk from another file or another blob id', () => {
    const { ref, chunks } = sealed();
    const other = sealAll(sodium, blobId, bytes, 'wound.png', 'image/png');
    unverified(() => openAll(sodium, ref, [chunks[0], other.chunks[1], chunks[2], chunks[3]] as Uint8Array[]));
    unverified(() => openAll(sodium, { ...ref, blobId: 'b' + 'y'.repeat(30) }, chunks));
  });

  it('a wrong hash, size or key in the reference', () => {
    const { ref, chunks } = sealed();
    const other = sealAll(sodium, blobId, random(10), 'x.png', 'image/png').ref;
    unverified(() => openAll(sodium, { ...ref, sha256: other.sha256 }, chunks));
    unverified(() => openAll(sodium, { ...ref, size: ref.size - 1 }, chunks));
    unverified(() => openAll(sodium, { ...ref, key: other.key }, chunks));
    unverified(() => openAll(sodium, { ...ref, header: other.header }, chunks));
  });

  it('chunks out of order on the streaming opener', () => {
    const { ref, chunks } = sealed();
    const opener = createChunkOpener(sodium, ref);
    opener.open(chunks[0] as Uint8Array, 0);
    unverified(() => opener.open(chunks[2] as Uint8Array, 2));
  });

  it('finishing before the last chunk', () => {
    const { ref, chunks } = sealed();
    const opener = createChunkOpener(sodium, ref);
    opener.open(chunks[0] as Uint8Array, 0);
    unverified(() => opener.finish());
  });
});

describe('the message body carries the references', () => {
  it('round-trips, and refuses the same blob twice', () => {
    const { ref } = sealAll(sodium, blobId, random(10), 'a.pdf', 'application/pdf');
    const body = formatBody({ text: '', urgent: false, attachments: [ref] });
    expect(parseBody(body)).toEqual({ text: '', urgent: false, attachments: [ref] });
    const twice = body.replace(/"attachments":\[(.*)\]/, (_, one: string) => `"attachments":[${one},${one}]`);
    expect(parseBody(twice)).toBeNull();
    expect(parseBody(body.replace('"type":"application/pdf"', '"type":"text/html"'))).toBeNull();
  });
});

describe('the type comes from the bytes', () => {
  const enc = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
  it('knows JPEG, PNG, PDF and HEIC, and nothing else', () => {
    expect(sniffType(Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0, 0]))).toBe('image/jpeg');
    expect(sniffType(Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0]))).toBe('image/png');
    expect(sniffType(enc('%PDF-1.7\n'))).toBe('application/pdf');
    expect(sniffType(enc('\u0000\u0000\u0000\u0018ftypheic\u0000\u0000'))).toBe('image/heic');
    expect(sniffType(enc('\u0000\u0000\u0000\u0018ftypmp42\u0000\u0000'))).toBeNull();
    expect(sniffType(enc('<html><script>'))).toBeNull();
    expect(sniffType(enc('MZ\u0090\u0000'))).toBeNull();
    expect(sniffType(new Uint8Array(0))).toBeNull();
  });

  it('checks the rules: types, size, count, empty', () => {
    const rules = { ...defaultAttachmentRules, types: ['image/jpeg' as const], maxMegabytes: 1, perMessage: 2 };
    expect(fileProblem(rules, { type: 'image/jpeg', size: 10 }, 0)).toBeNull();
    expect(fileProblem(rules, { type: 'application/pdf', size: 10 }, 0)).toBe('wrong-type');
    expect(fileProblem(rules, { type: null, size: 10 }, 0)).toBe('wrong-type');
    expect(fileProblem(rules, { type: 'image/jpeg', size: 1024 * 1024 + 1 }, 0)).toBe('too-big');
    expect(fileProblem(rules, { type: 'image/jpeg', size: 0 }, 0)).toBe('empty');
    expect(fileProblem(rules, { type: 'image/jpeg', size: 10 }, 2)).toBe('too-many');
  });
});

describe('file names are made safe', () => {
  it('drops folders, control and direction characters, and keeps the real extension', () => {
    expect(cleanFileName('../../etc/passwd', 'application/pdf')).toBe('passwd.pdf');
    expect(cleanFileName('C:\\Users\\me\\scan.PDF', 'application/pdf')).toBe('scan.PDF');
    expect(cleanFileName('photo\u0000\u0007\r\n.jpg', 'image/jpeg')).toBe('photo.jpg');
    expect(cleanFileName('invoice\u202egpj.exe', 'image/jpeg')).toBe('invoicegpj.exe.jpg');
    expect(cleanFileName('report.exe', 'application/pdf')).toBe('report.exe.pdf');
    expect(cleanFileName('a<b>c:d"e|f?g*h.png', 'image/png')).toBe('a_b_c_d_e_f_g_h.png');
    expect(cleanFileName('...', 'image/png')).toBe('photo.png');
    expect(cleanFileName('CON.pdf', 'application/pdf')).toBe('_CON.pdf');
    const long = cleanFileName(`${'é'.repeat(500)}.jpg`, 'image/jpeg');
    expect(long.length).toBeLessThanOrEqual(100);
    expect(long.endsWith('.jpg')).toBe(true);
  });
});
