// The model catalog: what can be downloaded (with a progress bar: bytes, speed, time left, Cancel), and for the
// cataract fine-tune, which is not published as GGUF, how to convert or import it.
import { useState } from 'react';
import type { DownloadProgress } from '../../../electron/api/schemas';
import { api } from '../api';
import { Button } from '../ui/Button';
import { formatBytes } from '../ui/format';
import { useNotify } from '../ui/notify';
import { formatEta, formatSpeed } from './devices';
import type { CatalogItem } from './use-models';

const ACTIVE = new Set<DownloadProgress['state']>(['starting', 'downloading', 'retrying', 'verifying', 'installing']);

function stateLine(p: DownloadProgress): string {
  switch (p.state) {
    case 'starting':
      return 'Starting…';
    case 'downloading':
      return `${p.fileName ?? ''} · ${formatSpeed(p.bytesPerSecond)} · ${formatEta(p.etaSeconds)}`;
    case 'retrying':
      return p.message ?? 'The connection dropped; resuming…';
    case 'verifying':
      return `Verifying ${p.fileName ?? 'the file'} (size and sha256)…`;
    case 'installing':
      return 'Checking the two files belong together and installing…';
    case 'completed':
      return p.message ?? 'Installed.';
    case 'cancelled':
    case 'failed':
      return p.message ?? p.state;
  }
}

function Progress({ p, onCancel, cancelling }: { p: DownloadProgress; onCancel: () => void; cancelling: boolean }) {
  const running = ACTIVE.has(p.state);
  const pct = p.totalBytes > 0 ? Math.min(100, (p.receivedBytes / p.totalBytes) * 100) : 0;
  return (
    <div className={`download download-${p.state}`} data-testid="download-progress" data-state={p.state}>
      {(running || p.state === 'completed') && (
        <div className="download-bar-row">
          <progress max={100} value={pct} aria-label="Download progress" />
          <span className="download-bytes" data-testid="download-bytes">
            {formatBytes(p.receivedBytes)} of {formatBytes(p.totalBytes)}
          </span>
        </div>
      )}
      <div className="download-line">
        <span className={p.state === 'failed' ? 'status-card-problem' : 'muted'} data-testid="download-state">
          {stateLine(p)}
        </span>
        {running && (
          <Button size="sm" onClick={onCancel} busy={cancelling} data-testid="download-cancel">
            Cancel
          </Button>
        )}
      </div>
    </div>
  );
}

export function CatalogSection({ catalog, downloads }: { catalog: CatalogItem[] | null; downloads: Record<string, DownloadProgress> }) {
  const notify = useNotify();
  const [starting, setStarting] = useState<string | null>(null);
  const [cancelling, setCancelling] = useState<string | null>(null);
  if (!catalog) return <p className="muted">Reading the catalog…</p>;

  async function download(id: string) {
    setStarting(id);
    try {
      await api.models.download({ catalogId: id });
    } catch (err) {
      notify.error(err, 'The download did not start.');
    } finally {
      setStarting(null);
    }
  }
  async function cancel(jobId: string) {
    setCancelling(jobId);
    try {
      await api.models.cancelDownload({ jobId });
    } catch (err) {
      notify.error(err, 'The download could not be cancelled.');
    } finally {
      setCancelling(null);
    }
  }

  return (
    <ul className="catalog" aria-label="Model catalog">
      {catalog.map((e) => {
        const p = downloads[e.id];
        const running = p !== undefined && ACTIVE.has(p.state);
        const size = e.files.reduce((a, f) => a + (f.sizeBytes ?? f.approxSizeBytes), 0);
        return (
          <li key={e.id} className="card catalog-entry" data-testid="catalog-entry" data-catalog-id={e.id}>
            <div className="catalog-head">
              <h3>{e.title}</h3>
              {e.fineTuned ? <span className="pill pill-tuned">Cataract fine-tune</span> : <span className="pill pill-base">Not fine-tuned for cataract review</span>}
            </div>
            <p>{e.description}</p>
            <p className="muted catalog-licence">
              {e.licence.note}{' '}
              <a href={e.licence.url} target="_blank" rel="noreferrer noopener">
                {e.licence.name}
              </a>
              {' · '}
              <a href={e.modelPage} target="_blank" rel="noreferrer noopener">
                Model page
              </a>
            </p>
            {e.files.length > 0 ? (
              <>
                <p className="muted catalog-files">
                  {e.files.map((f) => f.fileName).join(' + ')} · about {formatBytes(size)}
                </p>
                {e.note && <p className="muted catalog-note">{e.note}</p>}
                {p && (p.state !== 'completed' || !e.installedId) && <Progress p={p} cancelling={cancelling === p.jobId} onCancel={() => void cancel(p.jobId)} />}
                <div className="row-actions">
                  {e.installedId ? (
                    <span className="saved" data-testid="catalog-installed">
                      Installed
                    </span>
                  ) : (
                    !running && (
                      <Button variant="primary" onClick={() => void download(e.id)} busy={starting === e.id} data-testid="catalog-download">
                        {p && (p.state === 'failed' || p.state === 'cancelled') ? 'Download again' : 'Download'}
                      </Button>
                    )
                  )}
                </div>
              </>
            ) : (
              <ol className="how-to-get" data-testid="catalog-how-to-get">
                {e.howToGet.map((step) => (
                  <li key={step}>{step}</li>
                ))}
              </ol>
            )}
          </li>
        );
      })}
    </ul>
  );
}
