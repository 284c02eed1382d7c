// The application menu. buildMenuTemplate is pure (platform and packaging in, template out); main.ts passes
// the result to Menu.buildFromTemplate.
import type { MenuItemConstructorOptions } from 'electron';

export const RESEARCH_USE_NOTE =
  'Research use only. The analysis is produced by a vision-language model and is not for clinical decisions; ' +
  'a qualified surgeon must review every frame and every statement.';

export interface MenuCommands {
  newCase(): void;
  about(): void;
  researchNote(): void;
  /** Opens the folder of the log files (to send one to support). */
  openLogFolder(): void;
}

export interface MenuContext {
  platform: NodeJS.Platform;
  isPackaged: boolean;
  appName: string;
  commands: MenuCommands;
}

export function buildMenuTemplate(ctx: MenuContext): MenuItemConstructorOptions[] {
  const mac = ctx.platform === 'darwin';
  const dev = !ctx.isPackaged;
  const template: MenuItemConstructorOptions[] = [];

  if (mac) {
    template.push({
      label: ctx.appName,
      submenu: [
        { label: `About ${ctx.appName}`, click: () => ctx.commands.about() },
        { type: 'separator' },
        { role: 'services' },
        { type: 'separator' },
        { role: 'hide' },
        { role: 'hideOthers' },
        { role: 'unhide' },
        { type: 'separator' },
        { role: 'quit' },
      ],
    });
  }

  template.push({
    label: 'File',
    submenu: [
      { label: 'New Case…', accelerator: 'CmdOrCtrl+N', click: () => ctx.commands.newCase() },
      { type: 'separator' },
      mac ? { role: 'close' } : { role: 'quit' },
    ],
  });

  template.push({
    label: 'Edit',
    submenu: [
      { role: 'undo' },
      { role: 'redo' },
      { type: 'separator' },
      { role: 'cut' },
      { role: 'copy' },
      { role: 'paste' },
      ...(mac ? [{ role: 'pasteAndMatchStyle' } as const] : []),
      { role: 'delete' },
      { type: 'separator' },
      { role: 'selectAll' },
    ],
  });

  template.push({
    label: 'View',
    submenu: [
      ...(dev ? [{ role: 'reload' } as const, { role: 'forceReload' } as const, { role: 'toggleDevTools' } as const, { type: 'separator' } as const] : []),
      { role: 'resetZoom' },
      { role: 'zoomIn' },
      { role: 'zoomOut' },
      { type: 'separator' },
      { role: 'togglefullscreen' },
    ],
  });

  if (mac) template.push({ role: 'windowMenu' });

  template.push({
    role: 'help',
    submenu: [
      ...(mac ? [] : [{ label: `About ${ctx.appName}`, click: () => ctx.commands.about() }]),
      { label: 'Research Use Only…', click: () => ctx.commands.researchNote() },
      { type: 'separator' },
      { label: 'Open Log Folder', click: () => ctx.commands.openLogFolder() },
    ],
  });

  return template;
}
