// Relay options from command-line arguments and the environment, validated with zod.
// Arguments win over the environment; every problem is reported at once, in plain words.
import { z } from 'zod';

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 7443;

const PortText = z
  .string()
  .regex(/^\d{1,5}$/, 'must be a whole number from 0 to 65535')
  .transform(Number)
  .pipe(z.number().int().min(0, 'must be from 0 to 65535').max(65535, 'must be from 0 to 65535'));

const PathText = z.string().trim().min(1, 'must not be empty');

export const RelayConfig = z
  .object({
    port: z.number().int().min(0).max(65535),
    host: z.string().trim().min(1, 'must not be empty'),
    dataDir: PathText,
    tlsCertPath: PathText.optional(),
    tlsKeyPath: PathText.optional(),
    /** Behind a reverse proxy on this host: rate-limit by the X-Forwarded-For address it adds. */
    trustProxy: z.boolean().optional(),
    /** The built patient portal to serve at `/` (the CLI defaults to `out/portal` when it exists). */
    portalDir: PathText.optional(),
  })
  .strict()
  .refine((c) => (c.tlsCertPath === undefined) === (c.tlsKeyPath === undefined), {
    message: 'TLS needs both a certificate and a key (--tls-cert and --tls-key), or neither',
    path: ['tls'],
  });
export type RelayConfig = z.infer<typeof RelayConfig>;

/** Thrown when the options cannot be used; `problems` holds one line per problem. */
export class RelayConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid relay options:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'RelayConfigError';
  }
}

type Key = 'port' | 'host' | 'dataDir' | 'tlsCertPath' | 'tlsKeyPath' | 'trustProxy' | 'portalDir';
const options: Readonly<Record<Key, { flag: string; env: string }>> = {
  port: { flag: '--port', env: 'RELAY_PORT' },
  host: { flag: '--host', env: 'RELAY_HOST' },
  dataDir: { flag: '--data-dir', env: 'RELAY_DATA_DIR' },
  tlsCertPath: { flag: '--tls-cert', env: 'RELAY_TLS_CERT' },
  tlsKeyPath: { flag: '--tls-key', env: 'RELAY_TLS_KEY' },
  trustProxy: { flag: '--trust-proxy', env: 'RELAY_TRUST_PROXY' },
  portalDir: { flag: '--portal-dir', env: 'RELAY_PORTAL_DIR' },
};
const byFlag = new Map(Object.entries(options).map(([key, o]) => [o.flag, key as Key]));
const describeKey = (key: Key): string => `${options[key].flag} / ${options[key].env}`;

export const RELAY_USAGE = [
  'Usage: relay --data-dir DIR [--port N] [--host ADDR] [--tls-cert FILE --tls-key FILE] [--trust-proxy yes] [--portal-dir DIR]',
  ...Object.values(options).map((o) => `  ${o.flag.padEnd(11)} or ${o.env}`),
  `  Defaults: host ${DEFAULT_HOST}, port ${DEFAULT_PORT}; port 0 picks a free port.`,
].join('\n');

/** Reads `--flag value` or `--flag=value` arguments, then the environment, then defaults. */
export function parseRelayConfig(argv: readonly string[], env: Readonly<Record<string, string | undefined>> = {}): RelayConfig {
  const problems: string[] = [];
  const given = new Map<Key, string>();
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] ?? '';
    const eq = arg.indexOf('=');
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const key = byFlag.get(flag);
    if (key === undefined) {
      problems.push(`unknown argument '${arg.slice(0, 40)}'`);
      continue;
    }
    let value: string | undefined;
    if (eq > 0) value = arg.slice(eq + 1);
    else {
      value = argv[i + 1];
      if (value === undefined || value.startsWith('--')) {
        problems.push(`${flag} needs a value`);
        continue;
      }
      i += 1;
    }
    if (given.has(key)) problems.push(`${flag} is given more than once`);
    given.set(key, value);
  }
  const raw = (key: Key): string | undefined => given.get(key) ?? env[options[key].env];

  const candidate: Record<string, unknown> = { host: raw('host') ?? DEFAULT_HOST, dataDir: raw('dataDir') };
  const portText = raw('port');
  if (portText === undefined) candidate.port = DEFAULT_PORT;
  else {
    const port = PortText.safeParse(portText.trim());
    if (port.success) candidate.port = port.data;
    else problems.push(`${describeKey('port')} ${port.error.issues[0]?.message ?? 'is invalid'} (got '${portText.slice(0, 20)}')`);
  }
  if (raw('tlsCertPath') !== undefined) candidate.tlsCertPath = raw('tlsCertPath');
  if (raw('tlsKeyPath') !== undefined) candidate.tlsKeyPath = raw('tlsKeyPath');
  if (raw('portalDir') !== undefined) candidate.portalDir = raw('portalDir');
  const proxy = raw('trustProxy');
  if (proxy !== undefined) {
    if (/^(yes|true|1)$/i.test(proxy.trim())) candidate.trustProxy = true;
    else if (/^(no|false|0)$/i.test(proxy.trim())) candidate.trustProxy = false;
    else problems.push(`${describeKey('trustProxy')} must be yes or no (got '${proxy.slice(0, 20)}')`);
  }
  if (candidate.dataDir === undefined) problems.push(`${describeKey('dataDir')} is required: the directory where the relay keeps its state`);

  if (problems.length > 0) throw new RelayConfigError(problems);
  const parsed = RelayConfig.safeParse(candidate);
  if (!parsed.success) {
    throw new RelayConfigError(
      parsed.error.issues.map((issue) => {
        const key = issue.path[0];
        return typeof key === 'string' && key in options ? `${describeKey(key as Key)} ${issue.message}` : issue.message;
      }),
    );
  }
  return parsed.data;
}
