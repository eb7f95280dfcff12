// The relay store's migrations, in order; one file each, with a test per migration in
// sqlite-store.test.ts. Shipped migrations are never edited: fix forward with a new one.
import { migration0001 } from './0001-initial';
import { migration0002 } from './0002-patient-withdrawals';
import { migration0003 } from './0003-patient-cards';
import { migration0004 } from './0004-short-codes';
import { migration0005 } from './0005-staff-alerts';
import { migration0006 } from './0006-care-team-events';
import { migration0007 } from './0007-attachment-blobs';
import { migration0008 } from './0008-audit-log';
import { type Migration } from './migration';

export const migrations: readonly Migration[] = [migration0001, migration0002, migration0003, migration0004, migration0005, migration0006, migration0007, migration0008];
