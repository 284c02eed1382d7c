// ESLint (flat config): typescript-eslint's recommended rules (syntax only, no type information, to stay fast)
// and the layering rules of DESIGN.md, enforced with no-restricted-imports per folder:
//   - only electron/main and electron/preload import `electron`;
//   - the renderer imports nothing from electron/ but the contract (electron/api);
//   - the contract (electron/api) imports nothing from the project and no package but zod;
//   - core (and inference, host) never import main, preload, host or the renderer;
//   - inference never imports core (core imports inference: the client, prompts, GGUF inspection), so no cycle.
// ESLint does not merge one rule's options across config objects (the last match wins), so each folder's
// entry lists every restriction that applies to it.
import tseslint from 'typescript-eslint';

const CODE = ['**/*.{ts,tsx,mts,cts,js,jsx,mjs,cjs}'];

const NO_ELECTRON = {
  regex: '^electron(/.*)?$',
  message: 'Only electron/main and electron/preload may import electron; the rest must run under plain Node or in a browser.',
};
const NO_NODE_BUILTINS = {
  regex: '^node:',
  message: 'This code also runs in the sandboxed renderer: no Node built-ins.',
};
const RENDERER_ONLY_API = {
  group: ['**/electron/core', '**/electron/core/**', '**/electron/main', '**/electron/main/**', '**/electron/inference', '**/electron/inference/**', '**/electron/host', '**/electron/host/**', '**/electron/preload', '**/electron/preload/**'],
  message: 'The renderer may import from electron/ only the contract (electron/api); everything else reaches it through window.workstation.',
};
const API_NOTHING_UP = {
  regex: '^\\.\\./',
  message: 'The contract (electron/api) imports nothing from the rest of the project.',
};
const API_ONLY_ZOD = {
  regex: '^(?!\\.{1,2}/)(?!zod(/|$))',
  message: 'The contract (electron/api) may import no package but zod.',
};
// Relative paths that climb out of the current electron/<layer> folder into a forbidden sibling.
const up = (layers, message) => ({ regex: `^(\\.\\./)+(electron/)?(${layers.join('|')})(/|$)`, message });
const NO_RENDERER = { regex: '^(\\.\\./)+renderer(/|$)', message: 'Only the build knows the renderer; import the contract (electron/api) instead.' };
const CORE_LAYERS = up(['main', 'preload', 'host'], 'Core and inference never import Electron main, the preload or the browser host (they import core, not the other way round).');

const INFERENCE_NOT_CORE = up(['core'], 'Inference never imports core (core imports inference); put what both need in electron/inference or electron/api.');

const restrict = (...patterns) => ({ 'no-restricted-imports': ['error', { patterns }] });

export default [
  { ignores: ['dist/**', 'node_modules/**', '.cache/**', 'release/**', 'out/**', 'test-results/**', 'tests/fixtures/lint/**', 'electron/inference/native/build/**'] },
  ...tseslint.configs.recommended,
  {
    files: CODE,
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },

  // (a) everywhere: no electron …
  { files: CODE, rules: restrict(NO_ELECTRON) },
  // … except the two Electron layers, which have their own fences.
  { files: ['electron/main/**'], rules: restrict(NO_RENDERER, up(['host', 'preload'], 'Electron main does not import the browser host or the preload.')) },
  {
    files: ['electron/preload/**'],
    rules: restrict(NO_RENDERER, up(['core', 'main', 'inference', 'host'], 'The sandboxed preload may import only electron and the contract (electron/api).')),
  },
  // (b) the renderer: only electron/api from electron/, no Node (its build config runs in Node, not in the page).
  { files: ['renderer/**'], ignores: ['renderer/*.config.{ts,js,mjs,mts}'], rules: restrict(NO_ELECTRON, NO_NODE_BUILTINS, RENDERER_ONLY_API) },
  // (c) the contract: nothing from the project, only zod.
  { files: ['electron/api/**'], rules: restrict(NO_ELECTRON, NO_NODE_BUILTINS, API_NOTHING_UP, API_ONLY_ZOD) },
  // (d) core and inference: not main, preload, host or the renderer; inference not core either.
  { files: ['electron/core/**'], rules: restrict(NO_ELECTRON, CORE_LAYERS, NO_RENDERER) },
  { files: ['electron/inference/**'], rules: restrict(NO_ELECTRON, CORE_LAYERS, NO_RENDERER, INFERENCE_NOT_CORE) },
  { files: ['electron/host/**'], rules: restrict(NO_ELECTRON, up(['main', 'preload'], 'The browser host serves the same services as main without importing it.'), NO_RENDERER) },
];
