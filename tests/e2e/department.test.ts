// The department server's web view with two reviewers at once (issue #18): a real PostgreSQL server, the real
// department server over HTTPS (a self-signed certificate made here; the session is the __Host- cookie, which
// needs Secure), the web view built from renderer/department, and two Chromium contexts, a resident and an
// attending. The resident writes a note and cannot sign off; the attending sees the note arrive live and signs off;
// the resident's next edit is refused (locked) and nothing changes. On the way: stale label and note edits (409
// "Changed by …", Reload) and screenshots of the sign-in and review pages in light and dark (test-results/department/).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccounts, type Accounts } from '../../electron/core/department/accounts';
import { openLibraryDb, type LibraryDbHandle } from '../../electron/core/department/db';
import { createLibraryStore, type LibraryReview, type LibraryStore } from '../../electron/core/department/library-store';
import { migrateLibrary } from '../../electron/core/department/migrations';
import { postgresReviewEvents, type ReviewEvents } from '../../electron/host/department/review-events';
import { startDepartmentServer, type DepartmentServer } from '../../electron/host/department/server';
import { FAST_SCRYPT, seedReviewers } from '../fixtures/department-library';
import { startPostgres, type PostgresServer } from '../fixtures/postgres';
import { selfSignedCertificate } from '../fixtures/tls-cert';
import { CHROMIUM, CHROMIUM_ARGS } from './harness';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const SHOTS = path.join(ROOT, 'test-results', 'department');
const PASSWORD = 'correct-horse-battery-1';
const TITLE = 'Case 1042 — phaco, right eye';

let pg: PostgresServer;
let dir: string;
let handle: LibraryDbHandle;
let events: ReviewEvents;
let store: LibraryStore;
let accounts: Accounts;
let server: DepartmentServer;
let browser: Browser;
let review: LibraryReview;
const contexts: BrowserContext[] = [];
const pageErrors: string[] = [];

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dept-e2e-'));
  const web = path.join(dir, 'web');
  execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'build-department-web.mjs'), '--out', web, '--quiet'], { stdio: 'inherit' });
  const { cert, key } = selfSignedCertificate(dir);
  const tls = { cert, key };

  [pg, browser] = await Promise.all([startPostgres(), chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS })]);
  handle = openLibraryDb({ kind: 'postgres', url: pg.url, poolSize: 4 });
  await migrateLibrary(handle);
  accounts = createAccounts(handle, { scrypt: FAST_SCRYPT });
  events = await postgresReviewEvents({ url: pg.url });
  store = createLibraryStore(handle, { changes: events.sink });
  server = await startDepartmentServer({ accounts, store, events, tls, webRoot: web });
  const admin = await seedReviewers(accounts, PASSWORD);
  review = await store.reviews.create(admin, { title: TITLE });
  await store.annotations.create(admin, review.id, { kind: 'box', geometry: { x: 0.3, y: 0.3, w: 0.2, h: 0.2 }, frameIndex: 120, label: 'Rhexis' });
  fs.mkdirSync(SHOTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await events?.close();
  await handle?.close();
  await pg?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** A reviewer's own browser context (own cookies), on the sign-in page (at `hash`, e.g. a review's link). */
async function open(hash = '', viewport = { width: 1100, height: 760 }): Promise<Page> {
  const context = await browser.newContext({ viewport, ignoreHTTPSErrors: true });
  contexts.push(context);
  const page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    // Chromium logs every refused fetch; the server's refusals (401/403/409) are answers the page shows.
    // 404: the page asks whether a review was published from a workstation (this one was not). 400: a refused input
    // (the accounts page's short password).
    if (m.type() === 'error' && !/status of (400|401|403|404|409)/.test(m.text())) pageErrors.push(`console: ${m.text()}`);
  });
  await page.goto(`${server.url}/${hash}`);
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  return page;
}

