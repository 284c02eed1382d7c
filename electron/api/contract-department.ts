// Contract channels for the desktop's link to a department library (schemas-department.ts). Spread into contract.ts.
import { z } from 'zod';
import { Id } from './schemas';
import { DepartmentConnect, DepartmentLink, DepartmentReview, PublishProgress } from './schemas-department';

const empty = z.object({}).strict();

export const departmentRequests = {
  /** Whether this workstation is signed in to a department library, and the address last used. */
  'department.status': { input: empty, output: DepartmentLink },
  /** Signs in (checks the server, the account, the role); the password is not kept. */
  'department.connect': { input: DepartmentConnect, output: DepartmentLink },
  /** Signs out; publishing in progress is cancelled. */
  'department.disconnect': { input: empty, output: DepartmentLink },
  /** The department's reviews, newest first. */
  'department.reviews': { input: empty, output: z.array(DepartmentReview) },
  /** Sends a local review (its video, captured frames, annotations and analyses) to the department; progress comes as events. */
  'department.publish': { input: z.object({ reviewId: Id }).strict(), output: z.object({ jobId: z.string() }) },
  'department.cancelPublish': { input: z.object({ jobId: z.string().min(1).max(100) }).strict(), output: z.object({ ok: z.literal(true) }) },
} as const;

export const departmentEvents = {
  'department.publishProgress': PublishProgress,
  'department.link': DepartmentLink,
} as const;
