// A case's still images: add (file picker or drag-and-drop), thumbnails, and the selected image with its analysis.
import { useCallback, useEffect, useRef, useState, type DragEvent } from 'react';
import type { Frame } from '../../../electron/api/schemas';
import { MAX_IMAGE_BYTES } from '../../../electron/api/schemas';
import { AnalysisPanel } from '../analysis/AnalysisPanel';
import { api } from '../api';
import { ConfirmDialog } from '../ui/Dialog';
import { EmptyState } from '../ui/EmptyState';
import { useNotify } from '../ui/notify';
import { FrameViewer } from './FrameViewer';
import './stills.css';

interface Props {
  caseId: number;
  frameId: number | null;
  onSelectFrame: (frameId: number | null) => void;
}

export function StillsPanel({ caseId, frameId, onSelectFrame }: Props) {
  const notify = useNotify();
  const [frames, setFrames] = useState<Frame[] | null>(null);
  const [progress, setProgress] = useState<string | null>(null);
  const [dragging, setDragging] = useState(false);
  const [toRemove, setToRemove] = useState<Frame | null>(null);
  const dragDepth = useRef(0);

  const load = useCallback(async () => {
    const list = await api.frames.list({ caseId });
    setFrames(list);
    return list;
  }, [caseId]);

  // On opening a case, show its newest image unless one is already selected; later selections are the user's.
  const initial = useRef({ frameId, onSelectFrame });
  useEffect(() => {
    load()
      .then((list) => {
        const { frameId: current, onSelectFrame: select } = initial.current;
        if (current == null && list.length > 0) select(list[list.length - 1]!.id);
      })
      .catch((err: unknown) => notify.error(err, 'Could not list the images.'));
  }, [load, notify]);

  async function addFiles(files: File[]) {
    if (files.length === 0) return;
    let last: Frame | null = null;
    for (const [i, file] of files.entries()) {
      setProgress(files.length > 1 ? `Adding image ${i + 1} of ${files.length}…` : `Adding ${file.name}…`);
      if (file.size > MAX_IMAGE_BYTES) {
        notify.error(`${file.name}: an image may be at most ${MAX_IMAGE_BYTES / 1024 / 1024} MB.`, 'Image not added.');
        continue;
      }
      try {
        const data = new Uint8Array(await file.arrayBuffer());
        last = await api.frames.addImage({ caseId, fileName: file.name || 'image', data });
      } catch (err) {
        notify.error(err, `${file.name} was not added.`);
      }
    }
    setProgress(null);
    try {
      await load();
    } catch (err) {
      notify.error(err);
    }
    if (last) onSelectFrame(last.id);
  }

  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    dragDepth.current = 0;
    setDragging(false);
    void addFiles(Array.from(e.dataTransfer.files));
  };

  async function remove() {
    const frame = toRemove;
    setToRemove(null);
    if (!frame) return;
    try {
      await api.frames.delete({ id: frame.id });
      if (frameId === frame.id) onSelectFrame(null);
      await load();
    } catch (err) {
      notify.error(err, 'The image was not removed.');
    }
  }

  const selected = frames?.find((f) => f.id === frameId) ?? null;

  return (
    <section
      className={`stills${dragging ? ' is-dragging' : ''}`}
      aria-label="Still images"
      onDragEnter={(e) => {
        if (!e.dataTransfer.types.includes('Files')) return;
        dragDepth.current += 1;
        setDragging(true);
      }}
      onDragOver={(e) => {
        if (e.dataTransfer.types.includes('Files')) e.preventDefault();
      }}
      onDragLeave={() => {
        dragDepth.current = Math.max(0, dragDepth.current - 1);
        if (dragDepth.current === 0) setDragging(false);
      }}
      onDrop={onDrop}
    >
      <header className="section-header">
        <h3>
          Still images {frames && frames.length > 0 && <span className="count">{frames.length}</span>}
        </h3>
        <div className="add-image">
          <input
            id={`add-image-${caseId}`}
            className="sr-only file-input"
            type="file"
            accept="image/png,image/jpeg,.png,.jpg,.jpeg"
            multiple
            data-testid="add-image-input"
            disabled={progress !== null}
            onChange={(e) => {
              const files = Array.from(e.target.files ?? []);
              e.target.value = '';
              void addFiles(files);
            }}
          />
          <label htmlFor={`add-image-${caseId}`} className="btn btn-secondary" aria-disabled={progress !== null || undefined}>
            {progress ? <span className="spinner" aria-hidden="true" /> : '+'} Add image
          </label>
        </div>
      </header>
      {progress && (
        <p className="muted" role="status">
          {progress}
        </p>
      )}
      {frames && frames.length === 0 && !progress ? (
        <div className="drop-zone">
          <EmptyState title="No images yet">Add a PNG or JPEG still from this surgery, or drop image files here.</EmptyState>
        </div>
      ) : (
        <ul className="thumbs" aria-label="Images">
          {frames?.map((f) => (
            <li key={f.id}>
              <button
                type="button"
                className="thumb"
                data-testid="frame-thumb"
                data-frame-id={f.id}
                aria-pressed={f.id === frameId}
                title={`${f.sourceName} — ${f.width}×${f.height}`}
                onClick={() => onSelectFrame(f.id)}
              >
                <img src={api.frameUrl(f.sha256)} alt={f.sourceName} loading="lazy" draggable={false} />
              </button>
            </li>
          ))}
        </ul>
      )}
      {dragging && (
        <div className="drop-overlay" aria-hidden="true">
          Drop PNG or JPEG images to add them to this case
        </div>
      )}
      {selected && (
        <div className="work-area">
          <FrameViewer frame={selected} onRemove={() => setToRemove(selected)} />
          <AnalysisPanel key={selected.id} frame={selected} />
        </div>
      )}
      <ConfirmDialog
        open={toRemove !== null}
        title="Remove image?"
        danger
        confirmLabel="Remove image"
        message={<p>Remove {toRemove?.sourceName} and its analyses from this case? This cannot be undone.</p>}
        onConfirm={() => void remove()}
        onCancel={() => setToRemove(null)}
      />
    </section>
  );
}
