/** Where a client command reads its environment and writes (a `CommandIo` is one). */
export interface ClientIo {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdout: TextSink;
  readonly stderr: TextSink;
}

/** A stream to print to; a terminal redraws progress in place. */
export interface TextSink {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

/** Print a value as JSON, one document per line (scripts read `--json` output with `jq`). */
export function printJson(sink: TextSink, value: unknown): void {
  sink.write(`${JSON.stringify(value)}\n`);
}
