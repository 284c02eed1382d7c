// The department server's command line, checked before anything opens: where the library is, where to listen, the
// TLS pair, the remote engine. Plain HTTP is for this machine only: on any other address sessions and patient
// data would cross the network in the clear, so the server refuses to start.
import { parseArgs } from 'node:util';
import type { LibraryTarget } from '../../core/department/db';

export const USAGE =
  'Usage: npm run serve -- --db postgres://USER@HOST:PORT/DB|sqlite:FILE --listen ADDR:PORT\n' +
  '         [--tls-cert CERT.pem --tls-key KEY.pem] [--engine-url URL [--engine-key-file FILE]]\n' +
  '         [--bootstrap-admin USERNAME --admin-password-file FILE] [--media DIR [--partial-max-age DURATION]]\n' +
  '  --partial-max-age DURATION  an upload to --media DIR not written for this long is abandoned: its partial file is\n' +
  '                              removed (one whose every byte arrived is checked and stored instead), at start and\n' +
  '                              every hour. A whole number and a unit: 7d, 12h, 30m, 3600s (default 7d).';

export interface DepartmentCliOptions {
  db: LibraryTarget;
  listen: { host: string; port: number };
  tls: { certFile: string; keyFile: string } | null;
  engine: { url: string; keyFile: string | null } | null;
  bootstrapAdmin: { username: string; passwordFile: string } | null;
  /** Where uploaded videos and frame images are kept (publishing from workstations); null: none kept. */
  mediaDir: string | null;
  /** --partial-max-age: unfinished uploads not written for this long are removed; null: the server's default (7 days). */
  partialMaxAgeMs: number | null;
}

/** A mistake on the command line: printed with the usage, exit code 2. */
export class UsageError extends Error {}

export function isLoopback(host: string): boolean {
  const h = host.toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** Why plain HTTP may not listen on `host`, or null where it may (loopback). */
export function plainHttpRefusal(host: string): string | null {
  if (isLoopback(host)) return null;
  return (
    `Refusing to serve the department library over plain HTTP on ${host}: sign-ins, session cookies and patient data ` +
    'would cross the network unencrypted. Give --tls-cert and --tls-key (HTTPS), or listen on 127.0.0.1 for this machine only.'
  );
}

/** "127.0.0.1:8443", "0.0.0.0:443", "[::1]:0", "localhost:8080". */
export function parseListen(text: string): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new UsageError(`--listen takes ADDRESS:PORT (e.g. 0.0.0.0:8443, 127.0.0.1:0, [::1]:8443), not "${text}".`);
  return { host: (m[1] ?? m[2])!, port };
}

export function parseDatabase(text: string): LibraryTarget {
  if (/^postgres(ql)?:\/\//i.test(text)) {
    try {
      new URL(text);
    } catch {
      throw new UsageError('--db: that PostgreSQL URL is not valid (postgres://USER@HOST:PORT/DATABASE).');
    }
    return { kind: 'postgres', url: text };
  }
  if (text.startsWith('sqlite:') && text.length > 'sqlite:'.length) return { kind: 'sqlite', file: text.slice('sqlite:'.length) };
  throw new UsageError('--db takes postgres://USER@HOST:PORT/DATABASE (a department) or sqlite:FILE (one machine).');
}

/** Where the remote engine is, without any user:password in the URL (a key goes in --engine-key-file). */
export function parseEngineUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`--engine-url is not a URL: "${text.slice(0, 200)}".`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new UsageError('--engine-url must be an http:// or https:// URL.');
  if (url.username || url.password) throw new UsageError('--engine-url must not carry a user or password: put the API key in a file and give --engine-key-file.');
  return url.toString();
}

const UNIT_MS = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000 } as const;
const UNIT_NAME = { d: 'day', h: 'hour', m: 'minute', s: 'second' } as const;

/** --partial-max-age's value: a whole number of days, hours, minutes or seconds ("7d", "12h", "30m", "3600s") in ms. */
export function parseDuration(text: string, flag = '--partial-max-age'): number {
  const m = /^(\d{1,9})(d|h|m|s)$/.exec(text.trim());
  const forms = 'a whole number followed by d, h, m or s (days, hours, minutes, seconds), e.g. 7d, 12h, 30m or 3600s';
  if (!m) throw new UsageError(`${flag} takes ${forms}; "${text.slice(0, 100)}" is not one.`);
  const ms = Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
  if (ms === 0) throw new UsageError(`${flag} must be longer than 0 (it would remove every unfinished upload): give ${forms}.`);
  if (ms > 100 * 365 * UNIT_MS.d) throw new UsageError(`${flag} is at most 36500d (100 years); "${text.slice(0, 100)}" is longer.`);
  return ms;
}

/** A duration in the largest unit that divides it: "7 days", "12 hours", "1 minute", "90 seconds". */
export function formatDuration(ms: number): string {
  const unit = (['d', 'h', 'm'] as const).find((u) => ms % UNIT_MS[u] === 0) ?? 's';
  const n = unit === 's' ? Math.round(ms / 1000) : ms / UNIT_MS[unit];
  return `${n} ${UNIT_NAME[unit]}${n === 1 ? '' : 's'}`;
}

export function parseDepartmentArgs(argv: string[]): DepartmentCliOptions | 'help' {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        db: { type: 'string' },
        listen: { type: 'string' },
        'tls-cert': { type: 'string' },
        'tls-key': { type: 'string' },
        'engine-url': { type: 'string' },
        'engine-key-file': { type: 'string' },
        'bootstrap-admin': { type: 'string' },
        'admin-password-file': { type: 'string' },
        media: { type: 'string' },
        'partial-max-age': { type: 'string' },
        help: { type: 'boolean' },
      },
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (values.help) return 'help';
  const str = (k: string) => values[k] as string | undefined;
  const db = str('db');
  const listenText = str('listen');
  if (!db) throw new UsageError('--db is required.');
  if (!listenText) throw new UsageError('--listen is required (e.g. --listen 0.0.0.0:8443 with TLS, or 127.0.0.1:8080 without).');
  const certFile = str('tls-cert');
  const keyFile = str('tls-key');
  if (Boolean(certFile) !== Boolean(keyFile)) throw new UsageError('--tls-cert and --tls-key go together: give both PEM files.');
  const listen = parseListen(listenText);
  const tls = certFile && keyFile ? { certFile, keyFile } : null;
  if (!tls) {
    const refusal = plainHttpRefusal(listen.host);
    if (refusal) throw new UsageError(refusal);
  }
  const engineUrl = str('engine-url');
  const engineKeyFile = str('engine-key-file');
  if (engineKeyFile && !engineUrl) throw new UsageError('--engine-key-file needs --engine-url (the engine the key is for).');
  const admin = str('bootstrap-admin');
  const adminPasswordFile = str('admin-password-file');
  if (Boolean(admin) !== Boolean(adminPasswordFile)) throw new UsageError('--bootstrap-admin and --admin-password-file go together.');
  const maxAgeText = str('partial-max-age');
  const partialMaxAgeMs = maxAgeText === undefined ? null : parseDuration(maxAgeText);
  if (partialMaxAgeMs !== null && !str('media')) throw new UsageError('--partial-max-age needs --media DIR (the folder whose unfinished uploads it ages out).');
  return {
    db: parseDatabase(db),
    listen,
    tls,
    engine: engineUrl ? { url: parseEngineUrl(engineUrl), keyFile: engineKeyFile ?? null } : null,
    bootstrapAdmin: admin && adminPasswordFile ? { username: admin, passwordFile: adminPasswordFile } : null,
    mediaDir: str('media') ?? null,
    partialMaxAgeMs,
  };
}
