// The JSON report's schema as JSON Schema (2020-12), made from the zod schema so the two cannot drift.
import { z } from 'zod';
import { REPORT_SCHEMA_VERSION, ReviewReportV1 } from '../../api/schemas-reports';

export const REPORT_SCHEMA_ID = `https://cataract-review.invalid/schemas/review-report-v${REPORT_SCHEMA_VERSION}.schema.json`;

export function reportJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(ReviewReportV1, { target: 'draft-2020-12', io: 'output', unrepresentable: 'any' }) as Record<string, unknown>;
  return {
    $schema: schema.$schema,
    $id: REPORT_SCHEMA_ID,
    title: `Cataract review report, version ${REPORT_SCHEMA_VERSION}`,
    ...Object.fromEntries(Object.entries(schema).filter(([k]) => k !== '$schema')),
  };
}

export function reportJsonSchemaText(): string {
  return `${JSON.stringify(reportJsonSchema(), null, 2)}\n`;
}
