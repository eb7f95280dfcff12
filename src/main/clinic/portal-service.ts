// Runs in main (Node): the clinic vouches for the portal its relay serves (ADR 16).
// - `vouch` (the IT admin's computer that holds the clinic's master key): fetches the build's
//   file list from the relay, fetches every file, hashes the bytes itself (the list's own
//   hashes must agree, or the relay serves a mixed build) and signs the hashes into the
//   next clinic policy as `rules.portal`.
// - `check` (every staff computer, on a timer and on demand): see portal-watch.ts.
// - IT admins' computers also list the alerts other computers raised, at once on the
//   relay's push, and check for themselves.
import { type PortalAlertView, type PortalCheckView, type PortalStatus } from '../../shared/portal-check';
import { type ClinicRules } from '../../shared/protocol/clinic-rules';
import { PORTAL_FILES_PATH, type PortalVouch, comparePortal, portalFileListSchema, portalPathsToFetch } from '../../shared/protocol/portal-files';
import { type SodiumApi } from '../../shared/protocol/sodium-api';
import { type StaffRole } from '../../shared/roles';
import { AppError } from '../router/app-error';
import { type Logger } from '../log';
import { type ClinicClient } from '../network/clinic-client';
import { type VerifiedAlert } from '../network/client/alerts';
import { type ClinicService, clinicError } from './clinic-service';
import { type PortalCheck, type PortalFetch, createPortalWatch, fetchPortal, fetchPortalFile, portalBaseUrl } from './portal-watch';

const CHECK_KEY = 'portal-check';
const ALERTS_KEY = 'portal-alerts';
const MAX_ALERTS_KEPT = 50;

type StoredAlerts = { readonly last: number; readonly alerts: readonly VerifiedAlert[] };

export type PortalServiceOptions = {
  readonly clinic: ClinicService;
  readonly sodium: () => Promise<SodiumApi>;
  readonly log: Logger;
  readonly now?: () => number;
  readonly fetchFile?: PortalFetch;
  /** A check's result, or the alerts IT sees, changed. */
  readonly changed: () => void;
  /** A new finding on this computer, or a new alert for this IT admin: a desktop notice. */
  readonly notice?: () => void;
  readonly intervalMs?: number;
  readonly firstDelayMs?: number;
  readonly setTimer?: (run: () => void, ms: number) => () => void;
};

