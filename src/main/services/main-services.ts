import type { AppInfo } from '../../shared/app-info';
import type { EventName } from '../../shared/ipc/channel-names';
import type { EventPayload } from '../../shared/ipc/contract';
import { type AuditService, createAuditService } from '../audit/audit-service';
import { createIncidentService } from '../audit/incident-service';
import { createClinicService } from '../clinic/clinic-service';
import { type PortalFetch } from '../clinic/portal-watch';
import { createPortalService } from '../clinic/portal-service';
import { loadSodium } from '../crypto/sodium';
import { createConsentService } from '../consent/consent-service';
import { type IncomingNotice, type NoticePreview, createInboxService } from '../inbox/inbox-service';
import { createNoticesService } from '../notices/notices-service';
import { createStepUp } from '../security/step-up';
import { type SecurityNoticeKind } from '../shell/notifications';
import type { Logger } from '../log';
import type { DeviceKeystore } from '../profiles/device-keystore';
import { type FileDialogs, createProfileService } from '../profiles/profile-service';
import { type Router, createRouter } from '../router/router';
import { type ShellStatus, runDiagnostics } from './diagnostics';
import { createSettingsStore } from './settings-store';

export type Emit = <E extends EventName>(event: E, payload: EventPayload<E>) => void;

export type MainServicesOptions = {
  /** The app's own data folder (Electron's userData, or a temporary folder in tests). */
  readonly dataDir: string;
  readonly appInfo: AppInfo;
  readonly shell: () => ShellStatus | Promise<ShellStatus>;
  readonly trustedOrigins: readonly string[];
  readonly log: Logger;
  readonly keystore: DeviceKeystore;
  readonly dialogs: FileDialogs;
  /** Sends an event to the renderer. */
  readonly emit: Emit;
  readonly now?: () => number;
  /** Shows a desktop notification for new patient messages (the Electron shell). */
  readonly notify?: (notices: readonly IncomingNotice[], preview: NoticePreview) => void;
  /** Shows a desktop notice that IT must look now (the portal changed); the Electron shell. */
  readonly securityNotice?: (kind: SecurityNoticeKind) => void;
  /** How the portal check fetches the relay's files (tests pass their own; default: fetch). */
  readonly portalFetch?: PortalFetch;
  /** The portal check's first delay and interval (default: 1 minute, then 6 hours). */
  readonly portalCheck?: { readonly firstDelayMs: number; readonly intervalMs: number };
};

/**
 * Everything main does for the renderer, without Electron: the Electron shell and the
 * browser test harness both build their router here, so the tests run the real thing.
 */
