// Validation at the boundary: every call from a transport passes through here before it reaches a service.
import type { z } from 'zod';
import { isRequestChannel, requests, type Output, type ParsedInput, type RequestChannel } from './contract';
import { WorkstationError } from './errors';

export type Handlers = {
  [C in RequestChannel]: (input: ParsedInput<C>) => Promise<Output<C>> | Output<C>;
};

export function formatIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const where = issue.path.length ? issue.path.join('.') : 'arguments';
    return `${where}: ${issue.message}`;
  });
}

/** Parse a call's raw arguments against the contract; a failure never reaches a service. */
export function parseInput<C extends RequestChannel>(channel: C, raw: unknown): ParsedInput<C> {
  const schema = requests[channel].input as unknown as z.ZodType<ParsedInput<C>>;
  const result = schema.safeParse(raw === undefined ? {} : raw);
  if (!result.success) {
    const details = formatIssues(result.error);
    throw new WorkstationError('invalid-argument', `Invalid arguments for ${channel}: ${details.join('; ')}`, details);
  }
  return result.data;
}

export async function dispatch(handlers: Handlers, channel: string, raw: unknown): Promise<unknown> {
  if (!isRequestChannel(channel)) throw new WorkstationError('not-found', `Unknown channel "${channel}".`);
  const input = parseInput(channel, raw);
  const handler = handlers[channel] as (input: unknown) => unknown;
  return await handler(input);
}
