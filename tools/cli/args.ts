/** Parses `--name value` pairs; every name must be known and every value present. */
export function parseArgs<K extends string>(argv: readonly string[], known: readonly K[]): Partial<Record<K, string>> {
  const out: Partial<Record<K, string>> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (!arg.startsWith('--')) throw new Error(`Unexpected argument "${arg}".`);
    const name = arg.slice(2) as K;
    if (!known.includes(name)) throw new Error(`Unknown option --${name}. Known: ${known.map((k) => `--${k}`).join(', ')}.`);
    const value = argv[i + 1];
    if (value === undefined || value.startsWith('--')) throw new Error(`--${name} needs a value.`);
    out[name] = value;
    i++;
  }
  return out;
}

export function positiveInt(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a whole number of 0 or more.`);
  return n;
}
