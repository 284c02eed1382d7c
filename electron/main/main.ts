// App lifecycle: one instance, one window, the services behind IPC and the app:// / media:// protocols,
// and a clean shutdown (the database closed, the inference process stopped) before the app exits.
import { app, BrowserWindow, dialog, ipcMain, Menu, protocol, safeStorage, session, shell, utilityProcess } from 'electron';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { IPC_EVENT_CHANNEL } from '../api/contract';
import { WorkstationError } from '../api/errors';
import { libraryFile } from '../core/app-services';
import { startWorkstation, type Workstation } from '../core/library/workstation';
import { logsDir, openAppLog, silentLog, startupFacts, type AppLog } from '../core/logging/app-log';
import { parseDataDirArg, parseReviewArg } from './args';
import { createChoosePath } from './choose-path';
import { createEmitter, registerIpc, watchDepartmentLink } from './ipc';
import { buildMenuTemplate, RESEARCH_USE_NOTE } from './menu';
import { APP_ORIGIN, APP_START_URL } from './origin';
import { builtPaths } from './paths';
import { PRIVILEGED_SCHEMES, registerProtocols } from './protocols';
import { createElectronReportRenderer } from './print-pdf';
import { createSafeStorageSecretStore } from './safe-storage-secrets';
import { createUtilityWorkerSpawner } from './utility-worker';
import { hardenContents, hardenSession, webPreferences } from './window-security';

const APP_ID = 'org.cataract-review.workstation';
const SHUTDOWN_TIMEOUT_MS = 10_000;
const paths = builtPaths(path.dirname(fileURLToPath(import.meta.url)));

let mainWindow: BrowserWindow | null = null;
let services: Workstation | null = null;
let log: AppLog = silentLog;
let unregisterIpc: () => void = () => {};
let quitState: 'running' | 'closing' | 'closed' = 'running';

const getContents = () => (mainWindow && !mainWindow.isDestroyed() ? mainWindow.webContents : null);
const openExternal = (url: string) => shell.openExternal(url);
/** The department library signed in to (its web page may open in the OS browser), as the link last announced. */
let departmentOrigin: string | null = null;
const linkedOrigins = () => (departmentOrigin ? [departmentOrigin] : []);

// --- before ready -------------------------------------------------------------------------------------
function boot(): void {
  let dataArg: string | null;
  try {
    dataArg = parseDataDirArg(process.argv.slice(1));
  } catch (err) {
    console.error((err as Error).message);
    app.exit(2);
    return;
  }
  if (dataArg) {
    // Before the single-instance lock, which Chromium keeps in the user-data folder.
    fs.mkdirSync(dataArg, { recursive: true });
    app.setPath('userData', dataArg);
  }
  app.enableSandbox();
  protocol.registerSchemesAsPrivileged(PRIVILEGED_SCHEMES);
  if (process.platform === 'win32') app.setAppUserModelId(APP_ID);

  if (!app.requestSingleInstanceLock()) {
    app.quit(); // the first instance focuses its window (second-instance)
    return;
  }
  app.on('second-instance', (_event, argv) => {
    focusWindow();
    // A second launch with a review link opens that review here.
    const review = parseReviewArg(argv);
    if (review !== null) mainWindow?.loadURL(`${APP_START_URL}#/review/${review}`).catch(() => {});
  });
  app.on('web-contents-created', (_event, contents) => hardenContents(contents, contents.session, APP_ORIGIN, openExternal, linkedOrigins));
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('before-quit', onBeforeQuit);
  app.whenReady().then(start).catch(failStart);
}

boot();

