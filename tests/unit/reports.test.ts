// The report's pure pieces: CSV quoting and the formula guard, timecodes, the all-or-nothing writer (with a
// failing file system), pixel boxes, print sizes and HTML escaping.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { WorkstationError } from '../../electron/api/errors';
import { nodeWriterFs, STAGING_PREFIX, writeAtomically } from '../../electron/core/reports/atomic-writer';
import { csvCell, toCsv } from '../../electron/core/reports/csv';
import { printSize } from '../../electron/api/print-size';
import { DEFAULT_REPORT_FIELDS, type ReportFields } from '../../electron/api/schemas-reports';
import { buildReportDocument, pixelBox, type ReviewData } from '../../electron/core/reports/report-document';
import { esc, renderReportHtml } from '../../electron/core/reports/report-html';
import { TAXONOMY } from '../../electron/core/taxonomy/taxonomy';
import { formatDuration, formatTimecode } from '../../electron/core/reports/timecode';

describe('CSV', () => {
  it('quotes as RFC 4180 says', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell('cr\rhere')).toBe('"cr\rhere"');
    expect(csvCell(null)).toBe('');
    expect(csvCell(undefined)).toBe('');
    expect(csvCell(true)).toBe('true');
    expect(csvCell(0.25)).toBe('0.25');
  });

  it('neutralises cells a spreadsheet would run as a formula, but not numbers', () => {
    for (const bad of ['=1+1', '+SUM(A1)', '-2+3', '@cmd', '\tx', '\r=1']) expect(csvCell(bad).replace(/^"/, '')).toMatch(/^'/);
    expect(csvCell('=HYPERLINK("http://x","y")')).toBe('"\'=HYPERLINK(""http://x"",""y"")"');
    expect(csvCell(-0.5)).toBe('-0.5');
    expect(csvCell('a=b')).toBe('a=b');
  });

  it('writes CRLF rows with a BOM and refuses a ragged row', () => {
    expect(toCsv(['a', 'b'], [[1, 'x,y']])).toBe('\uFEFFa,b\r\n1,"x,y"\r\n');
    expect(() => toCsv(['a', 'b'], [[1]])).toThrow(/1 cells/);
  });
});

describe('timecodes', () => {
  it('prints HH:MM:SS.mmm', () => {
    expect(formatTimecode(0)).toBe('00:00:00.000');
    expect(formatTimecode(1.001)).toBe('00:00:01.001');
    expect(formatTimecode(61.5)).toBe('00:01:01.500');
    expect(formatTimecode(3723.0339)).toBe('01:02:03.033');
    expect(formatTimecode(2 / 30)).toBe('00:00:00.066');
    expect(formatTimecode(null)).toBe('--:--:--.---');
    expect(formatDuration(724)).toBe('12:04');
    expect(formatDuration(3723)).toBe('1:02:03');
  });
});

describe('pixel boxes and print sizes', () => {
  it('scales normalised geometry to the frame', () => {
    expect(pixelBox({ kind: 'box', geometry: { x: 0.25, y: 0.5, w: 0.5, h: 0.25 } }, 640, 360)).toEqual([160, 180, 320, 90]);
    expect(pixelBox({ kind: 'arrow', geometry: { x1: 0.5, y1: 0.5, x2: 0.25, y2: 0.75 } }, 100, 100)).toEqual([25, 50, 25, 25]);
    expect(pixelBox({ kind: 'freehand', geometry: { points: [0.1, 0.2, 0.3, 0.1, 0.2, 0.4] } }, 100, 100)).toEqual([10, 10, 20, 30]);
    expect(pixelBox({ kind: 'text', geometry: { x: 0.5, y: 0.5, text: 't' } }, 10, 10)).toEqual([5, 5, 0, 0]);
  });

  it('embeds small frames as stored and shrinks large ones to 1280 px', () => {
    expect(printSize(640, 360, 150_000)).toBeNull();
    expect(printSize(640, 360, 300_000)).toEqual({ width: 640, height: 360 });
    expect(printSize(1920, 1080, 3_000_000)).toEqual({ width: 1280, height: 720 });
    expect(printSize(1080, 1920, 3_000_000)).toEqual({ width: 720, height: 1280 });
    expect(printSize(1280, 720, 2_000_000)).toEqual({ width: 1280, height: 720 });
  });
});

