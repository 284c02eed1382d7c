// `npm run import:department -- --library FILE --server URL --user NAME [--data DIR] [--ca CERT.pem] [--json]`
// Moving in: publishes every review of a workstation library (library.sqlite; its frames in the same folder unless
// --data says where) into a department library, with their videos, frames, annotations and analyses. The password
// comes from DEPARTMENT_PASSWORD or is asked for. Run it again at any time: what is there already is not sent again,
// an interrupted upload resumes. Ctrl-C stops it cleanly. Exit codes: 0 done, 1 some reviews failed (listed),
// 2 a command line it refuses, 130 cancelled.
import fs from 'node:fs';
import readline from 'node:readline';
import { parseArgs } from 'node:util';
import { importLibrary, type ImportProgress } from '../electron/core/department-publish/import-library';
import { DepartmentClient } from '../electron/core/department/client';

const USAGE = 'Usage: npm run import:department -- --library FILE --server URL --user NAME [--data DIR] [--ca CERT.pem] [--json]\n  (password: DEPARTMENT_PASSWORD, or asked)';

function refuse(message: string, code = 2): never {
  console.error(message);
  process.exit(code);
}

function askPassword(prompt: string): Promise<string> {
  if (!process.stdin.isTTY) refuse('Set DEPARTMENT_PASSWORD (no terminal to ask for the password on).');
  return new Promise((resolve) => {
    const rl = readline.createInterface({ input: process.stdin, output: process.stderr, terminal: true });
    const out = rl as unknown as { _writeToOutput: (s: string) => void };
    process.stderr.write(prompt);
    out._writeToOutput = () => undefined; // do not echo the password
    rl.question('', (answer) => {
      rl.close();
      process.stderr.write('\n');
      resolve(answer);
    });
  });
}

const mib = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;

async function main(): Promise<void> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: process.argv.slice(2),
      options: { library: { type: 'string' }, server: { type: 'string' }, user: { type: 'string' }, data: { type: 'string' }, ca: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean' } },
    }));
  } catch (err) {
    refuse(`${(err as Error).message}\n${USAGE}`);
  }
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const library = values.library as string | undefined;
  const server = values.server as string | undefined;
  const user = values.user as string | undefined;
  if (!library || !server || !user) refuse(`--library, --server and --user are required.\n${USAGE}`);
  if (!fs.existsSync(library)) refuse(`There is no library at ${library}.`);
  if (!/^https?:\/\//.test(server)) refuse('--server is the department URL: https://HOST:PORT (http:// only for 127.0.0.1).');
  const ca = values.ca ? fs.readFileSync(values.ca as string) : undefined;
  const password = process.env.DEPARTMENT_PASSWORD ?? (await askPassword(`Password for ${user} at ${server}: `));

  const client = new DepartmentClient({ baseUrl: server, ...(ca ? { ca } : {}) });
  try {
    await client.login(user, password);
  } catch (err) {
    refuse(`Could not sign in to ${server}: ${(err as Error).message}`, 1);
  }
  const controller = new AbortController();
  process.on('SIGINT', () => {
    console.error('\nStopping: run the same command again to resume.');
    controller.abort();
  });
  let last = '';
  const onProgress = (p: ImportProgress) => {
    const line = `review ${p.review}/${p.reviews} (local #${p.publish.localReviewId}): ${p.publish.phase}${p.publish.totalBytes ? ` ${mib(p.publish.sentBytes)} of ${mib(p.publish.totalBytes)}` : ''}`;
    if (line !== last && !values.json) process.stderr.write(`\r${line.padEnd(last.length)}`);
    last = line;
  };
  try {
    const result = await importLibrary(library, client, { signal: controller.signal, onProgress, ...(values.data ? { dataDir: values.data as string } : {}) });
    if (!values.json) process.stderr.write('\n');
    const summary = {
      reviews: result.reviews,
      published: result.published.length,
      created: result.created,
      changed: result.changed,
      failed: result.failed,
      sent_bytes: result.sentBytes,
      skipped_bytes: result.skippedBytes,
    };
    if (values.json) console.log(JSON.stringify(summary));
    else {
      console.log(`${result.published.length} of ${result.reviews} reviews in the department (${result.created} new, ${result.changed} changed); sent ${mib(result.sentBytes)}, ${mib(result.skippedBytes)} already there.`);
      for (const f of result.failed) console.log(`  review #${f.localReviewId} was not published: ${f.message}`);
    }
    await client.logout().catch(() => undefined);
    process.exit(result.failed.length ? 1 : 0);
  } catch (err) {
    if ((err as { code?: string }).code === 'cancelled') refuse(`\n${(err as Error).message}`, 130);
    throw err;
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
