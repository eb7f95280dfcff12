// Runs in the portal (browser): what went wrong with a form, announced at once; nothing when
// all is well. `id` lets a field point at it with aria-describedby.
export function FormError({ id, text }: Readonly<{ id?: string; text: string | null }>) {
  if (!text) return null;
  return (
    <p id={id} className="error" role="alert">
      {text}
    </p>
  );
}
