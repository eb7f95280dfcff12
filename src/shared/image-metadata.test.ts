import { describe, expect, it } from 'vitest';

import { TINY_JPEG, exifTiff, jpegWithGps } from '../../tests/support/exif';
import { findMetadata, stripMetadata } from './image-metadata';

const crc32 = (bytes: Uint8Array): number => {
  let c = ~0;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k += 1) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return ~c >>> 0;
};
const chunk = (type: string, data: Uint8Array): Uint8Array => {
  const body = new Uint8Array([...Array.from(type, (c) => c.charCodeAt(0)), ...data]);
  const crc = crc32(body);
  const len = data.length;
  return new Uint8Array([(len >>> 24) & 255, (len >>> 16) & 255, (len >>> 8) & 255, len & 255, ...body, (crc >>> 24) & 255, (crc >>> 16) & 255, (crc >>> 8) & 255, crc & 255]);
};
const png = (...chunks: Uint8Array[]): Uint8Array => {
  const parts = [new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), ...chunks];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};
const text = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

describe('photo metadata', () => {
  it('finds the EXIF GPS directory, the XMP and the comment in a JPEG, and removes them all', () => {
    const tagged = jpegWithGps(TINY_JPEG);
    expect(findMetadata(tagged)).toEqual({ exif: true, gps: true, other: true });
    const clean = stripMetadata(tagged) as Uint8Array;
    expect(findMetadata(clean)).toEqual({ exif: false, gps: false, other: false });
    // Only the metadata went: the rest is byte for byte the original.
    expect(clean).toEqual(TINY_JPEG);
    expect(new TextDecoder('latin1').decode(clean)).not.toMatch(/Exif|GPS|PhoneCam|taken at home/);
  });

  it('finds and removes eXIf and text chunks in a PNG', () => {
    const ihdr = chunk('IHDR', new Uint8Array([0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0]));
    const idat = chunk('IDAT', new Uint8Array([0x78, 0x9c, 0x63, 0x60, 0, 0, 0, 2, 0, 1]));
    const iend = chunk('IEND', new Uint8Array(0));
    const tagged = png(ihdr, chunk('eXIf', exifTiff()), chunk('tEXt', text('Comment\u0000kitchen')), idat, iend);
    expect(findMetadata(tagged)).toEqual({ exif: true, gps: true, other: true });
    const clean = stripMetadata(tagged) as Uint8Array;
    expect(clean).toEqual(png(ihdr, idat, iend));
    expect(findMetadata(clean)).toEqual({ exif: false, gps: false, other: false });
  });

  it('returns null for what it cannot read', () => {
    expect(stripMetadata(text('%PDF-1.4'))).toBeNull();
    expect(stripMetadata(new Uint8Array([0xff, 0xd8, 0xff, 0xe1, 0xff, 0xff]))).toBeNull();
  });
});
