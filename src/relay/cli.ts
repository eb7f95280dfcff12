// Command-line start of the relay: options from argv and env, the setup token printed once,
// and a graceful stop on SIGINT / SIGTERM. `npm run relay` builds and runs it.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { RELAY_USAGE, RelayConfigError, parseRelayConfig } from './config';
import { type RelayLogger, createRelayLogger } from './log';
import { type Relay, startRelay } from './server';

export type CliIo = {
  /** Human-facing text (usage, the setup token); the JSON log goes to `logger`. */
  readonly print: (text: string) => void;
  readonly logger?: RelayLogger;
};

/**
 * The built portal when no --portal-dir is given: `out/portal` in the working folder (the
 * repository, for `npm run relay`) or beside the built relay (`out/cli/relay.mjs`).
 */
export function defaultPortalDir(cwd: string = process.cwd(), moduleDir: string = import.meta.dirname): string | null {
  for (const dir of [join(cwd, 'out', 'portal'), resolve(moduleDir, '..', 'portal'), resolve(moduleDir, '..', '..', 'out', 'portal')]) {
    if (existsSync(join(dir, 'index.html'))) return dir;
  }
  return null;
}

/** Starts the relay or returns an exit code (2 for bad options). */
export async function runRelayCli(argv: readonly string[], env: Readonly<Record<string, string | undefined>>, io: CliIo): Promise<Relay | number> {
  let config;
  try {
    config = parseRelayConfig(argv, env);
  } catch (error) {
    if (!(error instanceof RelayConfigError)) throw error;
    io.print(`${error.message}\n\n${RELAY_USAGE}\n`);
    return 2;
  }
  const portalDir = config.portalDir ?? defaultPortalDir();
  const relay = await startRelay({ ...config, ...(portalDir ? { portalDir } : {}), logger: io.logger ?? createRelayLogger() });
  if (relay.setupToken !== undefined) {
    io.print(`One-time setup token (shown only now; only its hash is stored):\n  ${relay.setupToken}\n`);
  }
  return relay;
}

/** For a real process: runs the CLI and closes the relay on SIGINT / SIGTERM. */
export async function main(): Promise<void> {
  const result = await runRelayCli(process.argv.slice(2), process.env, { print: (text) => process.stderr.write(text) });
  if (typeof result === 'number') {
    process.exitCode = result;
    return;
  }
  const stop = (): void => {
    void result.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
