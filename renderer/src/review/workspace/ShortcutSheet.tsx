// The shortcut sheet (?): every key of the review screen, from the one table tooltips use too.
import { Dialog } from '../../ui/Dialog';
import { SHORTCUT_GROUPS, SHORTCUTS } from './shortcuts';

export function ShortcutSheet({ open, onClose }: { open: boolean; onClose(): void }) {
  return (
    <Dialog open={open} title="Keyboard shortcuts" onClose={onClose} wide testId="shortcut-sheet">
      <div className="shortcut-sheet">
        {SHORTCUT_GROUPS.map((g) => (
          <section key={g.title}>
            <h3>{g.title}</h3>
            <dl>
              {g.ids.map((id) => (
                <div key={id} className="shortcut-row" data-testid="shortcut-row" data-shortcut={id}>
                  <dt>
                    {SHORTCUTS[id].keys.map((k) => (
                      <kbd key={k}>{k}</kbd>
                    ))}
                  </dt>
                  <dd>{SHORTCUTS[id].label}</dd>
                </div>
              ))}
            </dl>
          </section>
        ))}
      </div>
      <p className="muted shortcut-foot">Keys never act while you type in a field. Hover a button to see its key.</p>
    </Dialog>
  );
}
