// Test support: the environment for a child process of a test. Under `faketime -f "@…"`
// each process starts the fake clock again at that instant; a child started later would
// then live in the parent's past (certificates not yet valid). It is given the parent's
// current instant instead, so both clocks agree.
const pad = (n: number): string => String(n).padStart(2, '0');

export function childEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  if (env.FAKETIME?.startsWith('@')) {
    // Rounded up to the next second (the format has no fraction): never behind the parent.
    const d = new Date(Date.now() + 1000);
    env.FAKETIME = `@${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  }
  return env;
}