export function createPortalService(options: PortalServiceOptions) {
  const now = options.now ?? Date.now;
  const fetchFile = options.fetchFile ?? fetchPortalFile;
  let watch: ReturnType<typeof createPortalWatch> | null = null;

  /** The open client of a member computer, or null (locked, joining, or not a member). */
  const member = (): ClinicClient | null => {
    try {
      const c = options.clinic.client();
      const summary = c.summary();
      return summary && !summary.pending ? c : null;
    } catch {
      return null;
    }
  };

  const vouchInForce = (c: ClinicClient): PortalVouch | null => (c.cachedDirectory()?.rules ?? c.storedRules()?.rules)?.portal ?? null;

  const baseOf = (c: ClinicClient): string => {
    const base = portalBaseUrl(c.summary()?.relayUrl ?? '');
    if (!base) throw new AppError('clinic-refused', 'The clinic server’s address is not one the portal can be fetched from.');
    return base;
  };

  function view(check: PortalCheck | null): PortalCheckView | null {
    return check ? { at: check.at, outcome: check.outcome, differences: check.differences.map((d) => ({ ...d })), reported: check.reported } : null;
  }

  async function status(): Promise<PortalStatus> {
    const c = member() ?? (() => {
      throw new AppError('locked', 'Unlock your account first.');
    })();
    const vouch = vouchInForce(c);
    const summary = c.summary();
    let alerts: PortalAlertView[] = [];
    if (summary?.role === 'it-admin' && vouch) {
      const roles = new Map<string, StaffRole | null>([...(c.cachedDirectory()?.devices.values() ?? [])].map((d) => [d.deviceId, d.role] as const));
      const stored = c.local.get<StoredAlerts>(ALERTS_KEY);
      alerts = (stored?.alerts ?? [])
        .filter((a) => a.vouchedAt === vouch.vouchedAt && a.deviceId !== summary.deviceId)
        .map((a) => ({ alertId: a.alertId, raisedAt: a.raisedAt, deviceId: a.deviceId, role: roles.get(a.deviceId) ?? null, differences: a.differences.map((d) => ({ ...d })) }))
        .reverse();
    }
    const last = watch?.last() ?? c.local.get<{ last: PortalCheck | null }>(CHECK_KEY)?.last ?? null;
    return {
      vouch: vouch ? { vouchedAt: vouch.vouchedAt, files: vouch.files.length, byThisComputer: vouch.vouchedBy === summary?.deviceId } : null,
      canVouch: summary?.holdsRoot ?? false,
      // A check against an older vouch says nothing about the one in force.
      lastCheck: last && (last.vouchedAt === (vouch?.vouchedAt ?? null) || last.outcome === 'not-vouched') ? view(last) : null,
      alerts,
    };
  }

  /** An IT admin's computer fetches the alerts raised since it last looked. */
  async function refreshAlerts(): Promise<void> {
    const c = member();
    if (!c || c.summary()?.role !== 'it-admin') return;
    const stored = c.local.get<StoredAlerts>(ALERTS_KEY) ?? { last: 0, alerts: [] };
    const { alerts, last } = await c.alerts.list(stored.last);
    if (last === stored.last) return;
    c.local.put(ALERTS_KEY, { last, alerts: [...stored.alerts, ...alerts].slice(-MAX_ALERTS_KEPT) } satisfies StoredAlerts);
    if (alerts.length > 0) {
      options.log.warn('portal.alert-received', { count: alerts.length });
      options.changed();
      options.notice?.();
    }
  }

  let watchedClient: ClinicClient | null = null;
  /** The vouch the watch last saw in the rules (null: none). */
  let seenVouch: number | null = null;

  function watchFor(c: ClinicClient, sodium: SodiumApi): ReturnType<typeof createPortalWatch> {
    if (watch && watchedClient === c) return watch;
    watch?.stop();
    watchedClient = c;
    watch = createPortalWatch({
      sodium,
      now,
      fetchFile,
      target: () => {
        if (member() !== c) return null;
        const base = portalBaseUrl(c.summary()?.relayUrl ?? '');
        return base ? { baseUrl: base, vouch: vouchInForce(c) } : null;
      },
      load: () => c.local.get(CHECK_KEY),
      save: (stored) => c.local.put(CHECK_KEY, stored),
      // The relay already holding the same alert (a retry) counts as told.
      raise: async (vouchedAt, differences) => {
        await c.alerts.raisePortalMismatch({ vouchedAt, differences });
        return true;
      },
      changed: (check) => {
        if (check.outcome === 'mismatch') {
          options.log.warn('portal.mismatch', { count: check.differences.length });
          options.notice?.();
        }
        options.changed();
      },
      ...(options.intervalMs !== undefined ? { intervalMs: options.intervalMs } : {}),
      ...(options.firstDelayMs !== undefined ? { firstDelayMs: options.firstDelayMs } : {}),
      ...(options.setTimer ? { setTimer: options.setTimer } : {}),
    });
    seenVouch = vouchInForce(c)?.vouchedAt ?? null;
    watch.start();
    return watch;
  }

  /** After unlock: the timer starts, and an IT admin's computer fetches the alerts it missed. */
  function attached(): void {
    const c = member();
    if (!c) return;
    void options.sodium().then((sodium) => {
      if (member() !== c) return;
      watchFor(c, sodium);
      void refreshAlerts().catch(() => undefined);
    });
  }

  function detached(): void {
    watch?.stop();
    watch = null;
    watchedClient = null;
    seenVouch = null;
  }

  /** Checks now, on this computer. */
  async function checkNow(): Promise<PortalStatus> {
    const c = member();
    if (!c) throw new AppError('locked', 'Unlock your account first.');
    // The rules in force first: a vouch published a moment ago is the one to check against.
    await c.verifiedDirectory().catch(() => undefined);
    await watchFor(c, await options.sodium()).check();
    await refreshAlerts().catch(() => undefined);
    return status();
  }

  /** The IT admin vouches for the portal the relay serves now: its hashes go into the policy. */
  async function vouch(): Promise<PortalStatus> {
    const c = member();
    if (!c) throw new AppError('locked', 'Unlock your account first.');
    const summary = c.summary();
    if (!summary?.holdsRoot) throw new AppError('forbidden', 'Only the computer that holds the clinic’s master key can vouch for the portal.');
    const sodium = await options.sodium();
    const base = baseOf(c);
    const listed = await fetchPortal(fetchFile, base, [PORTAL_FILES_PATH]);
    if (!listed) throw new AppError('clinic-offline', 'The clinic’s server cannot be reached right now. Check the network, then try again.');
    const listBytes = listed.get(PORTAL_FILES_PATH);
    let list;
    try {
      list = listBytes ? portalFileListSchema.parse(JSON.parse(new TextDecoder().decode(listBytes))) : null;
    } catch {
      list = null;
    }
    if (!list) {
      throw new AppError(
        'clinic-refused',
        'The clinic’s server does not serve a portal build with its file list. Install a portal built with “npm run build:portal” on the server, then vouch again.',
        undefined,
        undefined,
        'portal-not-built',
      );
    }
    const fetched = await fetchPortal(fetchFile, base, portalPathsToFetch(list.files));
    if (!fetched) throw new AppError('clinic-offline', 'The clinic’s server stopped answering while the portal was read. Try again.');
    // The list's hashes are the relay's word: the bytes are hashed here, and must agree.
    const disagreeing = comparePortal(sodium, list.files, fetched);
    if (disagreeing.length > 0) {
      throw new AppError(
        'clinic-refused',
        `The portal the server serves does not match its own file list (${disagreeing.map((d) => d.path).slice(0, 3).join(', ')}). Reinstall the portal build on the server, then vouch again.`,
        undefined,
        undefined,
        'portal-mixed',
      );
    }
    // Every hash now matches the bytes read; the sizes are those read too.
    const files = list.files.map((f) => ({ path: f.path, sha256: f.sha256, bytes: fetched.get(f.path)?.length ?? 0 }));
    let held: ClinicRules | null;
    try {
      held = (await c.verifiedDirectory(true)).rules;
    } catch (error) {
      throw clinicError(error);
    }
    if (!held) throw new AppError('clinic-refused', 'The clinic has no rules to add the portal to yet.');
    const portal: PortalVouch = { files, vouchedAt: now(), vouchedBy: summary.deviceId };
    try {
      await c.publishPolicy({ ...held, portal });
      await c.verifiedDirectory(true);
    } catch (error) {
      throw clinicError(error);
    }
    options.log.info('portal.vouched', { count: files.length });
    return checkNow();
  }

  /** Something new was stored: a new vouch in the rules is checked against at once. */
  function changed(): void {
    const c = member();
    if (!c || !watch || watchedClient !== c) return;
    const vouchedAt = vouchInForce(c)?.vouchedAt ?? null;
    if (vouchedAt === seenVouch) return;
    seenVouch = vouchedAt;
    void watch.check().catch(() => undefined);
  }

  return { status, check: checkNow, vouch, attached, detached, changed, alerted: () => void refreshAlerts().then(() => watch?.check()).catch(() => undefined) };
}

export type PortalService = ReturnType<typeof createPortalService>;
