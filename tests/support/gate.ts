// A gate for tests that hold asynchronous work at an exact point (races made deterministic).
/** A promise and the function that settles it, to hold a pass at a chosen point. */
export function gate(): { promise: Promise<void>; open: () => void } {
  let open: () => void = () => undefined;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}
