// SecretStore over a JSON file readable by the owner only (0600), for the browser host (no OS key store there).
// Written to a temp name (created 0600) and renamed, so a crash never leaves half a file or a readable copy.
// Windows ignores POSIX modes: there the file relies on the user profile's permissions.
import fs from 'node:fs';
import path from 'node:path';
import type { SecretName, SecretStore } from './secret-store';

interface SecretsFile {
  version: 1;
  secrets: Partial<Record<SecretName, string>>;
}

export const SECRETS_FILE_NAME = 'secrets.json';

export function writePrivateFileAtomic(file: string, contents: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  const fd = fs.openSync(tmp, 'wx', 0o600);
  try {
    fs.writeSync(fd, contents);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  try {
    fs.chmodSync(tmp, 0o600); // in case a umask or an ACL widened it
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

export function createFileSecretStore(file: string): SecretStore {
  const read = (): SecretsFile => {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      return { version: 1, secrets: {} };
    }
    try {
      const parsed = JSON.parse(text) as SecretsFile;
      if (parsed && parsed.version === 1 && typeof parsed.secrets === 'object' && parsed.secrets !== null) return parsed;
    } catch {
      // fall through: an unreadable file holds no usable secret
    }
    return { version: 1, secrets: {} };
  };
  return {
    get(name) {
      const v = read().secrets[name];
      return typeof v === 'string' && v.length > 0 ? v : null;
    },
    set(name, value) {
      const data = read();
      if (value === null) delete data.secrets[name];
      else data.secrets[name] = value;
      writePrivateFileAtomic(file, JSON.stringify(data));
    },
    has(name) {
      return this.get(name) !== null;
    },
  };
}