// --- ready ---------------------------------------------------------------------------------------------
async function start(): Promise<void> {
  const dataDir = app.getPath('userData');
  log = openAppLog({
    dir: logsDir(dataDir),
    roots: [
      { dir: dataDir, label: '<data>' },
      { dir: app.getAppPath(), label: '<app>' },
    ],
  });
  log.info('Starting', startupFacts({ version: app.getVersion(), transport: 'electron', packaged: app.isPackaged }));
  // A monitor: logged (synchronously), then Electron handles it as it would have.
  process.on('uncaughtExceptionMonitor', (err, origin) => log.error(`Uncaught ${origin === 'unhandledRejection' ? 'promise rejection' : 'exception'} in main`, err));
  const openLogFolder = async () => {
    const folder = log.dir ?? logsDir(dataDir);
    const problem = await shell.openPath(folder);
    if (problem) log.warn('The log folder could not be opened', { problem });
    return { opened: problem === '', folder };
  };
  try {
    // A library that cannot be opened (corrupt, unreadable, from a newer app) starts recovery mode instead:
    // the window opens on the recovery screen and the file is not touched.
    services = startWorkstation({
      dataDir,
      transport: 'electron',
      appVersion: app.getVersion(),
      spawnWorker: createUtilityWorkerSpawner((file, args, options) => utilityProcess.fork(file, args, options), {
        workerFile: paths.worker,
        log: (m) => log.warn(m),
        onStderr: (line) => log.warn('Inference process stderr', { line }),
      }),
      emit: watchDepartmentLink(createEmitter(getContents), (origin) => (departmentOrigin = origin)),
      secrets: createSafeStorageSecretStore(safeStorage, dataDir),
      reportRenderer: createElectronReportRenderer,
      log,
      onBackupError: (err) => log.error('The daily backup failed', err),
    });
  } catch (err) {
    await refuseLibrary(err, dataDir);
    return;
  }
  const ready = services;
  // The integrity check runs on a worker thread; the window can load meanwhile (its calls wait for the open).
  void ready.ready.then(
    () => {
      if (ready.mode === 'recovery') console.error('The library could not be opened; the window shows the recovery screen:', ready.recoveryStatus().problem?.message);
    },
    (err: unknown) => failStart(err),
  );
  hardenSession(session.defaultSession, APP_ORIGIN);
  registerProtocols(protocol, {
    rendererRoot: paths.rendererRoot,
    resolveFrame: (sha) => ready.resolveFrame(sha),
    resolveVideo: (id, variant) => ready.resolveVideo(id, variant),
  });
  // The file dialog and the log folder are the channels main answers itself (they need the window and the shell).
  const handlers = { ...ready.handlers, 'app.choosePath': createChoosePath(dialog, () => mainWindow), 'app.openLogFolder': openLogFolder };
  unregisterIpc = registerIpc({ ipcMain, handlers, getContents, appLog: log });
  app.setAboutPanelOptions({ applicationName: app.getName(), applicationVersion: app.getVersion(), credits: RESEARCH_USE_NOTE });
  Menu.setApplicationMenu(
    Menu.buildFromTemplate(
      buildMenuTemplate({
        platform: process.platform,
        isPackaged: app.isPackaged,
        appName: app.getName(),
        commands: {
          newCase: () => sendCommand('new-case'),
          about: () => app.showAboutPanel(),
          researchNote: () => void showResearchNote(),
          openLogFolder: () => void openLogFolder(),
        },
      }),
    ),
  );
  createWindow();
  app.on('activate', () => {
    if (!mainWindow && quitState === 'running') createWindow();
  });
}

function createWindow(): void {
  const win = new BrowserWindow({
    width: 1440,
    height: 900,
    minWidth: 1024,
    minHeight: 640,
    show: false,
    title: app.getName(),
    backgroundColor: '#111418',
    webPreferences: webPreferences(paths.preload),
  });
  mainWindow = win;
  win.once('ready-to-show', () => win.show());
  win.on('closed', () => {
    if (mainWindow === win) mainWindow = null;
  });
  const review = parseReviewArg(process.argv.slice(1));
  win.loadURL(review !== null ? `${APP_START_URL}#/review/${review}` : APP_START_URL).catch((err: unknown) => console.error('Could not load the workstation page:', err));
}

function focusWindow(): void {
  if (!mainWindow) return;
  if (mainWindow.isMinimized()) mainWindow.restore();
  mainWindow.show();
  mainWindow.focus();
}

/** Menu commands for the page: the contract's 'app.command' event (the renderer's App opens what it names). */
function sendCommand(command: 'new-case'): void {
  const contents = getContents();
  if (contents) contents.send(IPC_EVENT_CHANNEL, 'app.command', { command });
}

async function showResearchNote(): Promise<void> {
  const options = { type: 'info' as const, title: 'Research use only', message: 'Research use only', detail: RESEARCH_USE_NOTE, buttons: ['OK'] };
  if (mainWindow) await dialog.showMessageBox(mainWindow, options);
  else await dialog.showMessageBox(options);
}

// --- failure and shutdown ------------------------------------------------------------------------------
/** The services could not start for another reason than the library file (that one opens recovery mode): say so, change nothing, quit. */
async function refuseLibrary(err: unknown, dataDir: string): Promise<void> {
  const refused = err instanceof WorkstationError;
  const message = err instanceof Error ? err.message : String(err);
  console.error('The library could not be opened:', err);
  await dialog.showMessageBox({
    type: 'error',
    title: 'Cataract Review Workstation',
    message: refused ? 'The library cannot be opened.' : 'The workstation could not start.',
    detail: [
      message,
      `Library file: ${libraryFile(dataDir)}`,
      /not been changed/.test(message) ? 'The app will now quit.' : 'The file has not been changed. The app will now quit.',
    ].join('\n\n'),
    buttons: ['Quit'],
  });
  quitState = 'closed';
  app.exit(1);
}

function failStart(err: unknown): void {
  console.error('The workstation could not start:', err);
  log.error('The workstation could not start', err);
  dialog.showErrorBox('The workstation could not start', (err as Error)?.message ?? String(err));
  quitState = 'closed';
  app.exit(1);
}

function onBeforeQuit(event: { preventDefault(): void }): void {
  if (quitState === 'closed') return;
  event.preventDefault();
  if (quitState === 'closing') return;
  quitState = 'closing';
  void shutdown().finally(() => {
    quitState = 'closed';
    app.quit();
  });
}

async function shutdown(): Promise<void> {
  unregisterIpc();
  const current = services;
  services = null;
  if (!current) return;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      console.error(`Shutdown took longer than ${SHUTDOWN_TIMEOUT_MS} ms; quitting anyway.`);
      resolve();
    }, SHUTDOWN_TIMEOUT_MS);
  });
  try {
    await Promise.race([current.close(), timeout]);
  } catch (err) {
    console.error('Error while closing the services:', err);
  } finally {
    clearTimeout(timer);
    log.info('Stopped');
    await log.close().catch(() => undefined);
  }
}
