// Runs in main (Node): every schema migration the app knows, oldest first.
import type { Migration } from '../migrations';
import { initialSchema } from './0001-initial';
import { consentCaptureSchema } from './0002-consent-capture';
import { consentTextsSchema } from './0003-consent-texts';
import { dropMessageTablesSchema } from './0004-drop-message-tables';
import { shortCodesSchema } from './0005-short-codes';

/** Append only: a shipped migration is never edited or removed, and versions stay 1..N. */
export const migrations: readonly Migration[] = [initialSchema, consentCaptureSchema, consentTextsSchema, dropMessageTablesSchema, shortCodesSchema];

/** The schema version a database has once this app has opened it. */
export const latestSchemaVersion = migrations.length;
