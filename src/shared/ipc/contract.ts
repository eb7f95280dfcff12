// Runs anywhere: pure TypeScript, no Node, no DOM.
// The one IPC contract. The preload builds the renderer API from `channelNames`, main
// builds its router from `contract`, and tests call that router directly.
import { z } from 'zod';

import { AppInfo } from '../app-info';
import { AuditFilter, ClinicAuditView, auditExportFormats } from '../audit';
import { IncidentList, IncidentUpdate, IncidentView } from '../incidents';
import { ConsentDocumentSchema, ConsentHistory, ConsentRecordInput, ConsentRegisterRow, PatientInput, PatientSummary, ReceiptView, RegisterStatus } from '../consent/ipc';
import { consentRecordSchema } from '../consent/record';
import { identityMethods } from '../consent/types';
import { clinicRulesSchema } from '../protocol/clinic-rules';
import { consentScopeSchema } from '../protocol/documents';
import { idSchema } from '../protocol/fields';
import { ClinicName, ClinicSetUpDetails, ClinicStatus, InviteCode, PersonName, RelayAddress, SetupToken } from '../clinic';
import { DiagnosticsReport } from '../diagnostics';
import {
  BackupInfo,
  BackupSummary,
  DisplayName,
  Passphrase,
  ProfileId,
  ProfileSummary,
  SessionStatus,
  TaskProgress,
} from '../profiles';
import { type Caller, staffRoles, anyUnlocked, clinicians, everyone, itAdmins, registrars, signedOutOnly, staffOnly, unenrolledOnly } from '../roles';
import { InboxChanged, InboxOpen, inboxChannels } from '../inbox';
import { noticeChannels } from '../notices';
import { PortalChanged, PortalStatus } from '../portal-check';
import { AppSettings, SettingsPatch } from '../settings';
import type { ChannelName, DomainOf, EventName, VerbOf } from './channel-names';
import type { IpcResult } from './errors';

export type ChannelSpec<Req extends z.ZodType = z.ZodType, Res extends z.ZodType = z.ZodType> = {
  readonly request: Req;
  readonly response: Res;
  /** Who may call it. `signed-out` means "before any profile is unlocked". */
  readonly roles: readonly Caller[];
};

const noInput = z.object({}).strict();
const StepUpStatus = z.object({ enrolled: z.boolean(), required: z.boolean(), freshUntil: z.number().int().nullable(), recoveryLeft: z.number().int() }).strict();
/** Six digits from the app, or a recovery code (10 letters and digits, a dash allowed). */
const StepUpCode = z.string().trim().min(6, 'too-short').max(20, 'too-long');
const recordRef = z.object({ recordId: idSchema }).strict();
const patientRef = z.object({ patientId: idSchema }).strict();

