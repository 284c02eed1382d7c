// Teaching the log the secrets it must never write: every value that passes through the secret store, and the keys
// and tokens a call carries before they are stored (a key typed into the remote-engine form, a token being saved).
import type { SecretStore } from '../secrets/secret-store';
import type { AppLog } from './app-log';

/** The same store; each value read or written is also registered with the log as a secret. */
export function secretsKnownToLog(store: SecretStore, log: Pick<AppLog, 'addSecret'>): SecretStore {
  return {
    get(name) {
      const v = store.get(name);
      log.addSecret(v);
      return v;
    },
    set(name, value) {
      log.addSecret(value);
      store.set(name, value);
    },
    has: (name) => store.has(name),
  };
}

/** Registers the secret-bearing fields of a call's raw input (before validation: even a refused call's key is kept out). */
export function noteCallSecrets(log: Pick<AppLog, 'addSecret'>, channel: string, input: unknown): void {
  if (!input || typeof input !== 'object') return;
  const i = input as Record<string, unknown>;
  if ((channel === 'inference.load' || channel === 'inference.testConnection') && typeof i.apiKey === 'string') log.addSecret(i.apiKey);
  if (channel === 'secrets.set' && typeof i.value === 'string') log.addSecret(i.value);
}
