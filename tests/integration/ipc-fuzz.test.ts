// IPC fuzz: for every channel of the contract, 1,000 generated bad payloads (wrong types, huge strings, deep
// nesting, prototype keys) through the real dispatcher over the real services, and the same through one real
// browser host over HTTP. Every one is refused with a validation error (invalid-argument; 400 over HTTP), nothing
// crashes, and nothing is written: every table's row count, the frame store and the events stay as they were.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REQUEST_CHANNELS } from '../../electron/api/contract';
import { dispatch } from '../../electron/api/dispatch';
import { WorkstationError } from '../../electron/api/errors';
import { encodeWire } from '../../electron/api/wire';
import type { AppServices } from '../../electron/core/app-services';
import { badPayloads, wireText } from '../fixtures/bad-payloads';
import { startTestHost, type TestHost } from '../fixtures/host';
import { makePng } from '../fixtures/images';
import { postPipelined } from '../fixtures/pipelined-client';

const PER_CHANNEL = 1000;

/** Every table's row count and the frame files: what "nothing written" is checked against. */
function snapshot(services: AppServices, dataDir: string): string {
  const tables = services.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").pluck().all() as string[];
  const counts = tables.map((t) => `${t}=${(services.db.prepare(`SELECT count(*) FROM "${t}"`).pluck().get() as number) ?? 0}`);
  const frames = fs.readdirSync(path.join(dataDir, 'frames'), { recursive: true }).length;
  return `${counts.join(' ')} files=${frames}`;
}

describe('IPC fuzz: every channel refuses generated bad payloads and changes nothing', () => {
  let t: TestHost;
  let before: string;
  let eventsSeen = 0;
  // Made once (cheap: shared values), sent through both transports.
  const payloads = new Map(REQUEST_CHANNELS.map((c) => [c, badPayloads(c, PER_CHANNEL)] as const));
  beforeAll(async () => {
    const renderer = fs.mkdtempSync(path.join(os.tmpdir(), 'renderer-'));
    fs.writeFileSync(path.join(renderer, 'index.html'), '<!doctype html><title>Workstation</title>');
    t = await startTestHost({ rendererDir: renderer });
    // Something in the library, so that a write that slipped through would show in the counts.
    const c = await t.call('cases.create', { code: 'FUZZ-1', surgeryDate: null, eye: 'OS', surgeon: '', notes: '' });
    await t.call('frames.addImage', { caseId: (c.body.value as { id: number }).id, fileName: 'a.png', data: makePng(16, 16) });
    t.events.subscribe(() => eventsSeen++);
    before = snapshot(t.services, t.dataDir);
  });
  afterAll(async () => {
    await t?.close();
  });

  it(`through the dispatcher: ${PER_CHANNEL} per channel`, async () => {
    let refused = 0;
    for (const channel of REQUEST_CHANNELS) {
      for (const payload of payloads.get(channel)!) {
        let error: unknown = null;
        try {
          await dispatch(t.services.handlers, channel, payload);
        } catch (err) {
          error = err;
        }
        if (!(error instanceof WorkstationError) || error.code !== 'invalid-argument') {
          throw new Error(`${channel} did not refuse ${wireText(payload, encodeWire).slice(0, 200)}: ${String(error)}`);
        }
        refused++;
      }
    }
    expect(refused).toBe(REQUEST_CHANNELS.length * PER_CHANNEL);
    expect(snapshot(t.services, t.dataDir)).toBe(before);
    expect(eventsSeen).toBe(0);
  }, 180_000);

  it(`through the browser host over HTTP: ${PER_CHANNEL} per channel`, async () => {
    let refused = 0;
    const failures: string[] = [];
    for (const channel of REQUEST_CHANNELS) {
      const bodies = payloads.get(channel)!.map((p) => wireText(p, encodeWire));
      // Not JSON at all, too: a few bodies the decoder must refuse before the contract sees them.
      bodies.push('{"unterminated', '\u0000', '[1,2', 'undefined');
      const answers = await postPipelined(t.host.port, bodies.map((body) => ({ path: `/api/invoke/${channel}`, body })), { Authorization: `Bearer ${t.host.token}` });
      answers.forEach((a, j) => {
        let code: string | undefined;
        try {
          code = (JSON.parse(a.body) as { error?: { code: string } }).error?.code;
        } catch {
          code = undefined;
        }
        if (a.status !== 400) code = undefined;
        if (code === 'invalid-argument') refused++;
        else failures.push(`${channel}: ${a.head.replace(/\r\n/g, ' | ')} ${a.body.slice(0, 100)} for ${bodies[j]!.slice(0, 120)}`);
      });
    }
    expect(failures.slice(0, 10)).toEqual([]);
    expect(refused).toBe(REQUEST_CHANNELS.length * (PER_CHANNEL + 4));
    expect(snapshot(t.services, t.dataDir)).toBe(before);
    expect(eventsSeen).toBe(0);
    // Still answering as before.
    expect((await t.call('cases.list', {})).body.value).toHaveLength(1);
  }, 300_000);
});
