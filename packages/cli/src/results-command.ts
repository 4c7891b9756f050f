import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ResultLine } from '@thinkbatch/core';
import {
  type ApiConnection,
  CONNECTION_HELP,
  CONNECTION_OPTIONS,
  jobIdArgument,
  openApiConnection,
} from './api-connection';
import { expectPositionals, HELP_OPTION, JSON_OPTION } from './client-args';
import { CLIENT_EXIT_CODES } from './client-error';
import { type ClientIo, printJson } from './client-io';
import {
  downloadLink,
  OUTPUT_FILE_NAMES,
  readResultLinesFile,
  writeOpenAIBatchFile,
  writeResultLines,
} from './result-files';
import { UsageError } from './usage-error';

export const RESULTS_HELP = `thinkbatch results — download a job's results

Usage:
  thinkbatch results <job-id> [--out DIR] [--format openai] [--json]

Writes results.jsonl, errors.jsonl and summary.json exactly as "thinkbatch run" does (and
openai-batch-output.jsonl when the job has it). While the job runs: the lines finished so far, in input
order, into results.jsonl and errors.jsonl (no summary.json until the job ends).

Options:
  --out DIR            where the files go (default ./thinkbatch-out/<job-id>/)
  --format openai      also write openai-batch-output.jsonl (OpenAI Batch output lines)
  --json               print what was written as JSON
  -h, --help           show this help

${CONNECTION_HELP}
`;

/** `thinkbatch results <id>`: returns the exit code. */
export async function resultsCommand(argv: readonly string[], io: ClientIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      ...CONNECTION_OPTIONS,
      ...HELP_OPTION,
      ...JSON_OPTION,
      out: { type: 'string' },
      format: { type: 'string' },
    },
  });
  if (values.help) {
    io.stdout.write(RESULTS_HELP);
    return CLIENT_EXIT_CODES.ok;
  }
  const [given] = expectPositionals(positionals, 1, 'thinkbatch results <job-id>');
  const id = jobIdArgument(given);
  if (values.format !== undefined && values.format !== 'openai')
    throw new UsageError(`--format takes "openai", got "${values.format}"`);
  const openai = values.format === 'openai';
  const connection = openApiConnection(values, io);
  const outDir = resolve(values.out ?? join('thinkbatch-out', id));
  const first = await resultsPage(connection, id, undefined);
  await mkdir(outDir, { recursive: true });
  const path = (name: keyof typeof OUTPUT_FILE_NAMES) => join(outDir, OUTPUT_FILE_NAMES[name]);

  const written: string[] = [];
  let partialLines: number | null = null;
  if (first.files !== null) {
    const { files } = first;
    for (const [name, link] of [
      ['results', files.results],
      ['errors', files.errors],
      ['summary', files.summary],
      ['openaiBatch', files.openai_batch],
    ] as const) {
      if (link === null) continue;
      await downloadLink(link.url, path(name));
      written.push(path(name));
    }
    if (openai && files.openai_batch === null) {
      await writeOpenAIBatchFile(
        readResultLinesFile(path('results')),
        path('openaiBatch'),
        await openAIOptions(connection, id),
      );
      written.push(path('openaiBatch'));
    }
  } else {
    const counts = await writeResultLines(finishedSoFar(connection, id, first), {
      results: path('results'),
      errors: path('errors'),
      ...(openai && {
        openaiBatch: { path: path('openaiBatch'), options: await openAIOptions(connection, id) },
      }),
    });
    partialLines = counts.succeeded + counts.failed + counts.cancelled + counts.expired;
    written.push(path('results'), path('errors'), ...(openai ? [path('openaiBatch')] : []));
  }

  if (values.json) {
    printJson(io.stdout, {
      job_id: id,
      status: first.status,
      partial: partialLines !== null,
      lines: partialLines,
      files: written,
    });
  } else {
    const head =
      partialLines === null
        ? `job ${id} ${first.status}: its files`
        : `job ${id} ${first.status}: the ${partialLines} line(s) finished so far (partial; summary.json comes when the job ends)`;
    io.stdout.write(`${[head, ...written.map((file) => `  ${file}`)].join('\n')}\n`);
  }
  return CLIENT_EXIT_CODES.ok;
}

type ResultsPage = Awaited<ReturnType<typeof resultsPage>>;

function resultsPage(connection: ApiConnection, id: string, cursor: string | undefined) {
  return connection.call(
    (client) =>
      client.GET('/v1/jobs/{id}/results', {
        params: { path: { id }, query: { limit: 1000, ...(cursor !== undefined && { cursor }) } },
      }),
    id,
  );
}

/**
 * The lines of a running job finished so far, page after page, until the first line still running (a
 * page with nothing new) or the end; stops, too, when the job got its files meanwhile.
 */
async function* finishedSoFar(
  connection: ApiConnection,
  id: string,
  first: ResultsPage,
): AsyncGenerator<ResultLine> {
  let page = first;
  for (;;) {
    if (page.lines === null) return;
    // Checked before it is written: a page that holds no result lines fails loudly, not in the file.
    for (const line of page.lines.data) yield ResultLine.parse(line);
    const next = page.lines.next_cursor;
    if (next === null || page.lines.data.length === 0) return;
    page = await resultsPage(connection, id, next);
  }
}

/** The ids and timestamp the finalizer gives OpenAI Batch output lines: prefix the job id, created its creation. */
async function openAIOptions(connection: ApiConnection, id: string) {
  const job = await connection.call(
    (client) => client.GET('/v1/jobs/{id}', { params: { path: { id } } }),
    id,
  );
  return { batchRequestIdPrefix: id, createdAt: Date.parse(job.created_at) };
}