describe('HTML', () => {
  it('escapes everything that comes from the review', () => {
    expect(esc('<script>alert("x")</script> & \'q\'')).toBe('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;q&#39;');
  });
});

describe('writeAtomically', () => {
  const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'atomic-'));
  const errno = (code: string) => Object.assign(new Error(code), { code });

  it('writes files and folders, then nothing else is left', async () => {
    const dir = tmp();
    const written = await writeAtomically(dir, [
      { path: 'a.txt', data: 'A' },
      { path: 'set/images/1.png', data: new Uint8Array([1, 2]) },
      { path: 'set/annotations.json', data: '{}' },
    ]);
    expect(written).toEqual([path.join(dir, 'a.txt'), path.join(dir, 'set')]);
    expect(fs.readdirSync(dir).sort()).toEqual(['a.txt', 'set']);
    expect([...fs.readFileSync(path.join(dir, 'set/images/1.png'))]).toEqual([1, 2]);
  });

  it('refuses to replace unless told to, and restores the old file when a replace fails', async () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'r.pdf'), 'old');
    await expect(writeAtomically(dir, [{ path: 'r.pdf', data: 'new' }])).rejects.toMatchObject({ code: 'conflict' });
    let renames = 0;
    const failing = {
      ...nodeWriterFs,
      async rename(a: string, b: string) {
        // 1: old r.pdf moved aside, 2: new r.pdf moved in, 3: old x moved aside, 4: new x in -> fails
        if (++renames === 4) throw errno('EIO');
        await nodeWriterFs.rename(a, b);
      },
    };
    fs.writeFileSync(path.join(dir, 'x.csv'), 'old x');
    await expect(writeAtomically(dir, [{ path: 'r.pdf', data: 'new' }, { path: 'x.csv', data: 'new x' }], { overwrite: true, fs: failing })).rejects.toThrow(/Nothing was written/);
    expect(fs.readFileSync(path.join(dir, 'r.pdf'), 'utf8')).toBe('old');
    expect(fs.readFileSync(path.join(dir, 'x.csv'), 'utf8')).toBe('old x');
    expect(fs.readdirSync(dir).sort()).toEqual(['r.pdf', 'x.csv']);
    await writeAtomically(dir, [{ path: 'r.pdf', data: 'new' }], { overwrite: true });
    expect(fs.readFileSync(path.join(dir, 'r.pdf'), 'utf8')).toBe('new');
  });

  it('turns file-system errors into messages a reviewer can act on', async () => {
    const dir = tmp();
    const cases: [string, RegExp][] = [
      ['ENOSPC', /disk .* is full/],
      ['EDQUOT', /disk .* is full/],
      ['EACCES', /cannot be written to/],
      ['EPERM', /cannot be written to/],
      ['EROFS', /cannot be written to/],
    ];
    for (const [code, message] of cases) {
      const err = await writeAtomically(dir, [{ path: 'a', data: 'x' }], {
        fs: {
          ...nodeWriterFs,
          writeFile: async () => {
            throw errno(code);
          },
        },
      }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WorkstationError);
      expect((err as Error).message).toMatch(message);
      expect(fs.readdirSync(dir)).toEqual([]);
    }
    const file = path.join(dir, 'f');
    fs.writeFileSync(file, '');
    await expect(writeAtomically(path.join(file, 'sub'), [{ path: 'a', data: 'x' }])).rejects.toThrow(/is not a folder/);
    await expect(writeAtomically(path.join(dir, 'missing'), [{ path: 'a', data: 'x' }])).rejects.toThrow(/does not exist/);
  });

  it('stops when cancelled, leaving nothing', async () => {
    const dir = tmp();
    const controller = new AbortController();
    const p = writeAtomically(
      dir,
      [
        { path: 'a', data: 'x' },
        { path: 'b', data: 'y' },
      ],
      { signal: controller.signal, onFile: () => controller.abort() },
    );
    await expect(p).rejects.toMatchObject({ code: 'cancelled' });
    expect(fs.readdirSync(dir).filter((n) => n.startsWith(STAGING_PREFIX) || n === 'a')).toEqual([]);
  });

  it('refuses names that would escape the folder', async () => {
    const dir = tmp();
    for (const bad of ['../x', '/abs', 'a/../../b', '', 'a//b']) await expect(writeAtomically(dir, [{ path: bad, data: '' }])).rejects.toThrow(/unsafe/);
  });
});

