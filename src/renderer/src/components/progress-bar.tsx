// Runs in the renderer: DOM only, no Node.
export function ProgressBar({ label, done, total }: Readonly<{ label: string; done: number; total: number }>) {
  const percent = total === 0 ? 100 : Math.min(100, Math.round((done / total) * 100));
  return (
    <div className="progress">
      <div className="progress__label">
        <span>{label}</span>
        <span>{percent} %</span>
      </div>
      <div className="progress__track" role="progressbar" aria-label={label} aria-valuemin={0} aria-valuemax={100} aria-valuenow={percent}>
        <div className="progress__fill" style={{ width: `${percent}%` }} />
      </div>
    </div>
  );
}