async function signIn(page: Page, username: string, password = PASSWORD): Promise<void> {
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

const see = (page: Page, text: string | RegExp) => page.getByText(text).first().waitFor({ timeout: 10_000 });
const gone = (page: Page, text: string | RegExp) => page.getByText(text).first().waitFor({ state: 'detached', timeout: 10_000 });
const annotationRow = (page: Page, text: string) => page.getByTestId('annotation').filter({ hasText: text });
const noteRow = (page: Page, text: string) => page.getByTestId('note').filter({ hasText: text });

async function shot(page: Page, name: string): Promise<void> {
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.waitForFunction((s) => document.documentElement.dataset.theme === s, scheme);
    await page.screenshot({ path: path.join(SHOTS, `${name}-${scheme}.png`), fullPage: true });
  }
  await page.emulateMedia({ colorScheme: 'light' });
}

describe('the department web view: a resident and an attending on one review (PostgreSQL, HTTPS, Chromium)', () => {
  it('serves the page with a strict CSP and keeps the API behind the session', async () => {
    const page = await open();
    const headers = await page.evaluate(async () => {
      const r = await fetch('/', { method: 'HEAD' });
      const api = await fetch('/api/reviews');
      const traversal = await fetch('/..%2f..%2fpackage.json');
      return { csp: r.headers.get('content-security-policy'), type: r.headers.get('content-type'), api: api.status, traversal: traversal.status };
    });
    expect(headers.csp).toMatch(/script-src 'self'/);
    expect(headers.csp).not.toMatch(/unsafe-inline/);
    expect(headers.type).toBe('text/html; charset=utf-8');
    expect(headers.api).toBe(401);
    expect(headers.traversal).toBe(404);
    await contexts.pop()!.close();
    pageErrors.splice(0); // Chromium logged the 404 asked for above
  });

  it('two reviewers: live annotation, a stale edit, the resident cannot sign off, the attending signs off, the next edit is locked', async () => {
    const resident = await open();
    const attending = await open();
    // The server's words on a wrong password.
    await signIn(resident, 'rhea', 'not-the-password');
    await see(resident, 'Wrong username or password.');
    await shot(resident, 'sign-in');
    await signIn(resident, 'rhea');
    await signIn(attending, 'amir');
    await see(resident, 'Dr Rhea Resident');
    await see(attending, 'Dr Amir Attending');
    await see(attending, 'Attending surgeon');
    await attending.getByRole('link', { name: TITLE }).waitFor();
    await shot(attending, 'reviews');
    for (const page of [resident, attending]) {
      await page.getByRole('link', { name: TITLE }).click();
      await page.getByRole('status').getByText('Live', { exact: true }).waitFor();
    }
    let attendingLoads = 0;
    attending.on('load', () => attendingLoads++);

    // The resident adds a note on a frame (the notes routes); the attending's page shows it without loading again.
    await resident.getByRole('spinbutton', { name: /^Frame/ }).fill('120');
    await resident.getByLabel('Note', { exact: true }).fill('Capsulorhexis edge irregular at 2 o’clock');
    await resident.getByRole('button', { name: 'Add note' }).click();
    await see(attending, 'Capsulorhexis edge irregular at 2 o’clock');
    await noteRow(attending, 'Capsulorhexis').getByText('Frame 120').waitFor();
    await noteRow(attending, 'Capsulorhexis').getByText('Dr Rhea Resident', { exact: false }).waitFor();
    expect(await store.notes.listByReview(review.id)).toMatchObject([{ frameIndex: 120, text: 'Capsulorhexis edge irregular at 2 o’clock', author: 'Dr Rhea Resident' }]);

    // A stale note edit: the attending's change arrives live; the resident's save, based on the version read, is
    // refused with who and when; Reload shows the attending's text.
    await noteRow(resident, 'Capsulorhexis').getByRole('button', { name: 'Edit note' }).click();
    await noteRow(attending, 'Capsulorhexis').getByRole('button', { name: 'Edit note' }).click();
    await attending.getByLabel('Note text').fill('Capsulorhexis edge irregular at 2 o’clock; radial tear');
    await attending.getByRole('button', { name: 'Save note' }).click();
    await see(resident, /edited by Dr Amir Attending/);
    await resident.getByLabel('Note text').fill('Capsulorhexis edge irregular');
    await resident.getByRole('button', { name: 'Save note' }).click();
    await see(resident, /^Changed by Dr Amir Attending at \d{4}-\d\d-\d\d \d\d:\d\d UTC — reload/);
    await resident.getByRole('button', { name: 'Reload' }).click();
    await see(resident, 'Capsulorhexis edge irregular at 2 o’clock; radial tear');
    expect((await store.notes.listByReview(review.id)).map((n) => n.text)).toEqual(['Capsulorhexis edge irregular at 2 o’clock; radial tear']);

    // A stale edit: the resident starts editing the label; the attending changes it first (it shows live on the
    // resident's page); the resident's save, based on the version read, is refused with who and when.
    await annotationRow(resident, 'Rhexis').getByRole('button', { name: 'Edit label' }).click();
    await annotationRow(attending, 'Rhexis').getByRole('button', { name: 'Edit label' }).click();
    await attending.getByLabel('Label', { exact: true }).fill('Rhexis: check tear');
    await attending.getByRole('button', { name: 'Save label' }).click();
    await see(resident, 'Rhexis: check tear');
    await resident.getByLabel('Label', { exact: true }).fill('Rhexis tear');
    await resident.getByRole('button', { name: 'Save label' }).click();
    await see(resident, /^Changed by Dr Amir Attending at \d{4}-\d\d-\d\d \d\d:\d\d UTC — reload/);
    await resident.getByRole('button', { name: 'Reload' }).click();
    await gone(resident, /^Changed by Dr Amir Attending/);
    expect((await store.annotations.listByReview(review.id)).map((a) => a.label)).toEqual(['Rhexis: check tear']);

    // The resident cannot sign off: the server's refusal, and the review stays a draft.
    await resident.getByRole('button', { name: 'Sign off' }).click();
    await see(resident, /^Only an attending surgeon or an administrator can sign off a review/);
    await see(resident, /^Draft — last changed by/);
    expect((await store.reviews.get(review.id)).status).toBe('draft');
    await shot(resident, 'review-draft');

    // The resident opens an edit; meanwhile the attending signs off: both pages say so, live.
    await annotationRow(resident, 'Rhexis').getByRole('button', { name: 'Edit label' }).click();
    await attending.getByRole('button', { name: 'Sign off' }).click();
    for (const page of [attending, resident]) await see(page, /^Signed off by Dr Amir Attending at \d{4}-\d\d-\d\d \d\d:\d\d UTC\.$/);
    await see(resident, 'Signed off: the annotations and notes are read-only until an attending surgeon reopens the review.');
    expect(await attending.getByRole('button', { name: 'Edit label' }).count()).toBe(0);

    // The resident's next edit is refused (locked); nothing changed.
    const before = await store.annotations.listByReview(review.id);
    await resident.getByLabel('Label', { exact: true }).fill('Rhexis: resident edit after sign-off');
    await resident.getByRole('button', { name: 'Save label' }).click();
    await see(resident, /^This review was signed off by Dr Amir Attending at .* — reopen it to edit$/);
    expect(await store.annotations.listByReview(review.id)).toEqual(before);
    const final = await store.reviews.get(review.id);
    expect(final).toMatchObject({ status: 'final', signedOffBy: 'Dr Amir Attending' });
    expect(attendingLoads).toBe(0);
    await shot(attending, 'review');
    await shot(resident, 'review-resident');

    // The attending reopens it with a reason; the resident's page is a draft again.
    await attending.getByRole('button', { name: 'Reopen…' }).click();
    await attending.getByLabel('Reason for reopening').fill('Label the tear before sign-off');
    await attending.getByRole('button', { name: 'Reopen review' }).click();
    await see(resident, /^Draft — last changed by Dr Amir Attending/);
    expect((await store.reviews.get(review.id)).status).toBe('draft');

    // Signing out ends the session: the sign-in form, and the API refuses this browser.
    await resident.getByRole('button', { name: 'Sign out' }).click();
    await resident.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect(await resident.evaluate(async () => (await fetch('/api/me')).status)).toBe(401);
    expect(pageErrors).toEqual([]);
  });
});

