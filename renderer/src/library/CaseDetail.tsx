import type { Case } from '../../../electron/api/schemas';
import { VideosPanel } from '../review/VideosPanel';
import { StillsPanel } from '../stills/StillsPanel';
import { Button } from '../ui/Button';
import { EYE_LABEL, formatDateTime, formatDay } from '../ui/format';

interface Props {
  item: Case;
  frameId: number | null;
  onSelectFrame: (frameId: number | null) => void;
  onEdit: () => void;
  onDelete: () => void;
}

export function CaseDetail({ item, frameId, onSelectFrame, onEdit, onDelete }: Props) {
  return (
    <div className="case-detail" data-testid="case-detail" data-case-code={item.code}>
      <header className="case-header">
        <div className="case-title">
          <h2>{item.code}</h2>
          <dl className="meta-inline">
            <div>
              <dt>Surgery</dt>
              <dd>{formatDay(item.surgeryDate)}</dd>
            </div>
            <div>
              <dt>Eye</dt>
              <dd>{item.eye ? EYE_LABEL[item.eye] : '—'}</dd>
            </div>
            <div>
              <dt>Surgeon</dt>
              <dd>{item.surgeon || '—'}</dd>
            </div>
            <div>
              <dt>Updated</dt>
              <dd>{formatDateTime(item.updatedAt)}</dd>
            </div>
          </dl>
        </div>
        <div className="case-actions">
          <Button onClick={onEdit} data-testid="case-edit">
            Edit
          </Button>
          <Button variant="danger" onClick={onDelete} data-testid="case-delete">
            Delete
          </Button>
        </div>
      </header>
      {item.notes.trim() && (
        <details className="case-notes" open={item.notes.length <= 400}>
          <summary>Notes</summary>
          <p>{item.notes}</p>
        </details>
      )}
      <VideosPanel caseId={item.id} />
      <StillsPanel caseId={item.id} frameId={frameId} onSelectFrame={onSelectFrame} />
    </div>
  );
}
