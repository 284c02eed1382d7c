// Models: the model manager. What is loaded and where; the installed models (activate, test, remove); getting a
// model (catalog download with progress, import of local files, the conversion recipe); the Hugging Face token;
// and loading files directly without installing them.
import { useState } from 'react';
import { api } from '../api';
import { useInference } from '../app/inference-context';
import { Button } from '../ui/Button';
import { useNotify } from '../ui/notify';
import { CatalogSection } from './CatalogSection';
import { ImportForm } from './ImportForm';
import { InstalledModels } from './InstalledModels';
import { LoadFilesForm } from './LoadFilesForm';
import { ModelStatusCard } from './ModelStatusCard';
import { ModelTest } from './ModelTest';
import { TokenField } from './TokenField';
import { useModels } from './use-models';
import './models.css';

export function ModelsView() {
  const notify = useNotify();
  const { status, setStatus } = useInference();
  const { models, catalog, downloads, refresh } = useModels();
  const [unloading, setUnloading] = useState(false);

  async function unload() {
    setUnloading(true);
    try {
      setStatus(await api.inference.unload({}));
      notify.info('Model unloaded.');
    } catch (err) {
      notify.error(err, 'The model was not unloaded.');
    } finally {
      setUnloading(false);
    }
  }

  const loadedModel = status?.model && (status.state === 'ready' || status.state === 'loading');
  const hasActive = status?.state === 'ready' || (models ?? []).some((m) => m.active);
  return (
    <div className="page models-page">
      <header className="page-header">
        <h1>Models</h1>
        <p className="muted">The vision-language model runs on this computer, in its own process. Nothing leaves the workstation.</p>
      </header>

      <section className="page-section" aria-labelledby="model-status-title">
        <h2 id="model-status-title">Current model</h2>
        <ModelStatusCard status={status} />
        {loadedModel && (
          <div className="row-actions">
            <Button onClick={() => void unload()} busy={unloading} data-testid="model-unload">
              Unload
            </Button>
          </div>
        )}
      </section>

      <section className="page-section" aria-labelledby="installed-title">
        <h2 id="installed-title">Installed models</h2>
        <InstalledModels models={models} onChanged={refresh} />
      </section>

      <section className="page-section" aria-labelledby="test-title">
        <h2 id="test-title">Test the active model</h2>
        <ModelTest hasActive={hasActive} />
      </section>

      <section className="page-section" aria-labelledby="catalog-title">
        <h2 id="catalog-title">Get a model</h2>
        <CatalogSection catalog={catalog} downloads={downloads} />
      </section>

      <section className="page-section" aria-labelledby="import-title">
        <h2 id="import-title">Import model files</h2>
        <ImportForm onImported={refresh} />
      </section>

      <section className="page-section" aria-labelledby="token-title">
        <h2 id="token-title">Hugging Face token</h2>
        <TokenField />
      </section>

      <section className="page-section" aria-labelledby="model-load-title">
        <h2 id="model-load-title">Load files without installing</h2>
        <LoadFilesForm />
      </section>
    </div>
  );
}
