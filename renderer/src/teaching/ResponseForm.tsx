// The resident's response in teaching mode, on a captured frame (the Analysis tab) or a phase segment (its editor):
// what they see and what they would do next. Saving it reveals the model's analysis and the attending's notes there.
import { useState } from 'react';
import { TEACHING_TEXT_MAX, type TeachingTarget } from '../../../electron/api/schemas-teaching';
import { useStore } from '../review/workspace/review-store';
import { Button } from '../ui/Button';
import { CharCount, tooLong } from '../ui/CharCount';
import { useTeaching } from './teaching-store';

export function ResponseForm({ target, where, locked }: { target: TeachingTarget; where: string; locked: boolean }) {
  const store = useStore();
  const t = useTeaching(store.reviewId);
  const [seen, setSeen] = useState('');
  const [next, setNext] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const noName = !t.state?.name || !t.state.role;

  const save = async () => {
    const why = tooLong(seen, TEACHING_TEXT_MAX, 'What you see') ?? tooLong(next, TEACHING_TEXT_MAX, 'What you would do next');
    if (why) return setError(why);
    setBusy(true);
    try {
      await t.store.respond(target, seen.trim(), next.trim());
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      className="teaching-form"
      data-testid="teaching-form"
      aria-label="Your response"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <h3>Write what you see and what you would do next</h3>
      <p className="teaching-why" data-testid="teaching-hidden-reason">
        Teaching mode is on: the model’s analysis and the attending’s notes on {where} are hidden until you save your own reading of it. Both stay side by side with yours afterwards.
      </p>
      {noName && (
        <p className="notice-inline" data-testid="teaching-no-name">
          Set your name and role in Settings → Reviewer first: a response records who wrote it.
        </p>
      )}
      <label className="teaching-field">
        <span>What do you see on {where}?</span>
        <textarea value={seen} rows={4} onChange={(e) => {
            setSeen(e.target.value);
            setError(null);
          }} disabled={locked} data-testid="teaching-seen" />
        <CharCount value={seen} max={TEACHING_TEXT_MAX} />
      </label>
      <label className="teaching-field">
        <span>What would you do next?</span>
        <textarea value={next} rows={4} onChange={(e) => {
            setNext(e.target.value);
            setError(null);
          }} disabled={locked} data-testid="teaching-next" />
        <CharCount value={next} max={TEACHING_TEXT_MAX} />
      </label>
      {error && (
        <p className="field-error" role="alert" data-testid="teaching-error">
          {error}
        </p>
      )}
      {locked ? (
        <p className="muted">This review is finalised and locked: no new responses.</p>
      ) : (
        <Button type="submit" variant="primary" busy={busy} disabled={!seen.trim() || !next.trim() || noName} data-testid="teaching-save">
          Save and show the analysis
        </Button>
      )}
    </form>
  );
}
