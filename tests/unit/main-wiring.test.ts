// The small pieces of Electron main that need no Electron: the utilityProcess worker handle, the menu
// template, the --data switch, where the built files are and the file dialog's handler.
import { EventEmitter } from 'node:events';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { PathPurpose } from '../../electron/api/schemas';
import { parseDataDirArg, parseReviewArg } from '../../electron/main/args';
import { createChoosePath, dialogOptions } from '../../electron/main/choose-path';
import { buildMenuTemplate } from '../../electron/main/menu';
import { builtPaths } from '../../electron/main/paths';
import { createUtilityWorkerSpawner } from '../../electron/main/utility-worker';

class FakeUtility extends EventEmitter {
  pid = 4242;
  posted: unknown[] = [];
  killed = 0;
  postMessage(m: unknown) {
    this.posted.push(m);
  }
  kill() {
    this.killed++;
    return true;
  }
}

describe('utility worker', () => {
  it('forks the worker as the Inference service and maps messages and exit', () => {
    const child = new FakeUtility();
    const fork = vi.fn(() => child);
    const spawn = createUtilityWorkerSpawner(fork as never, { workerFile: '/app/dist/inference/worker-main.js' });
    const handle = spawn();
    expect(fork).toHaveBeenCalledWith('/app/dist/inference/worker-main.js', [], { serviceName: 'Inference', stdio: 'inherit' });
    expect(handle.pid).toBe(4242);

    const got: unknown[] = [];
    handle.onMessage((m) => got.push(m));
    child.emit('message', { type: 'ready' });
    expect(got).toEqual([{ type: 'ready' }]);

    handle.send({ type: 'load' });
    expect(child.posted).toEqual([{ type: 'load' }]);

    const exits: unknown[] = [];
    handle.onExit((info) => exits.push(info));
    child.emit('exit', 134);
    expect(exits).toEqual([{ code: 134, signal: null }]);
    // Gone: nothing more is posted or killed.
    handle.send({ type: 'late' });
    handle.kill();
    expect(child.posted).toHaveLength(1);
    expect(child.killed).toBe(0);
  });

  it('kills a live worker', () => {
    const child = new FakeUtility();
    const handle = createUtilityWorkerSpawner((() => child) as never, { workerFile: 'w.js' })();
    handle.kill();
    expect(child.killed).toBe(1);
  });
});

describe('menu template', () => {
  const commands = { newCase: vi.fn(), about: vi.fn(), researchNote: vi.fn(), openLogFolder: vi.fn() };
  const labels = (t: ReturnType<typeof buildMenuTemplate>) => t.map((m) => m.label ?? m.role);
  const roles = (t: ReturnType<typeof buildMenuTemplate>, label: string) =>
    ((t.find((m) => m.label === label)?.submenu ?? []) as Array<{ role?: string; label?: string }>).map((i) => i.role ?? i.label);

  it('has File, Edit, View, Help; dev tools and reload only when not packaged', () => {
    const packaged = buildMenuTemplate({ platform: 'linux', isPackaged: true, appName: 'CRW', commands });
    expect(labels(packaged)).toEqual(['File', 'Edit', 'View', 'help']);
    expect(roles(packaged, 'View')).not.toContain('toggleDevTools');
    expect(roles(packaged, 'View')).not.toContain('reload');
    expect(roles(packaged, 'View')).toEqual(expect.arrayContaining(['zoomIn', 'zoomOut', 'resetZoom', 'togglefullscreen']));
    const dev = buildMenuTemplate({ platform: 'linux', isPackaged: false, appName: 'CRW', commands });
    expect(roles(dev, 'View')).toEqual(expect.arrayContaining(['reload', 'toggleDevTools']));
  });

  it('wires New Case, About, the research-use note and Open Log Folder', () => {
    const t = buildMenuTemplate({ platform: 'win32', isPackaged: true, appName: 'CRW', commands });
    const file = t[0]!.submenu as Array<{ label?: string; role?: string; click?: () => void }>;
    file.find((i) => i.label?.startsWith('New Case'))!.click!();
    expect(commands.newCase).toHaveBeenCalled();
    expect(file.map((i) => i.role)).toContain('quit');
    const help = t.at(-1)!.submenu as Array<{ label?: string; click?: () => void }>;
    for (const item of help) item.click?.();
    expect(commands.about).toHaveBeenCalled();
    expect(commands.researchNote).toHaveBeenCalled();
    expect(help.map((i) => i.label)).toContain('Open Log Folder');
    expect(commands.openLogFolder).toHaveBeenCalled();
  });

  it('adds the app menu on macOS', () => {
    const t = buildMenuTemplate({ platform: 'darwin', isPackaged: true, appName: 'CRW', commands });
    expect(t[0]!.label).toBe('CRW');
    expect((t[0]!.submenu as Array<{ role?: string }>).map((i) => i.role)).toContain('quit');
  });
});

