// recovery.* while the library is open: the status (with the backups), and a refusal to swap the open file.
// The supervisor (workstation.ts) replaces these with the real restore and open-other in recovery mode.
import path from 'node:path';
import type { Handlers } from '../../api/dispatch';
import { WorkstationError } from '../../api/errors';
import type { RecoveryStatus } from '../../api/schemas-review';
import { listBackups } from './backups';
import { damagedFiles, type RecoveryProblem } from './recovery';

export type RecoveryChannel = 'recovery.status' | 'recovery.restore' | 'recovery.openOther';

export function backupsDir(dataDir: string): string {
  return path.join(dataDir, 'backups');
}

export function recoveryStatus(o: { mode: 'normal' | 'recovery'; problem: RecoveryProblem | null; file: string; dataDir: string }): RecoveryStatus {
  return { mode: o.mode, problem: o.problem, file: o.file, damagedFiles: damagedFiles(o.file), backups: listBackups(backupsDir(o.dataDir)) };
}

export function normalRecoveryHandlers(o: { file: string; dataDir: string }): Pick<Handlers, RecoveryChannel> {
  const open = () =>
    new WorkstationError('conflict', 'The library is open and healthy. Restoring a backup or opening another file is offered on the recovery screen.');
  return {
    'recovery.status': () => recoveryStatus({ mode: 'normal', problem: null, file: o.file, dataDir: o.dataDir }),
    'recovery.restore': () => {
      throw open();
    },
    'recovery.openOther': () => {
      throw open();
    },
  };
}
