// app.choosePath in the desktop app: Electron's own open dialog, attached to our window, with filters for what is
// being chosen. Cancelling gives null. Typed against the contract so the renderer calls it like any other channel.
import type { BrowserWindow, OpenDialogOptions, OpenDialogReturnValue } from 'electron';
import type { Handlers } from '../api/dispatch';
import type { PathPurpose } from '../api/schemas';

type ShowOpenDialog = (window: BrowserWindow, options: OpenDialogOptions) => Promise<OpenDialogReturnValue>;
type ShowOpenDialogNoWindow = (options: OpenDialogOptions) => Promise<OpenDialogReturnValue>;

/** The dialog for each purpose: title, whether it picks a folder, and the file types offered. */
export function dialogOptions(purpose: PathPurpose, title?: string): OpenDialogOptions {
  const file = (name: string, extensions: string[], defaultTitle: string): OpenDialogOptions => ({
    title: title ?? defaultTitle,
    properties: ['openFile', 'dontAddToRecent'],
    filters: [{ name, extensions }, { name: 'All files', extensions: ['*'] }],
  });
  switch (purpose) {
    case 'video':
      return file('Videos', ['mp4', 'm4v', 'mov', 'mkv', 'webm', 'avi', 'mts', 'm2ts', 'ts'], 'Choose a surgery video');
    case 'model':
      return file('GGUF models', ['gguf'], 'Choose the text model (GGUF)');
    case 'mmproj':
      return file('GGUF models', ['gguf'], 'Choose the vision projector (mmproj GGUF)');
    case 'library':
      return file('Workstation libraries', ['sqlite', 'db'], 'Choose a library file');
    case 'certificate':
      return file('Certificates', ['pem', 'crt', 'cer'], "Choose the department's CA certificate (PEM)");
    case 'folder':
      return { title: title ?? 'Choose a folder', properties: ['openDirectory', 'createDirectory', 'dontAddToRecent'] };
  }
}

export function createChoosePath(
  dialog: { showOpenDialog: ShowOpenDialog & ShowOpenDialogNoWindow },
  getWindow: () => BrowserWindow | null,
): Handlers['app.choosePath'] {
  return async ({ purpose, title }) => {
    const options = dialogOptions(purpose, title);
    const window = getWindow();
    const result = window && !window.isDestroyed() ? await dialog.showOpenDialog(window, options) : await dialog.showOpenDialog(options);
    return { path: result.canceled ? null : (result.filePaths[0] ?? null) };
  };
}