export function createMainServices(options: MainServicesOptions) {
  const settings = createSettingsStore(options.dataDir, options.log);
  const profiles = createProfileService({
    dataDir: options.dataDir,
    keystore: options.keystore,
    dialogs: options.dialogs,
    log: options.log,
    emitSession: (status) => options.emit('session:changed', status),
    emitProgress: (progress) => options.emit('task:progress', progress),
    ...(options.now ? { now: options.now } : {}),
  });
  const clinic = createClinicService({ dataDir: options.dataDir, session: profiles.session, log: options.log, ...(options.now ? { now: options.now } : {}) });
  // Filled in below: the consent service records events, the audit service sends them on.
  let auditService: AuditService | null = null;
  const consent = createConsentService({
    session: profiles.session,
    clinic,
    log: options.log,
    dialogs: options.dialogs,
    audited: () => auditService?.shipSoon(),
    ...(options.now ? { now: options.now } : {}),
  });
  const stepUp = createStepUp({
    sodium: loadSodium,
    now: options.now ?? Date.now,
    store: () => clinic.client().local,
    label: () => ({ account: profiles.session.current()?.summary.displayName ?? 'IT admin', issuer: clinic.client().storedRules()?.rules.clinicName ?? 'Clinic Messenger' }),
    requiredByRules: () => clinic.client().storedRules()?.rules.security.stepUpRequired === true,
    audit: (action, details) => consent.audit(action, null, details),
  });
  profiles.session.onProfile(() => stepUp.forget());
  const audit = createAuditService({
    clinic,
    consent,
    log: options.log,
    chooseDestination: (name, format) => options.dialogs.chooseExportDestination(name, format === 'csv' ? 'csv' : 'json'),
    requireStepUp: (action) => stepUp.require(action),
    ...(options.now ? { now: options.now } : {}),
  });
  auditService = audit;
  const incidents = createIncidentService({
    clinic,
    consent,
    requireStepUp: (action) => stepUp.require(action),
    chooseDestination: (name) => options.dialogs.chooseExportDestination(name, 'json'),
    ...(options.now ? { now: options.now } : {}),
  });
  const inbox = createInboxService({
    clinic,
    log: options.log,
    changed: () => options.emit('inbox:changed', { at: (options.now ?? Date.now)() }),
    audit: (action, patientId, details) => consent.audit(action, patientId, details),
    chooseAttachmentDestination: (name, type) => options.dialogs.chooseAttachmentDestination(name, type),
    ...(options.notify ? { notify: options.notify } : {}),
    ...(options.now ? { now: options.now } : {}),
  });
  const notices = createNoticesService({
    clinic,
    log: options.log,
    emitProgress: (progress) => options.emit('task:progress', progress),
    audit: (action, patientId, details) => consent.audit(action, patientId, details),
    ...(options.now ? { now: options.now } : {}),
  });
  const portal = createPortalService({
    clinic,
    sodium: loadSodium,
    log: options.log,
    changed: () => options.emit('portal:changed', { at: (options.now ?? Date.now)() }),
    ...(options.securityNotice ? { notice: () => options.securityNotice?.('portal-changed') } : {}),
    ...(options.portalFetch ? { fetchFile: options.portalFetch } : {}),
    ...(options.portalCheck ?? {}),
    ...(options.now ? { now: options.now } : {}),
  });
  clinic.setHooks({
    changed: () => {
      inbox.clientEvents.changed();
      portal.changed();
    },
    arrived: inbox.clientEvents.arrived,
    attached: () => {
      audit.shipSoon();
      inbox.attached();
      portal.attached();
      notices.attached();
    },
    detached: () => {
      portal.detached();
      inbox.detached();
    },
    alerted: portal.alerted,
  });
  const router: Router = createRouter({
    trustedOrigins: options.trustedOrigins,
    caller: profiles.session.caller,
    log: options.log,
    handlers: {
      'app:info': () => options.appInfo,
      'diagnostics:run': async () =>
        runDiagnostics({
          dataDir: options.dataDir,
          shell: await options.shell(),
          nodeVersion: options.appInfo.runtime.node,
          log: options.log,
        }),
      'settings:get': () => settings.get(),
      'settings:update': (patch) => settings.update(patch),
      ...profiles.handlers,
      'clinic:status': () => clinic.status(),
      'clinic:set-up': (request) => clinic.setUp(request),
      'clinic:join': (request) => clinic.join(request),
      'clinic:check-approval': () => clinic.checkApproval(),
      'clinic:update-rules': ({ rules }) => (stepUp.require('rules'), clinic.updateRules(rules)),
      'patients:register': (input) => consent.registerPatient(input),
      'patients:find': ({ query }) => consent.findPatients(query),
      'consent:template': ({ language }) => consent.template(language),
      'consent:record': (input) => consent.record(input),
      'consent:receipt': ({ recordId }) => consent.receipt(recordId),
      'consent:save-receipt': ({ recordId }) => consent.receiptPdf(recordId),
      'consent:issue-code': ({ patientId }) => consent.issueCode(patientId),
      'consent:new-code': ({ patientId }) => consent.newCode(patientId),
      'consent:register': (filter) => consent.register(filter),
      'consent:history': ({ patientId }) => consent.history(patientId),
      'consent:withdraw': ({ patientId, reason }) => consent.withdraw(patientId, reason),
      'consent:change-scopes': ({ patientId, scopes, reason }) => consent.changeScopes(patientId, scopes, reason),
      'consent:renew': ({ patientId, expiresAt }) => consent.renew(patientId, expiresAt),
      'consent:reverify': ({ patientId, method, note }) => consent.reverifyIdentity(patientId, method, note),
      'people:list': () => clinic.people.list(),
      'people:invite': (input) => (stepUp.require('roles'), clinic.people.invite(input)),
      'people:approve': () => (stepUp.require('devices'), clinic.people.approve()),
      'people:revoke': async (input) => {
        stepUp.require('devices');
        const done = await clinic.people.revoke(input);
        incidents.deviceLost(input);
        return done;
      },
      'inbox:list': (request) => inbox.list(request),
      'inbox:thread': (request) => inbox.thread(request),
      'inbox:send': (request) => inbox.send(request),
      'inbox:undo': (request) => inbox.undo(request),
      'inbox:retry': (request) => inbox.retry(request),
      'inbox:mark-read': (request) => inbox.markRead(request),
      'inbox:save-draft': (request) => inbox.saveDraft(request),
      'notices:reminder': (request) => notices.reminder(request),
      'notices:audience': () => notices.audience(undefined),
      'notices:newsletter': (request) => notices.newsletter(request),
      'notices:resume': (request) => notices.resume(request),
      'notices:list': () => notices.list(undefined),
      'inbox:assign': (request) => inbox.assign(request),
      'inbox:handled': (request) => inbox.handled(request),
      'inbox:sent-in-error': (request) => inbox.sentInError(request),
      'inbox:attach': (request) => inbox.attach(request),
      'inbox:discard-attachment': (request) => inbox.discardAttachment(request),
      'inbox:attachment': (request) => inbox.attachment(request),
      'inbox:save-attachment': (request) => inbox.saveAttachment(request),
      'team:members': () => inbox.members(undefined),
      'team:away': (request) => inbox.away(request),
      'portal:status': () => portal.status(),
      'portal:check': () => portal.check(),
      'portal:vouch': () => (stepUp.require('rules'), portal.vouch()),
      'audit:clinic': ({ filter }) => audit.clinicTrail(filter),
      'audit:export': (request) => audit.exportTrail(request),
      'incidents:list': () => incidents.list(undefined),
      'incidents:update': (request) => incidents.update(request),
      'incidents:export': (request) => incidents.export(request),
      'stepup:status': () => stepUp.status(),
      'stepup:begin': () => stepUp.begin(),
      'stepup:confirm': ({ code }) => stepUp.confirm(code),
      'stepup:verify': ({ code }) => stepUp.verify(code),
      'audit:list': (request) => {
        const trail = consent.auditTrail(request);
        return { events: trail.events.map((e) => ({ ...e, details: e.details as Record<string, never> })), chain: trail.chain };
      },
    },
  });
  return { router, settings, session: profiles.session, profiles: profiles.manager, clinic, consent, inbox, portal, audit, stepUp };
}
export type MainServices = ReturnType<typeof createMainServices>;