describe('the department web view: a review by its link, and the accounts page (administrator)', () => {
  const hashOf = (page: Page) => new URL(page.url()).hash;
  const row = (page: Page, username: string) => page.locator(`[data-testid="account"][data-username="${username}"]`);
  const below = (page: Page, username: string) => row(page, username).locator('xpath=following-sibling::tr[1]');

  it('opens #/reviews/N after sign-in, the address follows the page; an administrator manages accounts', async () => {
    // The desktop's link to a review: sign in first, then that review; the address follows list ↔ review.
    const ada = await open(`#/reviews/${review.id}`, { width: 1280, height: 720 });
    await signIn(ada, 'admin');
    await ada.getByRole('heading', { name: TITLE }).waitFor();
    expect(hashOf(ada)).toBe(`#/reviews/${review.id}`);
    await shot(ada, 'review-by-link-admin');
    await ada.getByRole('link', { name: '← All reviews' }).click();
    await ada.getByRole('heading', { name: 'Reviews' }).waitFor();
    expect(hashOf(ada)).toBe('#/');
    await ada.getByRole('link', { name: TITLE }).click();
    await ada.getByRole('heading', { name: TITLE }).waitFor();
    expect(hashOf(ada)).toBe(`#/reviews/${review.id}`);

    // Accounts, from the header: a new resident.
    await ada.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: 'Accounts' }).click();
    await row(ada, 'rhea').waitFor();
    expect(hashOf(ada)).toBe('#/accounts');
    await ada.getByLabel('Username').fill('nico');
    await ada.getByLabel('Display name').fill('Dr Nico New');
    await ada.getByLabel('Temporary password').fill('short');
    await ada.getByRole('button', { name: 'Create account' }).click();
    await see(ada, 'A password has at least 10 characters.');
    await ada.getByLabel('Temporary password').fill('nico-temporary-1');
    await ada.getByRole('button', { name: 'Create account' }).click();
    await see(ada, 'Account nico created: they can sign in with the temporary password.');

    // The resident has no Accounts link; the page, asked for by its address, says why not.
    const nico = await open('#/accounts');
    await signIn(nico, 'nico', 'nico-temporary-1');
    await see(nico, 'Only an administrator can manage accounts.');
    expect(await nico.getByRole('link', { name: 'Accounts' }).count()).toBe(0);

    // The last administrator cannot disable themselves: the server's words beside the row.
    await row(ada, 'admin').getByRole('button', { name: 'Disable' }).click();
    await below(ada, 'admin').getByText(/^You are the last active administrator, so you cannot disable your own account/).waitFor();
    await shot(ada, 'accounts');

    // A role, then Disable: nico's session ends at once.
    await ada.getByLabel('Role of nico').selectOption('attending');
    await see(ada, 'Dr Nico New is now attending surgeon.');
    await row(ada, 'nico').getByRole('button', { name: 'Disable' }).click();
    await row(ada, 'nico').getByText('Disabled').waitFor();
    expect(await nico.evaluate(async () => (await fetch('/api/me')).status)).toBe(401);
    await row(ada, 'nico').getByRole('button', { name: 'Enable' }).click();
    await row(ada, 'nico').getByText('Active').waitFor();

    // A locked account: Unlock; a password reset.
    for (let i = 0; i < 5; i++) await accounts.login('nico', 'not-the-password').catch(() => undefined);
    await ada.getByRole('button', { name: 'Refresh' }).click();
    await row(ada, 'nico').getByText(/^until \d{4}-\d\d-\d\d \d\d:\d\d UTC$/).waitFor();
    await shot(ada, 'accounts-locked');
    await row(ada, 'nico').getByRole('button', { name: 'Unlock' }).click();
    await row(ada, 'nico').getByText('Active').waitFor();
    await row(ada, 'nico').getByRole('button', { name: 'Reset password' }).click();
    await ada.getByLabel('New password for nico').fill('nico-password-2');
    await ada.getByRole('button', { name: 'Set password', exact: true }).click();
    await see(ada, 'Dr Nico New’s password was reset; their sessions ended.');
    expect((await accounts.login('nico', 'nico-password-2')).user).toMatchObject({ role: 'attending' });
    const trail = await store.audit({ entity: 'user', action: 'user.password-reset' });
    expect(trail.map((e) => e.user)).toEqual(['Ada Admin']);
    expect(pageErrors).toEqual([]);
  });
});
