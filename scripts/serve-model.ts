// `npm run serve-model -- --model M --mmproj P [--port N] [--device D] [--api-key K] [--model-id ID] [--context N] [--host H]`
// Serves the local engine (the same inference process and queue as the app) behind an OpenAI-compatible API:
// POST /v1/chat/completions (streamed or not) and GET /v1/models. A workstation's remote engine, or any OpenAI
// client that sends a base64 image_url, can use it. Listens on 127.0.0.1 unless --host says otherwise; listening on
// another address needs --api-key, and HTTPS (--tls-cert, --tls-key) since what travels is patient frames (or
// --allow-plain-http on a network the department trusts). Requests whose Host header does not name the server are
// refused (DNS rebinding); --allowed-host adds the server's DNS names.
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DevicePreference } from '../electron/api/schemas';
import { forkWorker } from '../electron/inference/fork-worker';
import { createInferenceClient } from '../electron/inference/inference-client';
import { createOpenAIServer } from '../electron/inference/openai-server';

const USAGE =
  'Usage: npm run serve-model -- --model MODEL.gguf --mmproj MMPROJ.gguf [--port 8080] [--device auto|cuda|metal|vulkan|cpu] ' +
  '[--api-key KEY] [--model-id ID] [--context 4096] [--host 127.0.0.1] [--tls-cert CERT.pem --tls-key KEY.pem] [--allowed-host NAME]... [--allow-plain-http]';

function fail(message: string, code = 2): never {
  console.error(message);
  process.exit(code);
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

async function main() {
  let v: Record<string, string | boolean | string[] | undefined>;
  try {
    ({ values: v } = parseArgs({
      options: {
        model: { type: 'string' },
        mmproj: { type: 'string' },
        port: { type: 'string', default: '8080' },
        host: { type: 'string', default: '127.0.0.1' },
        device: { type: 'string', default: 'auto' },
        'api-key': { type: 'string' },
        'model-id': { type: 'string' },
        context: { type: 'string', default: '4096' },
        'tls-cert': { type: 'string' },
        'tls-key': { type: 'string' },
        'allowed-host': { type: 'string', multiple: true },
        'allow-plain-http': { type: 'boolean' },
        help: { type: 'boolean' },
      },
    }));
  } catch (err) {
    fail(`${(err as Error).message}\n${USAGE}`);
  }
  if (v.help) return console.log(USAGE);
  if (!v.model || !v.mmproj) fail(`--model and --mmproj are required.\n${USAGE}`);
  const port = Number(v.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) fail('--port must be a whole number from 0 to 65535.');
  const contextSize = Number(v.context);
  if (!Number.isInteger(contextSize) || contextSize < 1024 || contextSize > 32768) fail('--context must be a whole number from 1024 to 32768.');
  const device = DevicePreference.safeParse(v.device);
  if (!device.success) fail(`--device must be one of ${DevicePreference.options.join(', ')}.`);
  const host = v.host as string;
  const apiKey = (v['api-key'] as string | undefined) ?? process.env.SERVE_MODEL_API_KEY ?? null;
  if (!LOOPBACK.has(host) && !apiKey) fail(`Listening on ${host} makes the model reachable from other machines: set --api-key (or SERVE_MODEL_API_KEY) too.`);
  const certFile = v['tls-cert'] as string | undefined;
  const keyFile = v['tls-key'] as string | undefined;
  if (Boolean(certFile) !== Boolean(keyFile)) fail('--tls-cert and --tls-key go together: give both PEM files.');
  let tls: { key: Buffer; cert: Buffer } | undefined;
  if (certFile && keyFile) {
    try {
      tls = { cert: fs.readFileSync(certFile), key: fs.readFileSync(keyFile) };
    } catch (err) {
      fail(`Cannot read the TLS files: ${(err as Error).message}`, 1);
    }
  }
  if (!LOOPBACK.has(host) && !tls && !v['allow-plain-http']) {
    fail(
      `Listening on ${host} sends patient frames over the network: give --tls-cert and --tls-key (HTTPS), or --allow-plain-http ` +
        'if the network itself is trusted and encrypted.',
    );
  }
  const allowedHosts = ((v['allowed-host'] as string[] | undefined) ?? []).flatMap((h) => h.split(',')).map((h) => h.trim()).filter(Boolean);

  const client = createInferenceClient({ spawnWorker: forkWorker });
  let loaded;
  try {
    loaded = await client.load({ modelPath: v.model as string, mmprojPath: v.mmproj as string, device: device.data, contextSize });
  } catch (err) {
    await client.close();
    fail((err as Error).message, 1);
  }
  const modelId = (v['model-id'] as string | undefined) ?? loaded.name ?? path.basename(v.model as string, '.gguf');
  const server = createOpenAIServer({ client, modelId, apiKey, allowedHosts, ...(tls ? { tls } : {}), log: (line) => console.log(`${new Date().toISOString()} ${line}`) });
  let address;
  try {
    address = await server.listen(port, host);
  } catch (err) {
    await client.close();
    fail(`Cannot listen on ${host}:${port}: ${(err as Error).message}`, 1);
  }
  console.log(`Model "${modelId}" on ${loaded.device.backend} (${loaded.device.names.join(', ')}), image ${loaded.imageSize}×${loaded.imageSize}, loaded in ${loaded.loadMs} ms`);
  if (loaded.device.fallbackReason) console.log(loaded.device.fallbackReason);
  console.log(`OpenAI-compatible API at ${address.url}/v1 (chat completions and models)${apiKey ? ', API key required' : ''}. Ctrl+C stops it.`);

  const stop = async () => {
    await server.close();
    await client.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

void main();
