// The analyze CLI and the inference benchmark on the generated model (the benchmark as a smoke run).
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { makePng } from '../fixtures/images';
import { ensureTestModel, REPO_ROOT } from '../fixtures/test-model';

const run = promisify(execFile);
const tsx = (script: string, args: string[]) =>
  run(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, script), ...args], { cwd: REPO_ROOT, timeout: 180_000, maxBuffer: 16 * 1024 * 1024 });

describe('command-line tools on the generated model', () => {
  it('npm run analyze streams text and ends with one JSON object', async () => {
    const model = await ensureTestModel(224);
    const image = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cli-')), 'frame.png');
    fs.writeFileSync(image, makePng(320, 180, 4));
    const { stdout } = await tsx('scripts/analyze.ts', ['--model', model.modelPath, '--mmproj', model.mmprojPath, '--image', image, '--json', '--max-tokens', '12', '--device', 'cpu']);
    const lines = stdout.trim().split('\n');
    const result = JSON.parse(lines[lines.length - 1]!) as { raw: string; answer: string; structured: boolean; device: { backend: string }; timings: { generated_tokens: number } };
    expect(result.raw.length).toBeGreaterThan(0);
    expect(stdout.startsWith(result.raw)).toBe(true); // the text streamed before the JSON line
    expect(result.device.backend).toBe('cpu');
    expect(result.timings.generated_tokens).toBe(12);
    expect(result.structured).toBe(false);
  });

  it('npm run analyze --ask answers follow-ups in the same context: the image is encoded once', async () => {
    const model = await ensureTestModel(224);
    const image = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cli-')), 'frame.png');
    fs.writeFileSync(image, makePng(320, 180, 5));
    const args = ['--model', model.modelPath, '--mmproj', model.mmprojPath, '--image', image, '--json', '--max-tokens', '8', '--device', 'cpu'];
    const { stdout } = await tsx('scripts/analyze.ts', [...args, '--ask', 'What is the main risk at this moment?', '--ask', 'Which instrument is in use?']);
    const result = JSON.parse(stdout.trim().split('\n').pop()!) as { turns: { question: string; text: string; encode_ms: number; ttft_ms: number; reused_tokens: number }[] };
    expect(result.turns.map((t) => t.question)).toEqual([expect.stringContaining('You are an expert'), 'What is the main risk at this moment?', 'Which instrument is in use?']);
    expect(result.turns[0]!.encode_ms).toBeGreaterThan(0);
    for (const t of result.turns.slice(1)) {
      expect(t.encode_ms).toBe(0);
      expect(t.reused_tokens).toBeGreaterThan(16);
      expect(t.ttft_ms).toBeGreaterThan(0);
      expect(t.text.length).toBeGreaterThan(0);
    }
  });

  it('npm run analyze refuses missing arguments and a missing image with a clear message', async () => {
    await expect(tsx('scripts/analyze.ts', ['--image', 'x.png'])).rejects.toMatchObject({ code: 2, stderr: expect.stringMatching(/--model, --mmproj and --image are required/) });
    const model = await ensureTestModel(224);
    await expect(tsx('scripts/analyze.ts', ['--model', model.modelPath, '--mmproj', model.mmprojPath, '--image', '/nonexistent.png'])).rejects.toMatchObject({
      stderr: expect.stringMatching(/Cannot read the image/),
    });
  });

  it('npm run bench:inference prints its table and one JSON object with every key', async () => {
    const { stdout } = await tsx('scripts/bench/bench-inference.ts', ['--runs', '1', '--max-tokens', '8', '--device', 'cpu', '--json']);
    const last = JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, unknown>;
    for (const key of ['load_ms', 'encode_ms', 'ttft_ms', 'decode_tok_s', 'peak_rss_mb', 'device', 'overhead_ratio', 'first_ttft_ms', 'followup_ttft_ms']) expect(last).toHaveProperty(key);
    expect(last.followup_encode_ms).toBe(0);
    expect(last.device).toMatch(/^cpu/);
    expect(Number(last.encode_ms)).toBeGreaterThan(0);
    expect(stdout).toContain('overhead ratio (worker / direct)');
  });
});
