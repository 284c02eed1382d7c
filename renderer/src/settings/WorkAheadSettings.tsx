// Settings → Idle time: "Encode captured frames while idle" (work ahead, on by default). While the local model has
// nothing to do, it encodes the frames the reviewer captured (the open review's first), so analysing one later skips
// the image encode: about four minutes a frame for MedGemma 4B on a 2-core CPU. Anything the reviewer asks goes first.
import { useState } from 'react';
import { useSettings } from '../app/settings-context';
import { useNotify } from '../ui/notify';
import './engine-settings.css';

export function WorkAheadSettings() {
  const notify = useNotify();
  const { settings, update } = useSettings();
  const [saved, setSaved] = useState(false);
  /** The box follows the click at once; the saved setting catches up (or the box goes back when saving fails). */
  const [pending, setPending] = useState<boolean | null>(null);
  return (
    <section className="page-section">
      <h2>Idle time</h2>
      <div className="field">
        <label className="settings-check">
          <input
            type="checkbox"
            checked={pending ?? settings.workAhead}
            data-testid="settings-work-ahead"
            onChange={(e) => {
              const on = e.target.checked;
              setSaved(false);
              setPending(on);
              update({ workAhead: on }).then(
                () => {
                  setPending(null);
                  setSaved(true);
                },
                (err: unknown) => {
                  setPending(null);
                  notify.error(err, 'The work-ahead setting was not saved.');
                },
              );
            }}
          />
          Encode captured frames while idle
        </label>
        <span className="field-hint muted">
          While the local model has nothing to do, it prepares the frames you captured (the open review&apos;s first), so that analysing one later
          skips the image encode, which takes minutes per frame on a CPU. Anything you ask goes first. Turn it off to keep the computer quiet while the
          model is loaded; a remote server is never used for this.
        </span>
        {saved && (
          <span className="saved" role="status" data-testid="settings-work-ahead-saved">
            ✓ Saved
          </span>
        )}
      </div>
    </section>
  );
}
