// Which engine analyses run on, and loading it: the local model files (with the embedding cache), a remote
// OpenAI-compatible server (its API key from the secret store, sent only to the saved server), or the department's
// shared engine through the signed-in session (let go when that session changes). inference.load and the first
// analysis after start-up load through here; the settings remember what was loaded.
import type { ParsedInput } from '../../api/contract';
import { WorkstationError } from '../../api/errors';
import type { InferenceStatus } from '../../api/schemas';
import type { InferenceClient } from '../../inference/inference-client';
import type { EngineLoadRequest, LoadRequest, RemoteLoadRequest } from '../../inference/protocol';
import { parseServerUrl } from '../../inference/remote/openai-api';
import type { createFileHashCache } from '../models/file-hash';
import type { SecretStore } from '../secrets/secret-store';
import type { SettingsRepo } from '../settings/settings-repo';

export interface EngineLoaderDeps {
  client: InferenceClient;
  settings: SettingsRepo;
  secrets: SecretStore;
  hashes: ReturnType<typeof createFileHashCache>;
  /** Where the local engine keeps image embeddings and how many bytes it may; absent: none kept. */
  embeddingCache?: { dir: string; maxBytes: number };
  /** The department's shared engine as a remote load request; throws 'unavailable' without a department session. */
  departmentEngine?: () => Promise<RemoteLoadRequest>;
}

export function createEngineLoader(d: EngineLoaderDeps) {
  /**
   * A local load request with the embedding cache, keyed by the projector's sha256 (remembered by path, size and mtime in
   * file_hashes: an import or download records it, else it is hashed once per file; provenance needs it anyway). Without
   * a hash (a missing or unreadable file: the load then says what is wrong) no cache.
   */
  async function withEmbeddingCache(req: LoadRequest): Promise<LoadRequest> {
    const ec = d.embeddingCache;
    if (!ec || ec.maxBytes <= 0) return req;
    const projectorSha256 = await Promise.resolve()
      .then(() => d.hashes.hash(req.mmprojPath))
      .catch(() => null);
    return projectorSha256 ? { ...req, embeddingCache: { ...ec, projectorSha256 } } : req;
  }

  async function ensureLoaded(): Promise<void> {
    const st = d.client.status().state;
    if (st === 'ready' || st === 'loading' || st === 'crashed') return;
    const s = d.settings.get();
    if (s.engine === 'department') {
      await loadDepartment();
      return;
    }
    if (s.engine === 'remote') {
      if (!s.remoteUrl || !s.remoteModel) throw new WorkstationError('unavailable', 'No remote server is set. Open Settings → Engine, enter the server URL and model, and test the connection.');
      await d.client.load({ engine: 'remote', url: s.remoteUrl, model: s.remoteModel, apiKey: d.secrets.get('remote-api-key') });
      return;
    }
    if (!s.modelPath || !s.mmprojPath) throw new WorkstationError('unavailable', 'No model is loaded. Open Models and load the model files first.');
    await d.client.load(await withEmbeddingCache({ modelPath: s.modelPath, mmprojPath: s.mmprojPath, device: s.devicePreference, contextSize: s.contextSize, threads: s.cpuThreads }));
  }

  /**
   * The saved remote API key, for the saved server only: a call that names another address gets no key (the renderer
   * could otherwise send the key to any URL). `withheld` names the saved server when a key was kept back.
   */
  function savedKeyFor(url: string): { key: string | null; withheld: string | null } {
    const saved = d.settings.get().remoteUrl;
    let base: string | null = null;
    try {
      base = parseServerUrl(url).base;
    } catch {
      base = null; // the caller reports the bad address
    }
    if (saved && base === saved) return { key: d.secrets.get('remote-api-key'), withheld: null };
    return { key: null, withheld: saved && d.secrets.has('remote-api-key') ? saved : null };
  }

  /** The engine was loaded through the department session that is open now (its token goes with that session). */
  let onDepartmentSession = false;
  async function loadDepartment(): Promise<void> {
    if (!d.departmentEngine) throw new WorkstationError('unavailable', 'This workstation cannot use a department library here.');
    const request = await d.departmentEngine();
    onDepartmentSession = false;
    await d.client.load(request);
    onDepartmentSession = true;
  }

  /** inference.load: the local engine's files, a remote server or the department's engine; the settings remember which. */
  async function load(req: ParsedInput<'inference.load'>): Promise<InferenceStatus> {
    onDepartmentSession = false;
    if (req.engine === 'department') {
      await loadDepartment();
      d.settings.update({ engine: 'department' });
      return d.client.status();
    }
    if (req.engine === 'remote') {
      // The key goes to the inference process and the secret store only, never into settings or a log.
      const apiKey = req.apiKey === undefined ? savedKeyFor(req.url).key : req.apiKey || null;
      const url = parseServerUrl(req.url).base;
      const request: EngineLoadRequest = { engine: 'remote', url, model: req.model, apiKey };
      await d.client.load(request);
      if (req.apiKey !== undefined) d.secrets.set('remote-api-key', apiKey);
      d.settings.update({ engine: 'remote', remoteUrl: url, remoteModel: req.model });
      return d.client.status();
    }
    await d.client.load(await withEmbeddingCache({ ...req, threads: d.settings.get().cpuThreads }));
    d.settings.update({ engine: 'local', modelPath: req.modelPath, mmprojPath: req.mmprojPath, devicePreference: req.device, contextSize: req.contextSize });
    void d.hashes.hash(req.modelPath).catch(() => undefined);
    void d.hashes.hash(req.mmprojPath).catch(() => undefined);
    return d.client.status();
  }

  async function unload(): Promise<InferenceStatus> {
    await d.client.unload();
    return d.client.status();
  }


  return {
    ensureLoaded,
    load,
    unload,
    savedKeyFor,
    /**
     * The department session changed (signed in again, out, or ended by the server): an engine loaded through the old
     * session lets go (its token is no longer good); the next analysis loads it again through the session now open.
     */
    async departmentSessionChanged(): Promise<void> {
      if (!onDepartmentSession) return;
      onDepartmentSession = false;
      await d.client.unload().catch(() => undefined);
    },
  };
}
export type EngineLoader = ReturnType<typeof createEngineLoader>;
