// A department session for the link: the department client (../department/client.ts) at one address, trusting the
// system's certificates and, where the hospital signs its own, the certificate file the reviewer chose.
import fs from 'node:fs';
import tls from 'node:tls';
import { WorkstationError } from '../../api/errors';
import { DepartmentClient } from '../department/client';

/** A CA bundle is a few kilobytes; anything much larger is not one. */
const MAX_CA_BYTES = 1024 * 1024;
/** How long one request may wait for the server before the reviewer is told it stopped answering. */
export const DEPARTMENT_REQUEST_TIMEOUT_MS = 20_000;

function readCa(file: string): Buffer {
  const refuse = (message: string) => new WorkstationError('invalid-argument', message, [`caFile: ${message}`]);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    throw refuse(`There is no file at ${file}.`);
  }
  if (!stat.isFile()) throw refuse(`${file} is a folder; choose the certificate file (.pem) in it.`);
  if (stat.size > MAX_CA_BYTES) throw refuse(`${file} is too large to be a certificate file.`);
  const pem = fs.readFileSync(file);
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw refuse(`${file} holds no certificate (a .pem file starts with -----BEGIN CERTIFICATE-----).`);
  return pem;
}

/** The department client, and what the desktop's remote engine needs to reach the server's engine proxy as this session. */
export class LinkedDepartmentClient extends DepartmentClient {
  readonly #ca: string | null;
  constructor(url: string, ca: string | null) {
    super({ baseUrl: url, ...(ca ? { ca } : {}), timeoutMs: DEPARTMENT_REQUEST_TIMEOUT_MS });
    this.#ca = ca;
  }
  engineCredentials(): { token: string | null; ca: string | null } {
    return { token: this.sessionToken(), ca: this.#ca };
  }
}

export function openDepartmentSession(url: string, caFile: string | null): LinkedDepartmentClient {
  // A given CA replaces Node's own list: keep the usual public roots beside the hospital's.
  const ca = caFile ? `${tls.rootCertificates.join('\n')}\n${readCa(caFile).toString('utf8')}` : null;
  return new LinkedDepartmentClient(url, ca);
}
