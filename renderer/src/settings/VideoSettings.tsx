// Settings → Video: how much memory the review's frame cache may hold (frames are kept at display size, so the
// budget goes further with 4K recordings; the full-size frame is decoded for capture only).
import { useState } from 'react';
import { useSettings } from '../app/settings-context';
import { useNotify } from '../ui/notify';

const CHOICES = [256, 512, 1024, 2048, 4096];

export function VideoSettings() {
  const notify = useNotify();
  const { settings, update } = useSettings();
  const [saved, setSaved] = useState(false);
  const value = settings.frameCacheMb;
  const options = CHOICES.includes(value) ? CHOICES : [...CHOICES, value].sort((a, b) => a - b);
  return (
    <section className="page-section">
      <h2>Video</h2>
      <label className="field">
        <span className="field-label">Frame cache memory</span>
        <select
          value={String(value)}
          data-testid="settings-frame-cache"
          onChange={(e) => {
            setSaved(false);
            update({ frameCacheMb: Number(e.target.value) }).then(
              () => setSaved(true),
              (err: unknown) => notify.error(err, 'The frame cache size was not saved.'),
            );
          }}
        >
          {options.map((mb) => (
            <option key={mb} value={String(mb)}>
              {mb >= 1024 ? `${mb / 1024} GB` : `${mb} MB`}
              {mb === 512 ? ' (default: fits an 8 GB laptop)' : ''}
            </option>
          ))}
        </select>
        <span className="field-hint muted">
          Decoded frames around the playhead, for instant single-frame steps. Frames are kept at screen size (a 4K frame at full size would take 33 MB);
          the full-size frame is shown when you stop on it and used for captures. Applies to the next review opened.
        </span>
        {saved && (
          <span className="saved" role="status" data-testid="settings-frame-cache-saved">
            ✓ Saved
          </span>
        )}
      </label>
    </section>
  );
}
