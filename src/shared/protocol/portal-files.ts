// Runs anywhere: the patient portal the clinic vouches for (ADR 16). The portal build lists
// its files in `/portal-files.json`; the IT admin's computer fetches each file from the
// relay, hashes the bytes itself and signs the hashes into the clinic policy
// (`rules.portal`). Every staff computer then fetches the files now and then and compares.
// A relay that serves other bytes than those vouched for is named, file by file.
import { z } from 'zod';

import { toBase64 } from './encoding';
import { idSchema, timestampSchema } from './fields';
import { type SodiumApi } from './sodium-api';

/** Where the build writes the list of the portal's files (its hashes are never trusted). */
export const PORTAL_FILES_PATH = '/portal-files.json';
/** At most this many files are vouched for, and none larger than this. */
export const MAX_PORTAL_FILES = 200;
export const MAX_PORTAL_FILE_BYTES = 32 * 1024 * 1024;

/** A path the relay serves the portal under: absolute, plain characters, no `..`. */
export const portalPathSchema = z
  .string()
  .regex(/^\/[A-Za-z0-9._/-]{1,200}$/, 'a portal path like /assets/index-AbC123.js')
  .refine((path) => !path.split('/').some((part) => part === '..' || part === '.') && !path.includes('//'), 'a portal path without . or .. parts');

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'a SHA-256 in lowercase hex');

export const portalFileSchema = z.strictObject({ path: portalPathSchema, sha256: sha256Hex, bytes: z.number().int().min(0).max(MAX_PORTAL_FILE_BYTES) });
export type PortalFile = z.infer<typeof portalFileSchema>;

const fileList = z
  .array(portalFileSchema)
  .min(1)
  .max(MAX_PORTAL_FILES)
  .refine((files) => new Set(files.map((f) => f.path)).size === files.length, 'each path once')
  .refine((files) => files.some((f) => f.path === '/index.html'), 'the list includes /index.html');

/** What the build writes to `/portal-files.json`. */
export const portalFileListSchema = z.strictObject({ v: z.literal(1), files: fileList });
export type PortalFileList = z.infer<typeof portalFileListSchema>;

/** What the IT admin's computer signs into the policy: the hashes it computed itself. */
export const portalVouchSchema = z.strictObject({
  files: fileList,
  vouchedAt: timestampSchema,
  /** The IT admin's device that fetched and hashed the files. */
  vouchedBy: idSchema,
});
export type PortalVouch = z.infer<typeof portalVouchSchema>;

/** How a served file differs from the vouched one. */
export type PortalDifference = { readonly path: string; readonly problem: 'changed' | 'missing' };

const HEX = '0123456789abcdef';
export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) out += (HEX[byte >> 4] as string) + (HEX[byte & 15] as string);
  return out;
}

/** SHA-256 of a file's bytes, in lowercase hex. */
export const portalFileHash = (sodium: SodiumApi, bytes: Uint8Array): string => toHex(sodium.crypto_hash_sha256(bytes));

/** The Subresource Integrity value of a file (`sha256-…`), as `index.html` carries it. */
export const subresourceIntegrity = (sodium: SodiumApi, bytes: Uint8Array): string => `sha256-${toBase64(sodium.crypto_hash_sha256(bytes))}`;

/**
 * Compares what was fetched (path → bytes, or null when the relay did not serve it) with the
 * vouched list. `/` must be the same bytes as `/index.html`: a relay could serve another page
 * at the address patients open. Returns the differences, in the vouched order.
 */
export function comparePortal(sodium: SodiumApi, vouched: readonly PortalFile[], fetched: ReadonlyMap<string, Uint8Array | null>): PortalDifference[] {
  const differences: PortalDifference[] = [];
  const expected = new Map(vouched.map((f) => [f.path, f.sha256]));
  const index = expected.get('/index.html');
  const wanted: [string, string | undefined][] = [...vouched.map((f): [string, string] => [f.path, f.sha256]), ['/', index]];
  for (const [path, sha256] of wanted) {
    if (sha256 === undefined) continue;
    const bytes = fetched.get(path);
    if (bytes === undefined || bytes === null) differences.push({ path, problem: 'missing' });
    else if (portalFileHash(sodium, bytes) !== sha256) differences.push({ path, problem: 'changed' });
  }
  return differences;
}

/** The paths a check fetches: every vouched file, and `/`. */
export const portalPathsToFetch = (vouched: readonly PortalFile[]): string[] => [...vouched.map((f) => f.path), '/'];
