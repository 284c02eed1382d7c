// One CSP: the header app:// and the browser host send, and the <meta> the build writes into index.html.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY, injectMetaCsp, META_CONTENT_SECURITY_POLICY, pageSecurityHeaders } from '../../electron/core/security/csp';

const repo = path.resolve(__dirname, '../..');
const metaOf = (html: string) => /<meta http-equiv="Content-Security-Policy" content="([^"]*)"/.exec(html)?.[1];

describe('content security policy', () => {
  it('the source index.html takes its CSP from the build, and the build writes the same policy as the header (less frame-ancestors)', () => {
    const source = fs.readFileSync(path.join(repo, 'renderer', 'index.html'), 'utf8');
    expect(metaOf(source)).toBe('%WORKSTATION_CSP%');
    expect(metaOf(injectMetaCsp(source))).toBe(META_CONTENT_SECURITY_POLICY);
    expect(`${META_CONTENT_SECURITY_POLICY}; frame-ancestors 'none'`).toBe(CONTENT_SECURITY_POLICY);
    expect(() => injectMetaCsp('<html></html>')).toThrow(/WORKSTATION_CSP/);
  });

  it('a built renderer carries exactly that policy', () => {
    const built = path.join(repo, 'dist', 'renderer', 'index.html');
    if (!fs.existsSync(built)) return; // built by `npm run build` (CI builds before the e2e tests)
    expect(metaOf(fs.readFileSync(built, 'utf8'))).toBe(META_CONTENT_SECURITY_POLICY);
  });

  it('every page header set carries the policy and nosniff', () => {
    expect(pageSecurityHeaders()).toMatchObject({ 'Content-Security-Policy': CONTENT_SECURITY_POLICY, 'X-Content-Type-Options': 'nosniff', 'X-Frame-Options': 'DENY' });
  });
});