export const contract = {
  'app:info': { request: noInput, response: AppInfo, roles: everyone },
  'diagnostics:run': { request: noInput, response: DiagnosticsReport, roles: everyone },
  'settings:get': { request: noInput, response: AppSettings, roles: everyone },
  'settings:update': { request: SettingsPatch, response: AppSettings, roles: everyone },
  'profiles:list': { request: noInput, response: z.array(ProfileSummary), roles: everyone },
  'profiles:create': {
    request: z.object({ displayName: DisplayName, passphrase: Passphrase }).strict(),
    response: SessionStatus,
    roles: signedOutOnly,
  },
  'profiles:unlock': {
    request: z.object({ profileId: ProfileId, passphrase: Passphrase }).strict(),
    response: SessionStatus,
    roles: signedOutOnly,
  },
  'profiles:unlock-with-device': {
    request: z.object({ profileId: ProfileId }).strict(),
    response: SessionStatus,
    roles: signedOutOnly,
  },
  'profiles:change-passphrase': {
    request: z.object({ current: Passphrase, next: Passphrase }).strict(),
    response: z.object({ changed: z.literal(true) }).strict(),
    roles: anyUnlocked,
  },
  'profiles:remember-device': {
    request: z.object({ enabled: z.boolean() }).strict(),
    response: SessionStatus,
    roles: anyUnlocked,
  },
  'profiles:backup': { request: noInput, response: BackupSummary, roles: anyUnlocked },
  'profiles:inspect-backup': { request: noInput, response: BackupInfo, roles: signedOutOnly },
  'profiles:restore': {
    request: z.object({ token: z.string().min(1).max(100), passphrase: Passphrase, displayName: DisplayName }).strict(),
    response: SessionStatus,
    roles: signedOutOnly,
  },
  'session:status': { request: noInput, response: SessionStatus, roles: everyone },
  'session:lock': { request: noInput, response: SessionStatus, roles: anyUnlocked },
  'clinic:status': { request: noInput, response: ClinicStatus, roles: anyUnlocked },
  'clinic:set-up': {
    request: z
      .object({
        where: z.enum(['this-computer', 'relay']),
        relayUrl: RelayAddress.optional(),
        setupToken: SetupToken.optional(),
        clinicName: ClinicName,
        yourName: PersonName,
        timeZone: z.string().min(1).max(64),
        /** Asked by the set-up form; without them no consent is recorded until the rules are completed. */
        details: ClinicSetUpDetails.optional(),
      })
      .strict()
      .refine((r) => r.where === 'this-computer' || (r.relayUrl !== undefined && r.setupToken !== undefined), { message: 'required', path: ['relayUrl'] }),
    response: ClinicStatus,
    roles: unenrolledOnly,
  },
  'clinic:join': {
    request: z.object({ relayUrl: RelayAddress, inviteCode: InviteCode }).strict(),
    response: ClinicStatus,
    roles: unenrolledOnly,
  },
  'clinic:check-approval': { request: noInput, response: ClinicStatus, roles: unenrolledOnly },
  'clinic:update-rules': { request: z.object({ rules: clinicRulesSchema }).strict(), response: ClinicStatus, roles: itAdmins },
  'patients:register': { request: PatientInput, response: PatientSummary, roles: registrars },
  'patients:find': { request: z.object({ query: z.string().max(100) }).strict(), response: z.array(ConsentRegisterRow), roles: registrars },
  'consent:template': {
    request: z.object({ language: z.enum(['en', 'fr']) }).strict(),
    response: z.object({ document: ConsentDocumentSchema, textHash: z.string() }).strict(),
    roles: registrars,
  },
  'consent:record': { request: ConsentRecordInput, response: ReceiptView, roles: registrars },
  'consent:receipt': { request: recordRef, response: ReceiptView, roles: registrars },
  'consent:save-receipt': { request: recordRef, response: z.object({ fileName: z.string(), bytes: z.number().int() }).strict(), roles: registrars },
  'consent:issue-code': { request: patientRef, response: ReceiptView, roles: registrars },
  'consent:new-code': { request: patientRef, response: ReceiptView, roles: registrars },
  'consent:register': {
    request: z.object({ query: z.string().max(100), status: z.union([RegisterStatus, z.literal('all')]) }).strict(),
    response: z.object({ rows: z.array(ConsentRegisterRow), retried: z.number().int() }).strict(),
    roles: registrars,
  },
  'consent:history': { request: patientRef, response: ConsentHistory, roles: registrars },
  'consent:withdraw': {
    request: z.object({ patientId: idSchema, reason: z.string().trim().max(500, 'too-long') }).strict(),
    response: consentRecordSchema,
    roles: registrars,
  },
  'consent:change-scopes': {
    request: z.object({ patientId: idSchema, scopes: z.array(consentScopeSchema).min(1, 'no-scope').max(4), reason: z.string().trim().max(500, 'too-long') }).strict(),
    response: consentRecordSchema,
    roles: registrars,
  },
  'consent:renew': { request: z.object({ patientId: idSchema, expiresAt: z.number().int() }).strict(), response: consentRecordSchema, roles: registrars },
  'consent:reverify': {
    request: z.object({ patientId: idSchema, method: z.enum(identityMethods), note: z.string().trim().max(200, 'too-long') }).strict(),
    response: consentRecordSchema,
    roles: registrars,
  },
  'audit:list': {
    request: z.object({ limit: z.number().int().min(1).max(500), beforeSeq: z.number().int().min(1).optional(), subjectId: idSchema.optional() }).strict(),
    response: z
      .object({
        events: z.array(
          z
            .object({
              seq: z.number().int(),
              at: z.number().int(),
              actorId: z.string(),
              deviceId: z.string().nullable(),
              action: z.string(),
              subjectType: z.string(),
              subjectId: z.string().nullable(),
              details: z.record(z.string(), z.json()),
            })
            .strict(),
        ),
        chain: z.object({ ok: z.boolean(), brokenAt: z.number().int().optional() }).strict(),
      })
      .strict(),
    roles: staffOnly,
  },
  'audit:clinic': { request: z.object({ filter: AuditFilter }).strict(), response: ClinicAuditView, roles: itAdmins },
  'audit:export': {
    request: z.object({ format: z.enum(auditExportFormats), filter: AuditFilter }).strict(),
    response: z.object({ saved: z.boolean(), events: z.number().int() }).strict(),
    roles: itAdmins,
  },
  'incidents:list': { request: noInput, response: IncidentList, roles: itAdmins },
  'incidents:update': { request: IncidentUpdate, response: IncidentView, roles: itAdmins },
  'incidents:export': { request: z.object({ incidentId: IncidentUpdate.shape.incidentId }).strict(), response: z.object({ saved: z.boolean() }).strict(), roles: itAdmins },
  'stepup:status': { request: noInput, response: StepUpStatus, roles: itAdmins },
  'stepup:begin': { request: noInput, response: z.object({ secret: z.string(), uri: z.string() }).strict(), roles: itAdmins },
  'stepup:confirm': { request: z.object({ code: StepUpCode }).strict(), response: z.object({ recoveryCodes: z.array(z.string()) }).strict(), roles: itAdmins },
  'stepup:verify': { request: z.object({ code: StepUpCode }).strict(), response: StepUpStatus, roles: itAdmins },
  'people:list': {
    request: noInput,
    response: z
      .object({
        devices: z.array(z.object({ deviceId: idSchema, role: z.enum(staffRoles), staffId: idSchema, self: z.boolean() }).strict()),
        pending: z.array(
          z.object({ inviteId: idSchema, deviceId: idSchema, role: z.enum(staffRoles), displayName: z.string(), staffId: idSchema, redeemedAt: z.number().int() }).strict(),
        ),
        holdsRoot: z.boolean(),
      })
      .strict(),
    roles: itAdmins,
  },
  'people:invite': {
    request: z.object({ displayName: PersonName, role: z.enum(staffRoles), validDays: z.number().int().min(1, 'too-short').max(30, 'too-long') }).strict(),
    response: z.object({ code: z.string(), shortCode: z.string(), relayUrl: z.string(), expiresAt: z.number().int() }).strict(),
    roles: itAdmins,
  },
  'people:approve': { request: noInput, response: z.object({ approved: z.number().int() }).strict(), roles: itAdmins },
  'people:revoke': {
    request: z.object({ deviceId: idSchema, reason: z.enum(['lost', 'stolen', 'left', 'replaced', 'other']) }).strict(),
    response: z.object({ revoked: z.literal(true) }).strict(),
    roles: itAdmins,
  },
  'inbox:list': { ...inboxChannels['inbox:list'], roles: clinicians },
  'inbox:thread': { ...inboxChannels['inbox:thread'], roles: clinicians },
  'inbox:send': { ...inboxChannels['inbox:send'], roles: clinicians },
  'inbox:undo': { ...inboxChannels['inbox:undo'], roles: clinicians },
  'inbox:mark-read': { ...inboxChannels['inbox:mark-read'], roles: clinicians },
  'inbox:save-draft': { ...inboxChannels['inbox:save-draft'], roles: clinicians },
  'inbox:retry': { ...inboxChannels['inbox:retry'], roles: clinicians },
  'inbox:assign': { ...inboxChannels['inbox:assign'], roles: clinicians },
  'inbox:handled': { ...inboxChannels['inbox:handled'], roles: clinicians },
  'inbox:sent-in-error': { ...inboxChannels['inbox:sent-in-error'], roles: clinicians },
  'inbox:attach': { ...inboxChannels['inbox:attach'], roles: clinicians },
  'inbox:discard-attachment': { ...inboxChannels['inbox:discard-attachment'], roles: clinicians },
  'inbox:attachment': { ...inboxChannels['inbox:attachment'], roles: clinicians },
  'inbox:save-attachment': { ...inboxChannels['inbox:save-attachment'], roles: clinicians },
  'team:members': { ...inboxChannels['team:members'], roles: clinicians },
  'team:away': { ...inboxChannels['team:away'], roles: clinicians },
  'notices:reminder': { ...noticeChannels['notices:reminder'], roles: registrars },
  'notices:audience': { ...noticeChannels['notices:audience'], roles: registrars },
  'notices:newsletter': { ...noticeChannels['notices:newsletter'], roles: registrars },
  'notices:resume': { ...noticeChannels['notices:resume'], roles: registrars },
  'notices:list': { ...noticeChannels['notices:list'], roles: registrars },
  'portal:status': { request: noInput, response: PortalStatus, roles: staffOnly },
  'portal:check': { request: noInput, response: PortalStatus, roles: staffOnly },
  'portal:vouch': { request: noInput, response: PortalStatus, roles: itAdmins },
} as const satisfies { readonly [C in ChannelName]: ChannelSpec };

/** What each event carries from main to the renderer. */
export const events = {
  'session:changed': SessionStatus,
  'task:progress': TaskProgress,
  'inbox:changed': InboxChanged,
  'inbox:open': InboxOpen,
  'portal:changed': PortalChanged,
} as const satisfies { readonly [E in EventName]: z.ZodType };
export type EventPayload<E extends EventName> = z.output<(typeof events)[E]>;

export type Contract = typeof contract;
export type RequestOf<C extends ChannelName> = z.input<Contract[C]['request']>;
export type ResponseOf<C extends ChannelName> = z.output<Contract[C]['response']>;

export type Unsubscribe = () => void;

/**
 * The object the renderer sees as `window.clinic`: one method per channel, grouped by
 * domain, and `subscribe` for the events the contract lists.
 */
export type ClinicApi = {
  readonly [D in DomainOf<ChannelName>]: {
    readonly [C in Extract<ChannelName, `${D}:${string}`> as VerbOf<C>]: (
      request: RequestOf<C>,
    ) => Promise<IpcResult<ResponseOf<C>>>;
  };
} & {
  readonly subscribe: <E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void) => Unsubscribe;
};
