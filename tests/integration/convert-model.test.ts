// scripts/convert-model cannot run end to end here (no weights, no torch). What is tested: its arguments, the
// prerequisite checks (with PATH controlled, and stand-ins for python3 and llama-quantize), the exact commands
// of --dry-run, the output naming, that a failed step leaves no half file, and that the outputs import.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServices } from '../fixtures/services';
import { ensureTestModel, REPO_ROOT } from '../fixtures/test-model';

const SCRIPT = path.join(REPO_ROOT, 'scripts', 'convert-model');
const BASH = fs.existsSync('/bin/bash') ? '/bin/bash' : 'bash';
const TOOLS = ['cat', 'sed', 'head', 'tr', 'basename', 'dirname', 'grep', 'du', 'awk', 'df', 'git', 'mkdir', 'rm', 'mv', 'date', 'cp', 'ls'];

function which(cmd: string): string | null {
  const r = spawnSync(BASH, ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

// Stand-in python3: answers the version and package checks, and "converts" by copying the tiny model files.
const FAKE_PYTHON = `#!${process.execPath}
const fs = require('node:fs');
const a = process.argv.slice(2);
if (a[0] === '-c') {
  if (a[1].includes('find_spec')) {
    let missing = (process.env.FAKE_PY_MISSING || '').split(' ').filter(Boolean);
    if (process.env.SKIP_GGUF === '1') missing = missing.filter((m) => m !== 'gguf');
    console.log(missing.join(' '));
    if (process.env.FAKE_TRANSFORMERS) console.log('OLD_TRANSFORMERS ' + process.env.FAKE_TRANSFORMERS);
  }
  process.exit(0);
}
fs.appendFileSync(process.env.FAKE_LOG, 'python ' + a.join(' ') + '\\n');
const out = a[a.indexOf('--outfile') + 1];
const mmproj = a.includes('--mmproj');
fs.writeFileSync(out, fs.readFileSync(mmproj ? process.env.FAKE_MMPROJ : process.env.FAKE_TEXT));
if (process.env.FAKE_FAIL === (mmproj ? 'mmproj' : 'text')) process.exit(1);
if (!mmproj) patch(out, 32);
function patch(f, t) {
  const b = fs.readFileSync(f); const k = b.indexOf('general.file_type'); b.writeUInt32LE(t, k + 17 + 4); fs.writeFileSync(f, b);
}
`;

// Stand-in llama-quantize: copies, and labels the copy with the requested type (the tensors stay the tiny model's).
const FAKE_QUANTIZE = `#!${process.execPath}
const fs = require('node:fs');
const [src, dest, type] = process.argv.slice(2);
fs.appendFileSync(process.env.FAKE_LOG, 'quantize ' + process.argv.slice(2).join(' ') + '\\n');
const b = fs.readFileSync(src); const k = b.indexOf('general.file_type');
b.writeUInt32LE({ Q4_K_M: 15, Q8_0: 7 }[type] ?? 1, k + 17 + 4);
fs.writeFileSync(dest, b);
`;

describe('scripts/convert-model', () => {
  let work: string;
  let tools: string; // the basic tools, and nothing else
  let fakes: string; // stand-in python3 and llama-quantize
  let llamaSrc: string; // a stand-in llama.cpp source folder
  let ckpt: string;
  let log: string;
  let model: { modelPath: string; mmprojPath: string };

  beforeAll(async () => {
    model = await ensureTestModel(224);
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'convert-model-'));
    tools = path.join(work, 'tools');
    fakes = path.join(work, 'fakes');
    llamaSrc = path.join(work, 'llama.cpp');
    fs.mkdirSync(tools);
    fs.mkdirSync(fakes);
    fs.mkdirSync(path.join(llamaSrc, 'gguf-py'), { recursive: true });
    fs.writeFileSync(path.join(llamaSrc, 'convert_hf_to_gguf.py'), '# stand-in\n');
    for (const t of TOOLS) {
      const at = which(t);
      if (at) fs.symlinkSync(at, path.join(tools, t));
    }
    fs.writeFileSync(path.join(fakes, 'python3'), FAKE_PYTHON, { mode: 0o755 });
    fs.writeFileSync(path.join(fakes, 'llama-quantize'), FAKE_QUANTIZE, { mode: 0o755 });
    ckpt = path.join(work, 'MedGemma-Cataract');
    fs.mkdirSync(ckpt);
    fs.writeFileSync(path.join(ckpt, 'config.json'), JSON.stringify({ architectures: ['Gemma3ForConditionalGeneration'], model_type: 'gemma3' }, null, 2));
    fs.writeFileSync(path.join(ckpt, 'model-00001-of-00002.safetensors'), Buffer.alloc(4096));
    fs.writeFileSync(path.join(ckpt, 'tokenizer.model'), 'x');
    log = path.join(work, 'calls.log');
  });
  afterAll(() => {
    fs.rmSync(work, { recursive: true, force: true });
  });

  function run(args: string[], o: { withFakes?: boolean; env?: Record<string, string> } = {}) {
    const PATH = o.withFakes === false ? tools : `${fakes}:${tools}`;
    const r = spawnSync(BASH, [SCRIPT, ...args], {
      encoding: 'utf8',
      cwd: work,
      env: { PATH, HOME: work, FAKE_LOG: log, FAKE_TEXT: model.modelPath, FAKE_MMPROJ: model.mmprojPath, ...o.env },
    });
    return { code: r.status, out: r.stdout, err: r.stderr };
  }

  it('prints its usage with the prerequisites', () => {
    const r = run(['--help']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/Usage: scripts\/convert-model CHECKPOINT_DIR/);
    expect(r.out).toMatch(/torch, transformers .*sentencepiece, numpy,\s+safetensors and gguf/);
    expect(r.out).toMatch(/llama-quantize from a llama.cpp build/);
  });

  it.each([
    [[], /give the merged Hugging Face checkpoint folder/],
    [['--frobnicate'], /unknown option --frobnicate/],
    [['a', 'b'], /one checkpoint folder only/],
    [['a', '--out'], /--out needs a folder/],
    [['a', '--types', 'Q4 K M'], /is not a quantisation type/],
    [['a', '--name', 'bad name'], /--name may use letters/],
    [['a', '--no-mmproj', '--mmproj-only'], /leave nothing to do/],
  ])('refuses bad arguments %j with exit code 2', (args, message) => {
    const r = run(args as string[]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
  });

  it('checks the checkpoint folder up front', () => {
    const missing = run([path.join(work, 'nope'), '--check']);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/does not exist\. Download the merged Hugging Face checkpoint first/);

    const lora = path.join(work, 'lora');
    fs.mkdirSync(lora, { recursive: true });
    fs.writeFileSync(path.join(lora, 'config.json'), '{"model_type": "gemma3"}');
    fs.writeFileSync(path.join(lora, 'adapter_config.json'), '{}');
    const r = run([lora, '--check', '--llama-cpp', llamaSrc, '--quantize-bin', path.join(fakes, 'llama-quantize')]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/only a LoRA adapter.*Merge it into the base model first/);
    expect(r.err).toMatch(/no tokenizer/);

    const llama = path.join(work, 'llama-ckpt');
    fs.mkdirSync(llama, { recursive: true });
    fs.writeFileSync(path.join(llama, 'config.json'), '{"model_type": "llama"}');
    expect(run([llama, '--check']).err).toMatch(/does not say "model_type": "gemma3"/);
  });

  it('says clearly when python3 and llama-quantize are missing', () => {
    const r = run([ckpt, '--check', '--llama-cpp', llamaSrc], { withFakes: false });
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/python3 was not found on PATH\. Install Python 3\.9 or newer/);
    expect(r.err).toMatch(/llama-quantize was not found on PATH\. Build it from llama\.cpp/);
    const bad = run([ckpt, '--check', '--llama-cpp', llamaSrc, '--quantize-bin', path.join(work, 'no-such-binary')]);
    expect(bad.err).toMatch(/--quantize-bin .*no-such-binary is not an executable file/);
  });

  it('lists the missing Python packages with the command that installs them', () => {
    const r = run([ckpt, '--check', '--llama-cpp', llamaSrc], { env: { FAKE_PY_MISSING: 'torch sentencepiece' } });
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/Python packages missing for .*python3: torch sentencepiece\. Install them with: .*python3 -m pip install -r .*requirements-convert_hf_to_gguf\.txt/);
    const old = run([ckpt, '--check', '--llama-cpp', llamaSrc], { env: { FAKE_TRANSFORMERS: '4.44.0' } });
    expect(old.err).toMatch(/transformers 4\.44\.0 is too old for Gemma 3/);
  });

  it('does not ask for gguf when it comes with the llama.cpp source still to be unpacked', () => {
    const r = run([ckpt, '--check'], { env: { FAKE_PY_MISSING: 'gguf', CONVERT_MODEL_CACHE: path.join(work, 'cache') } });
    expect(r.err).not.toMatch(/packages missing/);
  });

  it('passes --check when everything is there', () => {
    const r = run([ckpt, '--check', '--llama-cpp', llamaSrc]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/All prerequisites are present/);
  });

  it('prints the exact commands and the output names with --dry-run, even before the prerequisites are met', () => {
    const out = path.join(work, 'out-dry');
    const r = run([ckpt, '--dry-run', '--out', out, '--llama-cpp', llamaSrc], { withFakes: false });
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/A real run would stop here:[\s\S]*python3 was not found/);
    const lines = r.out.trim().split('\n');
    expect(lines).toEqual([
      `mkdir -p ${out}`,
      `PYTHONPATH=${llamaSrc}/gguf-py python3 ${llamaSrc}/convert_hf_to_gguf.py ${ckpt} --outtype bf16 --outfile ${out}/medgemma-cataract-bf16.gguf`,
      `PYTHONPATH=${llamaSrc}/gguf-py python3 ${llamaSrc}/convert_hf_to_gguf.py ${ckpt} --mmproj --outtype f16 --outfile ${out}/mmproj-medgemma-cataract-f16.gguf`,
      `llama-quantize ${out}/medgemma-cataract-bf16.gguf ${out}/medgemma-cataract-Q4_K_M.gguf Q4_K_M`,
      `llama-quantize ${out}/medgemma-cataract-bf16.gguf ${out}/medgemma-cataract-Q8_0.gguf Q8_0`,
    ]);
    expect(fs.existsSync(out)).toBe(false);
  });

  it('unpacks the converter from the bundle node-llama-cpp ships when no source is given', () => {
    const cache = path.join(work, 'cache2');
    const r = run([ckpt, '--dry-run', '--name', 'x', '--types', 'none', '--no-mmproj'], { env: { CONVERT_MODEL_CACHE: cache } });
    expect(r.code).toBe(0);
    const tag = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'node_modules/node-llama-cpp/llama/llama.cpp.info.json'), 'utf8')).tag;
    expect(r.out).toContain(`git -c advice.detachedHead=false clone --quiet ${REPO_ROOT}/node_modules/node-llama-cpp/llama/gitRelease.bundle ${cache}/${tag}`);
    expect(r.out).toContain(`${cache}/${tag}/convert_hf_to_gguf.py ${ckpt} --outtype bf16 --outfile ${ckpt}-gguf/x-bf16.gguf`);
  });

  it('converts (with stand-ins), names the outputs as documented, and the folder imports as a converted model', async () => {
    const out = path.join(work, 'out');
    fs.rmSync(log, { force: true });
    const r = run([ckpt, '--out', out, '--llama-cpp', llamaSrc]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(fs.readdirSync(out).sort()).toEqual([
      'medgemma-cataract-Q4_K_M.gguf',
      'medgemma-cataract-Q8_0.gguf',
      'medgemma-cataract-bf16.gguf',
      'medgemma-cataract.convert.json',
      'mmproj-medgemma-cataract-f16.gguf',
    ]);
    const calls = fs.readFileSync(log, 'utf8').trim().split('\n');
    expect(calls).toEqual([
      `python ${llamaSrc}/convert_hf_to_gguf.py ${ckpt} --outtype bf16 --outfile ${out}/medgemma-cataract-bf16.gguf`,
      `python ${llamaSrc}/convert_hf_to_gguf.py ${ckpt} --mmproj --outtype f16 --outfile ${out}/mmproj-medgemma-cataract-f16.gguf`,
      `quantize ${out}/medgemma-cataract-bf16.gguf ${out}/medgemma-cataract-Q4_K_M.gguf Q4_K_M`,
      `quantize ${out}/medgemma-cataract-bf16.gguf ${out}/medgemma-cataract-Q8_0.gguf Q8_0`,
    ]);
    const manifest = JSON.parse(fs.readFileSync(path.join(out, 'medgemma-cataract.convert.json'), 'utf8'));
    expect(manifest).toMatchObject({
      name: 'medgemma-cataract',
      checkpoint: ckpt,
      outputs: { bf16: 'medgemma-cataract-bf16.gguf', Q4_K_M: 'medgemma-cataract-Q4_K_M.gguf', Q8_0: 'medgemma-cataract-Q8_0.gguf', mmproj: 'mmproj-medgemma-cataract-f16.gguf' },
    });
    expect(manifest.commands).toHaveLength(4);
    expect(r.out).toMatch(/npm run model -- import --folder/);

    // A second run does not overwrite what is there.
    const again = run([ckpt, '--out', out, '--llama-cpp', llamaSrc]);
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/already exists\. Remove it, choose another --out or --name, or pass --force/);

    const s = startTestServices();
    try {
      const { model: m } = await s.call('models.import', { folder: out, mode: 'reference' });
      expect(m).toMatchObject({ source: 'converted', quantization: 'Q4_K_M', title: 'medgemma-cataract (Q4_K_M)' });
      expect(m.text.fileName).toBe('medgemma-cataract-Q4_K_M.gguf');
      expect(m.mmproj.fileName).toBe('mmproj-medgemma-cataract-f16.gguf');
    } finally {
      await s.close();
    }
  });

  it('leaves no half-written file when a step fails', () => {
    const out = path.join(work, 'out-fail');
    const r = run([ckpt, '--out', out, '--llama-cpp', llamaSrc], { env: { FAKE_FAIL: 'mmproj' } });
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/this step failed: .*--mmproj/);
    expect(fs.readdirSync(out)).toEqual(['medgemma-cataract-bf16.gguf']); // the finished step's file only
  });
});
