// The desktop's link to a department library (a department server, electron/host/department): where it is, who is
// signed in, the department's reviews, and publishing a local review there. Imported by contract-department.ts.
import { z } from 'zod';
import { Id } from './schemas';

/** https://host[:port] (plain http only on this machine: the server refuses plain HTTP elsewhere). */
export const DepartmentUrl = z
  .string()
  .trim()
  .min(1, 'Enter the department server’s address, for example https://review.hospital.org:8443.')
  .max(2000)
  .superRefine((raw, ctx) => {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'That is not a web address. Enter it as https://host:port.' });
      return;
    }
    const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
    if (url.protocol === 'http:' && !loopback) {
      ctx.addIssue({ code: 'custom', message: 'A department server is reached over https:// (plain http:// only on this computer).' });
    } else if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      ctx.addIssue({ code: 'custom', message: 'Enter an https:// address.' });
    } else if (url.username || url.password) {
      ctx.addIssue({ code: 'custom', message: 'Leave the name and password out of the address: enter them below.' });
    } else if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash) {
      ctx.addIssue({ code: 'custom', message: 'Enter only the server’s address (https://host:port), without a path.' });
    }
  });

export const DepartmentRole = z.enum(['resident', 'attending', 'educator', 'admin']);
export const DEPARTMENT_ROLE_LABELS: Record<z.infer<typeof DepartmentRole>, string> = {
  resident: 'Resident',
  attending: 'Attending',
  educator: 'Educator',
  admin: 'Administrator',
};

export const DepartmentLink = z.object({
  /** The address and user name last used (kept in the library's settings; never the password). */
  remembered: z.object({ url: z.string(), username: z.string(), caFile: z.string().nullable() }).nullable(),
  connection: z
    .object({
      url: z.string(),
      user: z.object({ username: z.string(), displayName: z.string(), role: DepartmentRole }),
      server: z.object({ version: z.string(), database: z.enum(['postgresql', 'sqlite']), tls: z.boolean(), engine: z.boolean() }),
      permissions: z.object({ signOff: z.boolean() }),
      connectedAt: z.string(),
    })
    .nullable(),
});
export type DepartmentLink = z.infer<typeof DepartmentLink>;

export const DepartmentConnect = z
  .object({
    url: DepartmentUrl,
    username: z.string().trim().min(1, 'Enter your user name.').max(200),
    password: z.string().min(1, 'Enter your password.').max(1000),
    /** A PEM file with the certificate that signed the server's (a hospital's own CA), where this computer does not trust it. */
    caFile: z.string().trim().max(4096).optional(),
  })
  .strict();

export const DepartmentReview = z.object({
  id: Id,
  title: z.string(),
  status: z.string(),
  signedOffBy: z.string().nullable(),
  updatedAt: z.string(),
});
export type DepartmentReview = z.infer<typeof DepartmentReview>;

export const PublishPhase = z.enum(['hashing', 'checking', 'video', 'frames', 'review']);
export const PublishProgress = z.object({
  jobId: z.string(),
  reviewId: Id,
  state: z.enum(['running', 'done', 'failed', 'cancelled']),
  phase: PublishPhase,
  sentBytes: z.number().nonnegative(),
  totalBytes: z.number().nonnegative(),
  message: z.string().nullable(),
  result: z
    .object({
      departmentReviewId: Id,
      /** New to the department (false: an update of the copy published before). */
      created: z.boolean(),
      /** Anything was written (false: the department already had it exactly so). */
      changed: z.boolean(),
      bytesSent: z.number().nonnegative(),
      videoSent: z.boolean(),
      frames: z.number().int(),
      annotations: z.number().int(),
      /** The review's notes and tags now in the department (not counting those made there). */
      notes: z.number().int(),
      tags: z.number().int(),
    })
    .nullable(),
});
export type PublishProgress = z.infer<typeof PublishProgress>;
