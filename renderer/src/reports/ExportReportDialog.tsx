// The export dialog of a review: formats, what to include (de-identified by default), paper size, a preview of
// the first page, the folder, then progress with Cancel and the files written (or why nothing was).
import { useEffect, useMemo, useState } from 'react';
import { AI_DISCLAIMER, DEFAULT_REPORT_FIELDS, type ReportFields, type ReportFormat } from '../../../electron/api/schemas-reports';
import { api } from '../api';
import { Button } from '../ui/Button';
import { Dialog } from '../ui/Dialog';
import { JobStatus } from './JobStatus';
import { errorMessage } from '../ui/errors';
import { useJobProgress } from '../ui/use-job-progress';
import './reports.css';
import { BrowseButton } from '../ui/BrowseButton';


const FORMATS: { id: ReportFormat; label: string; hint: string }[] = [
  { id: 'pdf', label: 'PDF', hint: 'to file or print' },
  { id: 'html', label: 'HTML', hint: 'one self-contained page' },
  { id: 'json', label: 'JSON', hint: 'everything, with provenance' },
  { id: 'csv', label: 'CSV', hint: 'annotations, analyses and phase-timeline tables' },
  { id: 'coco', label: 'COCO', hint: 'boxes + frame images' },
];

const FIELDS: { id: keyof ReportFields; label: string; identifying?: boolean }[] = [
  { id: 'surgeryDate', label: 'Surgery date' },
  { id: 'notes', label: 'Reviewer notes' },
  { id: 'thinking', label: 'AI Thinking Process (the Final Answer is always in)' },
  { id: 'audit', label: 'Change history (JSON only)' },
  { id: 'timelineFrames', label: 'A page for every frame the phase timeline sampled (HTML/PDF; otherwise only frames you captured or marked)' },
  { id: 'surgeon', label: 'Surgeon name', identifying: true },
  { id: 'reviewer', label: 'Reviewer name (header, sign-off, authors)', identifying: true },
  { id: 'fileNames', label: 'Video and image file names', identifying: true },
  { id: 'caseNotes', label: 'Case notes', identifying: true },
];

const FOLDER_KEY = 'workstation.reports.folder';

function loadFolder(): string {
  try {
    return window.localStorage.getItem(FOLDER_KEY) ?? '';
  } catch {
    return '';
  }
}

