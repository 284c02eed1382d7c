// Command-line plumbing shared by the tools in scripts/ (analyze, analyze-video, export, model): wrong arguments
// are reported with the tool's usage text and exit code 2; a failure of the work itself with a clear message and
// exit code 1.
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** Wrong arguments: the tool reports the message with its usage text and exits 2. */
export class UsageError extends Error {}

/** Prints `message` to stderr and ends the process: exit code 2 (the default) for wrong arguments, 1 when the work failed. */
export function fail(message: string, code = 2): never {
  console.error(message);
  process.exit(code);
}

/** Node's parseArgs (of process.argv unless `config.args` is given); what it rejects (an unknown option, a missing value) becomes a UsageError with its message. */
export function parseCommandLine<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/** parseCommandLine for tools that stop at the first wrong argument: a rejected command line prints its message and `usage`, and exits 2. */
export function parseCommandLineOrExit<T extends ParseArgsConfig>(config: T, usage: string): ReturnType<typeof parseArgs<T>> {
  try {
    return parseCommandLine(config);
  } catch (err) {
    return fail(`${(err as Error).message}\n${usage}`);
  }
}
