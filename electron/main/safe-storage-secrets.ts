// SecretStore over Electron safeStorage: each secret encrypted with the OS key store (Keychain, DPAPI,
// libsecret/kwallet) and kept base64 in a 0600 file in the data folder. safeStorage is passed in, so this is
// tested without Electron. On Linux without a key store Electron would "encrypt" with a fixed key
// ('basic_text'), which protects nothing: then the secret goes to the same owner-only (0600) file the browser
// host uses, and moves into the encrypted file the next time it is set with a key store available.
import type { SafeStorage } from 'electron';
import fs from 'node:fs';
import path from 'node:path';
import type { SecretName, SecretStore } from '../core/secrets/secret-store';
import { createFileSecretStore, SECRETS_FILE_NAME, writePrivateFileAtomic } from '../core/secrets/secret-store-file';

export type SafeStorageLike = Pick<SafeStorage, 'isEncryptionAvailable' | 'encryptString' | 'decryptString'> &
  Partial<Pick<SafeStorage, 'getSelectedStorageBackend'>>;

interface EncryptedFile {
  version: 1;
  /** base64 of safeStorage.encryptString(value) */
  secrets: Partial<Record<SecretName, string>>;
}

export const ENCRYPTED_SECRETS_FILE_NAME = 'secrets.enc.json';

/** Whether safeStorage really encrypts (an OS key store is there). */
export function encryptionUsable(safe: SafeStorageLike, platform: NodeJS.Platform = process.platform): boolean {
  if (!safe.isEncryptionAvailable()) return false;
  return !(platform === 'linux' && safe.getSelectedStorageBackend?.() === 'basic_text');
}

/** Secrets in <dataDir>/secrets.enc.json (encrypted), or <dataDir>/secrets.json (0600) without a key store. */
export function createSafeStorageSecretStore(safe: SafeStorageLike, dataDir: string, platform: NodeJS.Platform = process.platform): SecretStore {
  const file = path.join(dataDir, ENCRYPTED_SECRETS_FILE_NAME);
  const plain = createFileSecretStore(path.join(dataDir, SECRETS_FILE_NAME));
  const usable = () => encryptionUsable(safe, platform);
  const read = (): EncryptedFile => {
    try {
      const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as EncryptedFile;
      if (parsed && parsed.version === 1 && typeof parsed.secrets === 'object' && parsed.secrets !== null) return parsed;
    } catch {
      // missing or unreadable: no secrets
    }
    return { version: 1, secrets: {} };
  };
  const store: SecretStore = {
    get(name) {
      const enc = read().secrets[name];
      if (enc && usable()) {
        try {
          const v = safe.decryptString(Buffer.from(enc, 'base64'));
          if (v.length > 0) return v;
        } catch {
          // encrypted by another user or machine: treat as not set
        }
      }
      return plain.get(name);
    },
    set(name, value) {
      const data = read();
      if (value === null || usable()) {
        if (value === null) delete data.secrets[name];
        else data.secrets[name] = safe.encryptString(value).toString('base64');
        if (value !== null || fs.existsSync(file)) writePrivateFileAtomic(file, JSON.stringify(data));
        if (plain.has(name)) plain.set(name, null);
      } else {
        plain.set(name, value);
      }
    },
    has(name) {
      return store.get(name) !== null;
    },
  };
  return store;
}
