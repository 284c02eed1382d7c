// The two SecretStores: the browser host's 0600 file and Electron safeStorage (with a stand-in safeStorage).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createFileSecretStore } from '../../electron/core/secrets/secret-store-file';
import { createSafeStorageSecretStore, type SafeStorageLike } from '../../electron/main/safe-storage-secrets';

const TOKEN = 'hf_unit_test_token_123456';
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'workstation-secrets-'));
const mode = (f: string) => fs.statSync(f).mode & 0o777;
const posix = process.platform !== 'win32';

/** A stand-in for safeStorage: "encrypts" by XOR, so the file never holds the plain text. */
function fakeSafeStorage(backend: 'gnome_libsecret' | 'basic_text' = 'gnome_libsecret', available = true): SafeStorageLike & { backend: string } {
  const xor = (b: Buffer) => Buffer.from(b.map((x) => x ^ 0x5a));
  const safe = {
    backend: backend as string,
    isEncryptionAvailable: () => available,
    getSelectedStorageBackend: () => safe.backend as 'basic_text',
    encryptString: (s: string) => Buffer.concat([Buffer.from('v10'), xor(Buffer.from(s, 'utf8'))]),
    decryptString: (b: Buffer) => {
      if (b.subarray(0, 3).toString() !== 'v10') throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.');
      return xor(b.subarray(3)).toString('utf8');
    },
  };
  return safe;
}

describe('file secret store (browser host)', () => {
  it('round-trips a secret in a file only the owner can read, and clears it', () => {
    const dir = tmp();
    const file = path.join(dir, 'secrets.json');
    const store = createFileSecretStore(file);
    expect(store.get('huggingface-token')).toBeNull();
    expect(store.has('huggingface-token')).toBe(false);
    store.set('huggingface-token', TOKEN);
    expect(store.get('huggingface-token')).toBe(TOKEN);
    expect(store.has('huggingface-token')).toBe(true);
    expect(store.has('remote-api-key')).toBe(false);
    if (posix) expect(mode(file)).toBe(0o600);
    // A second store on the same file (the next start) sees it.
    expect(createFileSecretStore(file).get('huggingface-token')).toBe(TOKEN);
    store.set('huggingface-token', null);
    expect(store.get('huggingface-token')).toBeNull();
    expect(fs.readFileSync(file, 'utf8')).not.toContain(TOKEN);
    expect(fs.readdirSync(dir)).toEqual(['secrets.json']); // no temp files left
  });

  it('tightens a file that was made readable by others when it is written again', () => {
    const file = path.join(tmp(), 'secrets.json');
    fs.writeFileSync(file, JSON.stringify({ version: 1, secrets: {} }), { mode: 0o644 });
    createFileSecretStore(file).set('remote-api-key', 'sk-123');
    if (posix) expect(mode(file)).toBe(0o600);
  });

  it('treats a damaged file as holding no secrets', () => {
    const file = path.join(tmp(), 'secrets.json');
    fs.writeFileSync(file, '{ not json');
    const store = createFileSecretStore(file);
    expect(store.get('huggingface-token')).toBeNull();
    store.set('huggingface-token', TOKEN);
    expect(store.get('huggingface-token')).toBe(TOKEN);
  });
});

describe('safeStorage secret store (Electron)', () => {
  it('keeps the secret encrypted (base64) in a 0600 file and decrypts it', () => {
    const dir = tmp();
    const store = createSafeStorageSecretStore(fakeSafeStorage(), dir, 'linux');
    store.set('huggingface-token', TOKEN);
    const file = path.join(dir, 'secrets.enc.json');
    const text = fs.readFileSync(file, 'utf8');
    expect(text).not.toContain(TOKEN);
    expect(JSON.parse(text).secrets['huggingface-token']).toMatch(/^[A-Za-z0-9+/=]+$/);
    if (posix) expect(mode(file)).toBe(0o600);
    expect(fs.existsSync(path.join(dir, 'secrets.json'))).toBe(false);
    expect(createSafeStorageSecretStore(fakeSafeStorage(), dir, 'linux').get('huggingface-token')).toBe(TOKEN);
    store.set('huggingface-token', null);
    expect(store.has('huggingface-token')).toBe(false);
  });

  it('falls back to the owner-only file when Linux has no key store, and moves it when one appears', () => {
    const dir = tmp();
    const safe = fakeSafeStorage('basic_text');
    const store = createSafeStorageSecretStore(safe, dir, 'linux');
    store.set('huggingface-token', TOKEN);
    expect(fs.existsSync(path.join(dir, 'secrets.enc.json'))).toBe(false);
    if (posix) expect(mode(path.join(dir, 'secrets.json'))).toBe(0o600);
    expect(store.get('huggingface-token')).toBe(TOKEN);

    safe.backend = 'gnome_libsecret';
    store.set('huggingface-token', `${TOKEN}-new`);
    expect(store.get('huggingface-token')).toBe(`${TOKEN}-new`);
    expect(fs.readFileSync(path.join(dir, 'secrets.json'), 'utf8')).not.toContain(TOKEN);
    expect(fs.readFileSync(path.join(dir, 'secrets.enc.json'), 'utf8')).not.toContain(TOKEN);
  });

  it('uses the file when encryption is unavailable, and reads an undecryptable entry as not set', () => {
    const dir = tmp();
    createSafeStorageSecretStore(fakeSafeStorage('gnome_libsecret', false), dir, 'darwin').set('remote-api-key', 'sk-1');
    expect(createFileSecretStore(path.join(dir, 'secrets.json')).get('remote-api-key')).toBe('sk-1');

    fs.writeFileSync(path.join(dir, 'secrets.enc.json'), JSON.stringify({ version: 1, secrets: { 'huggingface-token': Buffer.from('garbage').toString('base64') } }));
    expect(createSafeStorageSecretStore(fakeSafeStorage(), dir, 'darwin').get('huggingface-token')).toBeNull();
  });
});
