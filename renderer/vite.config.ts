// Builds the sandboxed renderer. Served by the Electron app (app://) and by the browser host (http://127.0.0.1).
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';
import { injectMetaCsp } from '../electron/core/security/csp';

const root = fileURLToPath(new URL('.', import.meta.url));

/** Writes the one CSP (electron/core/security/csp.ts) into index.html's <meta>. */
const contentSecurityPolicy: Plugin = { name: 'workstation-csp', transformIndexHtml: { order: 'pre', handler: (html) => injectMetaCsp(html) } };

export default defineConfig({
  root,
  plugins: [contentSecurityPolicy],
  base: './',
  // Vite 8 transforms TSX with oxc; the automatic runtime matches tsconfig's "jsx": "react-jsx".
  oxc: { jsx: { runtime: 'automatic' } },
  build: {
    outDir: fileURLToPath(new URL('../dist/renderer', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    // The CSP forbids inline scripts; keep the module preload polyfill out of index.html.
    modulePreload: { polyfill: false },
  },
  server: { strictPort: false },
});
