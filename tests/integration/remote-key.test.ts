// The saved remote API key goes to the saved server only: a test of (or a load from) another address, as a
// compromised or mistaken page could ask for, never carries it. Two real HTTP servers record what they are sent.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServices, type TestServices } from '../fixtures/services';

interface Recorder {
  url: string;
  authorizations: Array<string | undefined>;
  close(): Promise<void>;
}

/** A server that answers every request 401, recording the Authorization header it was sent. */
async function recorder(): Promise<Recorder> {
  const authorizations: Array<string | undefined> = [];
  const server = http.createServer((req, res) => {
    authorizations.push(req.headers.authorization);
    req.resume();
    res.writeHead(401, { 'Content-Type': 'application/json' }).end('{"error":{"message":"bad key"}}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    authorizations,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe('the saved remote API key', () => {
  const KEY = 'sk-saved-remote-key-0123456789';
  let s: TestServices;
  let saved: Recorder;
  let other: Recorder;
  beforeAll(async () => {
    s = startTestServices();
    saved = await recorder();
    other = await recorder();
    await s.call('settings.update', { engine: 'remote', remoteUrl: saved.url, remoteModel: 'medgemma' });
    await s.call('secrets.set', { name: 'remote-api-key', value: KEY });
  });
  afterAll(async () => {
    await s?.close();
    await saved?.close();
    await other?.close();
  });

  it('is sent when testing the saved server', async () => {
    await s.call('inference.testConnection', { url: saved.url, model: 'medgemma' });
    expect(saved.authorizations.at(-1)).toBe(`Bearer ${KEY}`);
  });

  it('is not sent to another address; the answer says why and what to do', async () => {
    const r = await s.call('inference.testConnection', { url: other.url, model: 'medgemma' });
    expect(other.authorizations.length).toBeGreaterThan(0);
    expect(other.authorizations.every((a) => a === undefined)).toBe(true);
    expect(r.ok).toBe(false);
    expect(r.message).toMatch(/saved API key is only sent to the saved server .*enter the key for this server/);
  });

  it('a key typed for the other server is sent to it', async () => {
    await s.call('inference.testConnection', { url: other.url, model: 'medgemma', apiKey: 'sk-typed-for-other-0123' });
    expect(other.authorizations.at(-1)).toBe('Bearer sk-typed-for-other-0123');
  });

  it('loading the remote engine from another address does not carry the saved key either', async () => {
    const before = other.authorizations.length;
    await expect(s.call('inference.load', { engine: 'remote', url: other.url, model: 'medgemma' })).rejects.toThrow();
    const sent = other.authorizations.slice(before);
    expect(sent.length).toBeGreaterThan(0);
    expect(sent.every((a) => a === undefined)).toBe(true);
  });
});
