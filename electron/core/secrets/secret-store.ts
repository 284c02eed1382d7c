// Secrets (the Hugging Face access token, a remote server's API key): stored apart from the library, never
// logged, never sent to the renderer (the UI only learns whether one is set).
// Electron encrypts them with safeStorage (electron/main); the browser host keeps a 0600 file in the data folder.

export type SecretName = 'huggingface-token' | 'remote-api-key';

export interface SecretStore {
  get(name: SecretName): string | null;
  /** null removes the secret. */
  set(name: SecretName, value: string | null): void;
  has(name: SecretName): boolean;
}