describe('the segment table and the sign-off (issue: the phase was nowhere in the report)', () => {
  const at = '2026-03-04T10:20:00.000Z';
  const data: ReviewData = {
    case: { id: 1, code: 'CAT-9', surgeryDate: null, eye: 'OD', surgeon: '', notes: '', createdAt: at, updatedAt: at },
    review: { id: 5, caseId: 1, videoId: 2, reviewer: 'Dr. Rao', status: 'final', lastFrameIndex: 0, createdAt: at, updatedAt: at, finalisedAt: at, finalisedBy: 'Dr. Vance', finalisedRole: 'attending' },
    video: null,
    frames: [],
    analyses: new Map(),
    annotations: [],
    tags: [{ id: 1, reviewId: 5, frameId: null, segmentId: 3, kind: 'instrument', value: 'capsulorhexis-forceps', label: 'Capsulorhexis forceps', author: 'Dr. Rao', createdAt: at }],
    segments: [
      { id: 3, reviewId: 5, startFrame: 30, endFrame: 90, startTime: 1, endTime: 3, phase: 'capsulorhexis', label: 'Rhexis, first pass', note: '', author: 'Dr. Rao', createdAt: at, updatedAt: at },
      { id: 4, reviewId: 5, startFrame: 91, endFrame: 99, startTime: 3.03, endTime: 3.3, phase: 'hydrodissection', label: '', note: '', author: 'Dr. Rao', createdAt: at, updatedAt: at },
    ],
    notes: [],
    audit: [],
    taxonomy: TAXONOMY,
    timeline: null,
  };
  const render = (fields: Partial<ReportFields>) =>
    renderReportHtml(buildReportDocument(data, { ...DEFAULT_REPORT_FIELDS, ...fields }, { generatedAt: at, appName: 'App', appVersion: '1' }), new Map());
  const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');

  it('shows each segment\'s phase and its own label, and its tags', () => {
    const html = render({ reviewer: true });
    const row = (id: number) => text(new RegExp(`<tr data-segment-id="${id}">.*?</tr>`).exec(html)![0]);
    expect(row(3)).toMatch(/^ Capsulorhexis Rhexis, first pass 00:00:01\.000 00:00:03\.000 30–90 Capsulorhexis forceps $/);
    expect(row(4)).toMatch(/^ Hydrodissection — 00:00:03\.030/);
    expect(text(html)).toMatch(/Instrument Capsulorhexis forceps segment Capsulorhexis \(Rhexis, first pass\)/i);
  });

  it('signs off with who finalised it, their role and when; the name only when included', () => {
    expect(text(render({ reviewer: true }))).toMatch(/This review was finalised by Dr\. Vance \(Attending surgeon\) on .* and locked against changes\. Reviewer Dr\. Vance Role Attending surgeon Finalised/);
    const hidden = text(render({ reviewer: false }));
    expect(hidden).toMatch(/This review was finalised \(Attending surgeon\) on .* Reviewer not included Role Attending surgeon/);
    expect(hidden).not.toMatch(/Vance|Rao/);
  });
});
