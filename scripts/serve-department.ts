// `npm run serve:department -- …`: the department server (electron/host/department/cli.ts; `npm run serve -- --db …`
// runs the same).
import { startDepartmentCli } from '../electron/host/department/cli';

startDepartmentCli(process.argv.slice(2));