export function ExportReportDialog({ reviewId, open, onClose }: { reviewId: number; open: boolean; onClose: () => void }) {
  const [formats, setFormats] = useState<ReportFormat[]>(['pdf']);
  const [fields, setFields] = useState<ReportFields>(DEFAULT_REPORT_FIELDS);
  const [paperSize, setPaperSize] = useState<'A4' | 'Letter'>('A4');
  const [folder, setFolder] = useState(loadFolder);
  const [preview, setPreview] = useState<{ url: string | null; error: string | null; busy: boolean }>({ url: null, error: null, busy: false });
  const progress = useJobProgress('reports.progress');
  const { job, jobId } = progress;
  const [startError, setStartError] = useState<string | null>(null);
  const [starting, setStarting] = useState(false);
  const options = useMemo(() => ({ fields, paperSize }), [fields, paperSize]);

  // The first page, redrawn (debounced) when the options change.
  useEffect(() => {
    if (!open) return;
    let alive = true;
    let url: string | null = null;
    setPreview((p) => ({ ...p, busy: true, error: null }));
    const t = setTimeout(() => {
      api.reports
        .preview({ reviewId, options })
        .then((r) => {
          if (!alive) return;
          url = URL.createObjectURL(new Blob([r.png as Uint8Array<ArrayBuffer>], { type: 'image/png' }));
          setPreview({ url, error: null, busy: false });
        })
        .catch((err: unknown) => alive && setPreview({ url: null, error: errorMessage(err), busy: false }));
    }, 300);
    return () => {
      alive = false;
      clearTimeout(t);
      if (url) URL.revokeObjectURL(url);
    };
  }, [open, reviewId, options]);


  const running = job?.state === 'running' || starting;
  const toggleFormat = (id: ReportFormat) => setFormats((f) => (f.includes(id) ? f.filter((x) => x !== id) : [...f, id]));

  async function start() {
    setStartError(null);
    progress.begin();
    setStarting(true);
    try {
      try {
        window.localStorage.setItem(FOLDER_KEY, folder.trim());
      } catch {
        // remembering the folder is a convenience
      }
      const r = await api.reports.export({ reviewId, folder: folder.trim(), formats, options });
      progress.track(r.jobId, { jobId: r.jobId, reviewId, state: 'running', step: 'Starting', progress: 0, message: null, files: [] });
    } catch (err) {
      progress.fail();
      setStartError(errorMessage(err));
    } finally {
      setStarting(false);
    }
  }

  function close() {
    if (job?.state === 'running' && jobId.current) void api.reports.cancel({ jobId: jobId.current });
    onClose();
  }

  return (
    <Dialog open={open} title="Export report" onClose={close} wide testId="export-report-dialog">
      <div className="report-export">
        <div className="report-export-options">
          <fieldset>
            <legend>Formats</legend>
            {FORMATS.map((f) => (
              <label key={f.id} className="report-check">
                <input type="checkbox" checked={formats.includes(f.id)} onChange={() => toggleFormat(f.id)} disabled={running} data-testid={`report-format-${f.id}`} />
                {f.label} <span className="muted">— {f.hint}</span>
              </label>
            ))}
          </fieldset>
          <fieldset>
            <legend>Include</legend>
            {FIELDS.map((f) => (
              <label key={f.id} className="report-check">
                <input
                  type="checkbox"
                  checked={fields[f.id]}
                  onChange={(e) => setFields((x) => ({ ...x, [f.id]: e.target.checked }))}
                  disabled={running}
                  data-testid={`report-field-${f.id}`}
                />
                {f.label}
                {f.identifying && <span className="report-identifying"> identifying</span>}
              </label>
            ))}
            <p className="muted report-small">De-identified by default: names, file names and case notes stay out unless ticked; file paths never go in.</p>
          </fieldset>
          <label className="report-row">
            Paper
            <select value={paperSize} onChange={(e) => setPaperSize(e.target.value as 'A4' | 'Letter')} disabled={running} data-testid="report-paper">
              <option value="A4">A4</option>
              <option value="Letter">Letter</option>
            </select>
          </label>
          <label className="report-row report-folder">
            Folder
            <input
              type="text"
              value={folder}
              onChange={(e) => setFolder(e.target.value)}
              placeholder="/home/me/Reports"
              spellCheck={false}
              disabled={running}
              data-testid="report-folder"
              aria-describedby="report-folder-hint"
            />
            <BrowseButton purpose="folder" title="Export the report into" disabled={running} onPath={setFolder} />
          </label>
          <p id="report-folder-hint" className="muted report-small">
            An existing folder on the workstation. Files are named after the case code; nothing is replaced.
          </p>
          <p className="report-ai-note report-small">AI text in the report is labelled “{AI_DISCLAIMER}”.</p>
        </div>
        <figure className="report-preview" aria-busy={preview.busy} data-testid="report-preview">
          {preview.url ? <img src={preview.url} alt="First page of the report" /> : <div className="report-preview-empty">{preview.error ?? 'Preparing the preview…'}</div>}
          <figcaption className="muted report-small">First page{preview.busy && preview.url ? ' (updating…)' : ''}</figcaption>
        </figure>
      </div>

      <JobStatus
        startError={startError}
        job={job}
        testId="report-job"
        errorTestId="report-error"
        progressLabel="Export progress"
        done={
          job?.state === 'completed' && (
            <>
              <p>Exported:</p>
              <ul data-testid="report-files">
                {job.files.map((f) => (
                  <li key={f}>
                    <code>{f}</code>
                  </li>
                ))}
              </ul>
            </>
          )
        }
      />

      <div className="dialog-actions">
        {job?.state === 'running' ? (
          <Button onClick={() => jobId.current && void api.reports.cancel({ jobId: jobId.current })} data-testid="report-cancel">
            Cancel export
          </Button>
        ) : (
          <Button onClick={close}>Close</Button>
        )}
        <Button variant="primary" onClick={() => void start()} busy={running} disabled={formats.length === 0 || folder.trim() === ''} data-testid="report-export">
          Export
        </Button>
      </div>
    </Dialog>
  );
}

/** The review header's "Export report…" button with its dialog. */
export function ExportReportButton({ reviewId }: { reviewId: number }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <Button onClick={() => setOpen(true)} data-testid="export-report">
        Export report…
      </Button>
      {open && <ExportReportDialog reviewId={reviewId} open={open} onClose={() => setOpen(false)} />}
    </>
  );
}
