/** A failure the operator can fix, printed as one `hookline: …` line with exit status 1. */
export class CliError extends Error {}

/** One line: the innermost cause (connection errors nest theirs), without a stack. */
export function causeOf(error: unknown): string {
  let current = error as { message?: string; cause?: unknown; code?: string; errors?: unknown[] } | undefined;
  while (current?.cause) current = current.cause as typeof current;
  const aggregate = current?.errors?.[0] as { message?: string } | undefined;
  const message = current?.message || aggregate?.message || current?.code || String(error);
  return message.split('\n')[0]!.slice(0, 200);
}
