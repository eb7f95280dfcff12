// Runs in main (Node): the check that the patient portal the relay serves is the one the IT
// admin vouched for (ADR 16). Every staff computer fetches each vouched file now and then
// (and `/`, the address patients open), hashes the bytes and compares them with the hashes
// signed into the clinic policy. A difference is kept, shown on this computer at once and
// raised as a signed alert for IT through the relay, once per finding. A relay that cannot
// be reached proves nothing either way: the check says so and tries again later.
import { type PortalDifference, type PortalVouch, MAX_PORTAL_FILE_BYTES, comparePortal, portalPathsToFetch } from '../../shared/protocol/portal-files';
import { type SodiumApi } from '../../shared/protocol/sodium-api';

/** What one check found. */
export type PortalCheck = {
  readonly at: number;
  readonly outcome: 'match' | 'mismatch' | 'unreachable' | 'not-vouched';
  readonly differences: readonly PortalDifference[];
  /** The vouch checked against (null: none yet). */
  readonly vouchedAt: number | null;
  /** Whether the relay took the alert for IT (mismatch only). */
  readonly reported: boolean;
};

/** Fetches one file: its bytes, or null when the server says it has none (404, 410). Throws when unreachable. */
export type PortalFetch = (url: string) => Promise<Uint8Array | null>;

/** What a check runs against, or null (locked, not a member, or the relay unknown). */
export type PortalTarget = { readonly baseUrl: string; readonly vouch: PortalVouch | null };

type Stored = { readonly last: PortalCheck | null; readonly raisedFor: string | null };

export type PortalWatchOptions = {
  readonly sodium: SodiumApi;
  readonly now: () => number;
  readonly fetchFile: PortalFetch;
  readonly target: () => PortalTarget | null;
  readonly load: () => Stored | null;
  readonly save: (stored: Stored) => void;
  /** Sends the alert for IT; true when the relay stored it. */
  readonly raise: (vouchedAt: number, differences: readonly PortalDifference[]) => Promise<boolean>;
  /** A check's result changed what the screens show. */
  readonly changed: (check: PortalCheck) => void;
  /** Between two checks (6 hours by default), and before the first (1 minute). */
  readonly intervalMs?: number;
  readonly firstDelayMs?: number;
  readonly setTimer?: (run: () => void, ms: number) => () => void;
};

export const PORTAL_CHECK_INTERVAL_MS = 6 * 3_600_000;

/** The portal's address from the relay's: same origin, without the socket's `/ws`. */
export function portalBaseUrl(relayUrl: string): string | null {
  let url: URL;
  try {
    url = new URL(relayUrl);
  } catch {
    return null;
  }
  if (url.protocol === 'ws:') url.protocol = 'http:';
  else if (url.protocol === 'wss:') url.protocol = 'https:';
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  url.pathname = url.pathname.replace(/\/ws\/?$/, '').replace(/\/$/, '');
  url.search = '';
  url.hash = '';
  return url.toString().replace(/\/$/, '');
}

/** The default fetch: no redirects, a time limit, a size limit, nothing cached. */
export const fetchPortalFile: PortalFetch = async (url) => {
  const response = await fetch(url, { redirect: 'error', headers: { 'cache-control': 'no-cache' }, signal: AbortSignal.timeout(15_000) });
  if (response.status === 404 || response.status === 410) return null;
  if (!response.ok) throw new Error(`status ${response.status}`);
  const declared = Number(response.headers.get('content-length') ?? '0');
  if (declared > MAX_PORTAL_FILE_BYTES) throw new Error('too large');
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (bytes.length > MAX_PORTAL_FILE_BYTES) throw new Error('too large');
  return bytes;
};

const defaultTimer = (run: () => void, ms: number): (() => void) => {
  const handle = setTimeout(run, ms);
  handle.unref?.();
  return () => clearTimeout(handle);
};

/** Fetches every path in `paths` under `baseUrl`; null when any could not be fetched at all. */
export async function fetchPortal(fetchFile: PortalFetch, baseUrl: string, paths: readonly string[]): Promise<Map<string, Uint8Array | null> | null> {
  const fetched = new Map<string, Uint8Array | null>();
  try {
    for (const path of paths) fetched.set(path, await fetchFile(`${baseUrl}${path}`));
  } catch {
    return null;
  }
  return fetched;
}

export function createPortalWatch(options: PortalWatchOptions) {
  const setTimer = options.setTimer ?? defaultTimer;
  let cancel: (() => void) | null = null;
  let running: Promise<PortalCheck | null> | null = null;

  const findingKey = (vouchedAt: number, differences: readonly PortalDifference[]): string =>
    `${vouchedAt}:${differences.map((d) => `${d.problem}:${d.path}`).join(',')}`;

  async function run(): Promise<PortalCheck | null> {
    const target = options.target();
    if (!target) return null;
    const stored = options.load() ?? { last: null, raisedFor: null };
    const at = options.now();
    let check: PortalCheck;
    if (!target.vouch) {
      check = { at, outcome: 'not-vouched', differences: [], vouchedAt: null, reported: false };
    } else {
      const fetched = await fetchPortal(options.fetchFile, target.baseUrl, portalPathsToFetch(target.vouch.files));
      if (!fetched) {
        // Nothing can be concluded; a finding already made stays shown until a check passes.
        check = stored.last?.outcome === 'mismatch' && stored.last.vouchedAt === target.vouch.vouchedAt ? { ...stored.last } : { at, outcome: 'unreachable', differences: [], vouchedAt: target.vouch.vouchedAt, reported: false };
      } else {
        const differences = comparePortal(options.sodium, target.vouch.files, fetched);
        check = { at, outcome: differences.length > 0 ? 'mismatch' : 'match', differences, vouchedAt: target.vouch.vouchedAt, reported: false };
      }
    }
    let raisedFor = stored.raisedFor;
    if (check.outcome === 'mismatch' && check.vouchedAt !== null) {
      const key = findingKey(check.vouchedAt, check.differences);
      let reported = raisedFor === key;
      if (!reported) {
        reported = await options.raise(check.vouchedAt, check.differences).catch(() => false);
        // The relay already holding it (a retry) counts as told.
        if (reported) raisedFor = key;
      }
      check = { ...check, reported };
    }
    options.save({ last: check, raisedFor });
    if (JSON.stringify({ ...stored.last, at: 0 }) !== JSON.stringify({ ...check, at: 0 })) options.changed(check);
    return check;
  }

  /** Checks now (one check at a time: a second call while one runs gets the same). */
  function check(): Promise<PortalCheck | null> {
    running ??= run().finally(() => {
      running = null;
    });
    return running;
  }

  function schedule(ms: number): void {
    cancel?.();
    cancel = setTimer(() => {
      void check()
        .catch(() => null)
        .finally(() => {
          if (cancel) schedule(options.intervalMs ?? PORTAL_CHECK_INTERVAL_MS);
        });
    }, ms);
  }

  return {
    check,
    /** The last check this computer made (kept across restarts), or null. */
    last: (): PortalCheck | null => options.load()?.last ?? null,
    /** Checks a minute after start, then every few hours. */
    start(): void {
      schedule(options.firstDelayMs ?? 60_000);
    },
    stop(): void {
      cancel?.();
      cancel = null;
    },
  };
}

export type PortalWatch = ReturnType<typeof createPortalWatch>;
