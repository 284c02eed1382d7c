// The Models view's data: installed models, the catalog and the download jobs, kept fresh from events
// (models.downloadProgress, and inference.status, which changes which model is loaded and where).
import { useCallback, useEffect, useState } from 'react';
import type { CatalogEntry, DownloadProgress, InstalledModel } from '../../../electron/api/schemas';
import { api, onConnection } from '../api';
import { useReportError } from '../ui/notify';

export type CatalogItem = CatalogEntry & { installedId: string | null };

export function useModels() {
  const report = useReportError();
  const [models, setModels] = useState<InstalledModel[] | null>(null);
  const [catalog, setCatalog] = useState<CatalogItem[] | null>(null);
  const [downloads, setDownloads] = useState<Record<string, DownloadProgress>>({});

  const refresh = useCallback(async () => {
    try {
      const [m, c] = await Promise.all([api.models.list({}), api.models.catalog({})]);
      setModels(m);
      setCatalog(c);
    } catch (err) {
      report(err, 'The models could not be listed.');
    }
  }, [report]);

  useEffect(() => {
    let alive = true;
    const loadJobs = () =>
      api.models
        .downloads({})
        .then((jobs) => {
          if (!alive) return;
          // The latest job of each catalog entry.
          const byEntry: Record<string, DownloadProgress> = {};
          for (const j of jobs) byEntry[j.catalogId] = j;
          setDownloads(byEntry);
        })
        .catch(() => undefined);
    void refresh();
    void loadJobs();
    const offProgress = api.on('models.downloadProgress', (p) => {
      setDownloads((cur) => ({ ...cur, [p.catalogId]: p }));
      if (p.state === 'completed') void refresh();
    });
    const offStatus = api.on('inference.status', () => void refresh());
    const offConn = onConnection((state, reopened) => {
      if (state === 'open' && reopened) {
        void refresh();
        void loadJobs();
      }
    });
    return () => {
      alive = false;
      offProgress();
      offStatus();
      offConn();
    };
  }, [refresh]);

  return { models, catalog, downloads, refresh };
}
