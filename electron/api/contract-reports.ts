// Contract channels and events for review reports (PDF, HTML, JSON, CSV, COCO). Spread into contract.ts.
import { z } from 'zod';
import { Id } from './schemas';
import { ReportFormat, ReportOptions, ReportPreview, ReportProgress } from './schemas-reports';

const folder = z.string().trim().min(1, 'Choose the folder to export into.').max(4096);

export const reportRequests = {
  /** The first page of the report as PNG, with these options (nothing is written). */
  'reports.preview': { input: z.object({ reviewId: Id, options: ReportOptions.optional() }).strict(), output: ReportPreview },
  /** Starts writing the chosen formats into an existing folder; progress and the result come as reports.progress. */
  'reports.export': {
    input: z
      .object({
        reviewId: Id,
        folder,
        formats: z
          .array(ReportFormat)
          .min(1, 'Choose at least one format.')
          .max(5)
          .refine((f) => new Set(f).size === f.length, 'Each format once.'),
        options: ReportOptions.optional(),
      })
      .strict(),
    output: z.object({ jobId: z.string() }),
  },
  'reports.cancel': { input: z.object({ jobId: z.string().min(1).max(100) }).strict(), output: z.object({ cancelled: z.boolean() }) },
} as const;

export const reportEvents = {
  'reports.progress': ReportProgress,
} as const;
