// serve-model on the network: a request whose Host header does not name the server is refused (a web page cannot
// reach a loopback server without an API key by DNS rebinding), and it can serve HTTPS with the department's
// certificate. The real server (no model is needed to answer /v1/models); a certificate made with openssl.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { forkWorker } from '../../electron/inference/fork-worker';
import { createInferenceClient } from '../../electron/inference/inference-client';
import { createOpenAIServer, hostAllowed, type OpenAIServer } from '../../electron/inference/openai-server';

function get(mod: typeof http | typeof https, port: number, host: string, extra: https.RequestOptions = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = mod.request({ host: '127.0.0.1', port, path: '/v1/models', method: 'GET', headers: { Host: host }, ...extra }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const client = createInferenceClient({ spawnWorker: forkWorker });
const servers: OpenAIServer[] = [];
afterAll(async () => {
  for (const s of servers) await s.close();
  await client.close();
});

describe('serve-model security', () => {
  it('refuses a foreign Host header on loopback without an API key (DNS rebinding), and answers its own names', async () => {
    const server = createOpenAIServer({ client, modelId: 'tiny' });
    servers.push(server);
    const { port } = await server.listen(0, '127.0.0.1');
    const foreign = await get(http, port, `attacker.example:${port}`);
    expect(foreign.status).toBe(421);
    expect(foreign.body).toMatch(/does not answer to that host name/);
    expect((await get(http, port, `rebind.attacker.example:${port}`)).status).toBe(421);
    expect((await get(http, port, '127.0.0.1:1')).status).toBe(421); // another port is another server
    for (const own of [`127.0.0.1:${port}`, `localhost:${port}`]) expect((await get(http, port, own)).status, own).toBe(200);
  });

  it('knows which names a server on the network answers to', () => {
    const lan = { address: '10.0.0.5', port: 8080, tls: true };
    expect(hostAllowed('10.0.0.5:8080', lan, [], true)).toBe(true);
    expect(hostAllowed('gpu-server:8080', lan, ['gpu-server'], true)).toBe(true);
    expect(hostAllowed('gpu-server:8080', lan, [], true)).toBe(false);
    expect(hostAllowed('gpu-server', { ...lan, port: 443 }, ['gpu-server'], true)).toBe(true);
    const any = { address: '0.0.0.0', port: 8080, tls: true };
    expect(hostAllowed('whatever:8080', any, [], true)).toBe(true); // only with a key: the key protects it
    expect(hostAllowed('whatever:8080', any, [], false)).toBe(false);
    expect(hostAllowed('whatever:8080', any, ['gpu-server'], true)).toBe(false);
    expect(hostAllowed(undefined, lan, [], true)).toBe(false);
  });

  it('serves HTTPS with a given certificate', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'serve-tls-'));
    const key = path.join(dir, 'key.pem');
    const cert = path.join(dir, 'cert.pem');
    const made = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { encoding: 'utf8' });
    expect(made.status, made.stderr).toBe(0);
    const server = createOpenAIServer({ client, modelId: 'tiny', apiKey: 'k-123456', tls: { key: fs.readFileSync(key), cert: fs.readFileSync(cert) } });
    servers.push(server);
    const { url, port } = await server.listen(0, '127.0.0.1');
    expect(url).toMatch(/^https:\/\//);
    const r = await get(https, port, `127.0.0.1:${port}`, { ca: fs.readFileSync(cert), headers: { Host: `127.0.0.1:${port}`, Authorization: 'Bearer k-123456' } });
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body).data[0].id).toBe('tiny');
    await expect(get(http, port, `127.0.0.1:${port}`)).rejects.toThrow(); // no plain HTTP on it
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