describe('--data and built paths', () => {
  it('parses --data DIR and --data=DIR, relative to the working folder', () => {
    expect(parseDataDirArg(['.', '--data', 'lib'], '/home/u')).toBe(path.resolve('/home/u/lib'));
    expect(parseDataDirArg(['--data=/srv/lib'], '/x')).toBe(path.resolve('/srv/lib'));
    expect(parseDataDirArg(['.', '--enable-logging'], '/x')).toBeNull();
    expect(() => parseDataDirArg(['--data'])).toThrow(/needs a folder/);
    expect(() => parseDataDirArg(['--data', '--other'])).toThrow(/needs a folder/);
  });

  it('finds preload, renderer and worker next to dist/main', () => {
    expect(builtPaths('/app/dist/main')).toEqual({
      preload: path.join('/app/dist/preload/preload.cjs'),
      rendererRoot: path.join('/app/dist/renderer'),
      worker: path.join('/app/dist/inference/worker-main.js'),
    });
  });
});

describe('app.choosePath (the desktop file dialog)', () => {
  const window = { isDestroyed: () => false };
  it('opens the dialog on our window with the filters of what is chosen, and gives the path', async () => {
    const showOpenDialog = vi.fn(async () => ({ canceled: false, filePaths: ['/videos/case 12.mp4'] }));
    const choose = createChoosePath({ showOpenDialog } as never, () => window as never);
    expect(await choose({ purpose: 'video' })).toEqual({ path: '/videos/case 12.mp4' });
    expect(showOpenDialog).toHaveBeenCalledWith(window, dialogOptions('video'));
    expect(dialogOptions('video').filters![0]!.extensions).toContain('mp4');
    expect(dialogOptions('model')).toMatchObject({ properties: ['openFile', 'dontAddToRecent'], filters: [{ name: 'GGUF models', extensions: ['gguf'] }, { name: 'All files', extensions: ['*'] }] });
    expect(dialogOptions('folder', 'Export into')).toEqual({ title: 'Export into', properties: ['openDirectory', 'createDirectory', 'dontAddToRecent'] });
  });

  it("offers the department's CA certificate (PEM) files for Settings → Department library", () => {
    expect(dialogOptions('certificate')).toEqual({
      title: "Choose the department's CA certificate (PEM)",
      properties: ['openFile', 'dontAddToRecent'],
      filters: [
        { name: 'Certificates', extensions: ['pem', 'crt', 'cer'] },
        { name: 'All files', extensions: ['*'] },
      ],
    });
    expect(PathPurpose.parse('certificate')).toBe('certificate');
  });

  it('gives null when the reviewer cancels, and works without a window', async () => {
    const showOpenDialog = vi.fn(async () => ({ canceled: true, filePaths: [] }));
    const choose = createChoosePath({ showOpenDialog } as never, () => null);
    expect(await choose({ purpose: 'folder' })).toEqual({ path: null });
    expect(showOpenDialog).toHaveBeenCalledWith(dialogOptions('folder'));
  });
});

describe('the --review switch and review links', () => {
  it('opens a review by id from the command line or a cataract-review:// link, and ignores anything else', () => {
    expect(parseReviewArg(['--review', '12'])).toBe(12);
    expect(parseReviewArg(['--data', '/x', '--review=7'])).toBe(7);
    expect(parseReviewArg(['cataract-review://review/42'])).toBe(42);
    expect(parseReviewArg(['cataract-review://review/42/'])).toBe(42);
    for (const bad of [['--review', 'abc'], ['--review=0'], ['--review'], ['cataract-review://case/3'], ['https://example.org/review/3'], []]) expect(parseReviewArg(bad)).toBeNull();
  });
});
