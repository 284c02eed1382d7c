// Analyses on the department's shared engine: the workstation's own remote engine (the Gemma 3 preprocessing and
// prompt as for any OpenAI-compatible server) pointed at the department server's engine proxy (/api/engine), with the
// signed-in session's token as its key and the certificates the department link trusts. The server holds the real
// engine's address and key and takes turns between reviewers; the model is the one it serves.
import { WorkstationError } from '../../api/errors';
import type { RemoteLoadRequest } from '../../inference/protocol';
import { listModels, parseServerUrl, resolveTimeouts } from '../../inference/remote/openai-api';
import type { DepartmentEngineAccess } from '../department-link/department-link';

/** How long the model list may take before the reviewer hears the department's engine is not answering. */
const LIST_TIMEOUT_MS = 20_000;

export async function departmentLoadRequest(access: DepartmentEngineAccess): Promise<RemoteLoadRequest> {
  const address = parseServerUrl(access.url);
  const ca = access.ca ? { ca: access.ca } : {};
  const list = await listModels({ address, apiKey: access.apiKey, timeouts: resolveTimeouts({ retries: 1 }), ...ca }, AbortSignal.timeout(LIST_TIMEOUT_MS));
  const model = list.models[0]?.id;
  if (!model) throw new WorkstationError('unavailable', `The department server at ${address.host} lists no model for its engine. Ask its administrator to check the engine it was started with (--engine-url).`);
  return { engine: 'remote', url: address.base, model, apiKey: access.apiKey, ...ca };
}
