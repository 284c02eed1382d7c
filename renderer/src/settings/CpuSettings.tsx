// Settings → Model on the CPU: how many CPU threads the local model uses when it runs on the CPU. Automatic is one
// per math core (at most 8): at the real model size on a 2-core laptop, 2 threads encode a frame in about half the
// time of one. The device line in Models shows the number in use; it applies the next time the model loads.
import { useState } from 'react';
import { useSettings } from '../app/settings-context';
import { useNotify } from '../ui/notify';

const MAX = 16;

export function CpuSettings() {
  const notify = useNotify();
  const { settings, update } = useSettings();
  const [saved, setSaved] = useState(false);
  const value = settings.cpuThreads;
  const counts = Array.from({ length: Math.max(MAX, value ?? 0) }, (_, i) => i + 1);
  return (
    <section className="page-section">
      <h2>Model on the CPU</h2>
      <label className="field">
        <span className="field-label">CPU threads</span>
        <select
          value={value === null ? 'auto' : String(value)}
          data-testid="settings-cpu-threads"
          onChange={(e) => {
            setSaved(false);
            update({ cpuThreads: e.target.value === 'auto' ? null : Number(e.target.value) }).then(
              () => setSaved(true),
              (err: unknown) => notify.error(err, 'The number of CPU threads was not saved.'),
            );
          }}
        >
          <option value="auto">Automatic: one per core, at most 8 (recommended)</option>
          {counts.map((n) => (
            <option key={n} value={String(n)}>
              {n} thread{n === 1 ? '' : 's'}
            </option>
          ))}
        </select>
        <span className="field-hint muted">
          Used when the model runs on the CPU (no usable GPU). More threads than the computer has cores make it slower, not faster. Models shows the number in
          use; a change applies the next time the model loads.
        </span>
        {saved && (
          <span className="saved" role="status" data-testid="settings-cpu-threads-saved">
            ✓ Saved
          </span>
        )}
      </label>
    </section>
  );
}
