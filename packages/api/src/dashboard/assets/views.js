// What the dashboard draws: the token prompt, the job list and the job page, from API answers.
import { latencyPlot, progressPlot } from './charts.js';
import { badge, count, decimal, duration, el, usd, when } from './format.js';

/** A link to a job's page. @param {string} id */
export const jobHref = (id) => `#/jobs/${encodeURIComponent(id)}`;

/**
 * The token prompt: why there is no data, and a field to paste the token into.
 * @param {string} reason @param {(token: string) => void} onToken
 */
export function authView(reason, onToken) {
  const input = el('input', {
    type: 'password',
    name: 'token',
    autocomplete: 'off',
    placeholder: 'API token',
    'aria-label': 'API token',
  });
  const form = el('form', { class: 'token' }, [input, el('button', { type: 'submit' }, ['Use token'])]);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (input.value.trim() !== '') onToken(input.value);
  });
  return el('section', { class: 'card message', 'data-testid': 'auth-message' }, [
    el('h2', {}, ['Sign in with the API token']),
    el('p', {}, [reason]),
    el('p', { class: 'muted' }, [
      'Open the URL that ',
      el('code', {}, ['thinkbatch serve']),
      ' printed (it carries the token after #token=), or paste the token. It is kept in this tab only.',
    ]),
    form,
  ]);
}

/** A message card. @param {string} text @param {string} [kind] */
export function messageView(text, kind = 'error') {
  return el('section', { class: `card message ${kind === 'info' ? 'info' : ''}`, 'data-testid': 'message' }, [
    text,
  ]);
}

/** @param {any} job */
function linesText(job) {
  const { lines_done, lines_total } = job.progress;
  return lines_total === null ? `${count(lines_done)} lines` : `${count(lines_done)} / ${count(lines_total)}`;
}

const JOB_STATUSES = [
  'validating',
  'queued',
  'running',
  'finalizing',
  'completed',
  'failed',
  'cancelled',
  'expired',
];

/**
 * A select of job statuses ('' for all). @param {string} current @param {(status: string) => void} onChange
 */
export function statusFilter(current, onChange) {
  const select = el(
    'select',
    { 'aria-label': 'Status', 'data-testid': 'status-filter' },
    ['', ...JOB_STATUSES].map((status) =>
      el('option', { value: status }, [status === '' ? 'all statuses' : status]),
    ),
  );
  select.value = current;
  select.addEventListener('change', () => onChange(select.value));
  return select;
}

/** The job list. @param {any[]} jobs @param {string} status the filter, '' for none */
export function jobListView(jobs, status) {
  if (jobs.length === 0)
    return el('section', { class: 'card', 'data-testid': 'job-list' }, [
      status !== ''
        ? el('p', { class: 'muted' }, [`No ${status} jobs.`])
        : el('p', { class: 'muted' }, [
            'No jobs yet. Submit one with ',
            el('code', {}, ['POST /v1/jobs']),
            '.',
          ]),
    ]);
  const header = el('tr', {}, [
    el('th', {}, ['Job']),
    el('th', {}, ['Status']),
    el('th', {}, ['Created']),
    el('th', { class: 'num' }, ['Lines done']),
    el('th', { class: 'num' }, ['Failed']),
    el('th', { class: 'num' }, ['Completion tokens']),
    el('th', { class: 'num' }, ['Cost']),
  ]);
  const rows = jobs.map((job) =>
    el('tr', { 'data-testid': 'job-row', 'data-job-id': job.id }, [
      el('td', {}, [el('a', { href: jobHref(job.id) }, [job.id])]),
      el('td', {}, [badge(job.status)]),
      el('td', {}, [when(job.created_at)]),
      el('td', { class: 'num' }, [linesText(job)]),
      el('td', { class: 'num' }, [count(job.progress.failed)]),
      el('td', { class: 'num' }, [count(job.tokens.completion_tokens)]),
      el('td', { class: 'num' }, [usd(job.cost)]),
    ]),
  );
  return el('section', { class: 'card', 'data-testid': 'job-list' }, [
    el('table', {}, [el('thead', {}, [header]), el('tbody', {}, rows)]),
  ]);
}

/** A definition list of [label, value, testid?] rows. @param {[string, string, string?][]} rows */
function facts(rows) {
  return el(
    'dl',
    {},
    rows.flatMap(([label, value, testid]) => [
      el('dt', {}, [label]),
      el('dd', testid === undefined ? {} : { 'data-testid': testid }, [value]),
    ]),
  );
}

/** @param {string} title @param {(Node | string | null)[]} children @param {Record<string, string>} [attributes] */
const card = (title, children, attributes = {}) =>
  el('section', { class: 'card', ...attributes }, [el('h2', {}, [title]), ...children]);

/**
 * The job page's static parts, with holders the live parts are drawn into by `update`.
 * @param {string} id
 */
export function jobPage(id) {
  const parts = {
    header: el('div'),
    summary: el('div'),
    plots: {
      progress: el('div', { class: 'plot', 'data-testid': 'plot-progress' }),
      latency: el('div', { class: 'plot', 'data-testid': 'plot-latency' }),
    },
    percentiles: el('p', { class: 'muted' }),
    failures: el('div', { 'data-testid': 'failures' }),
    outputs: el('div', { 'data-testid': 'outputs' }),
  };
  const root = el('div', { 'data-testid': 'job-page', 'data-job-id': id }, [
    parts.header,
    parts.summary,
    el('div', { class: 'grid' }, [
      card('Progress over time', [parts.plots.progress], { 'data-testid': 'progress-card' }),
      card('Latency distribution', [parts.plots.latency, parts.percentiles]),
    ]),
    el('div', { class: 'card' }, [el('h2', {}, ['Failures by code']), parts.failures]),
    el('div', { class: 'card' }, [el('h2', {}, ['Outputs']), parts.outputs]),
  ]);
  /** @type {ReturnType<typeof progressPlot> | null} */
  let progressChart = null;
  /** @type {ReturnType<typeof latencyPlot> | null} */
  let latencyChart = null;
  return {
    root,
    /** @param {any} job */
    showJob(job) {
      parts.header.replaceChildren(
        el('h1', {}, ['Job ', el('span', { 'data-testid': 'job-id' }, [job.id]), ' ', badge(job.status)]),
      );
      parts.summary.replaceChildren(summaryCards(job));
    },
    /** @param {number[][]} series */
    showProgress(series) {
      progressChart ??= progressPlot(parts.plots.progress);
      progressChart.update(series);
    },
    /** @param {any} stats */
    showStats(stats) {
      const buckets = stats.latency.histogram;
      let last = buckets.findLastIndex((/** @type {any} */ b) => b.lines > 0);
      last = Math.max(last, 3);
      const shown = buckets.slice(0, last + 1);
      const labels = shown.map((/** @type {any} */ b) =>
        b.to_ms === null ? `≥ ${duration(b.from_ms)}` : `< ${duration(b.to_ms)}`,
      );
      if (latencyChart !== null && Number(parts.plots.latency.dataset.buckets) !== labels.length) {
        latencyChart.destroy();
        latencyChart = null;
      }
      parts.plots.latency.dataset.buckets = String(labels.length);
      latencyChart ??= latencyPlot(parts.plots.latency, labels);
      latencyChart.update([
        shown.map((/** @type {any} */ _b, /** @type {number} */ i) => i),
        shown.map((/** @type {any} */ b) => b.lines),
      ]);
      parts.plots.latency.dataset.lines = String(stats.sample.lines);
      const p = stats.latency.percentiles;
      parts.percentiles.textContent =
        p === null
          ? 'No latencies yet.'
          : `p50 ${duration(p.p50)} · p90 ${duration(p.p90)} · p99 ${duration(p.p99)} · max ${duration(p.max)} (${stats.latency.percentiles_basis === 'summary' ? 'all lines' : `sample of ${count(stats.sample.lines)} line${stats.sample.lines === 1 ? '' : 's'}`})`;
      parts.failures.replaceChildren(failuresView(stats));
    },
    /** @param {any} files @param {string} status */
    showOutputs(files, status) {
      parts.outputs.replaceChildren(outputsView(files, status));
    },
    destroy() {
      progressChart?.destroy();
      latencyChart?.destroy();
    },
  };
}

/** @param {any} job */
function summaryCards(job) {
  const { progress, tokens, throughput } = job;
  const bar = el('progress', {
    max: String(Math.max(1, progress.lines_total ?? 0)),
    value: String(progress.lines_done),
    'data-testid': 'progress-bar',
  });
  const percent =
    progress.lines_total === null || progress.lines_total === 0
      ? ''
      : ` (${decimal((100 * progress.lines_done) / progress.lines_total, 1)} %)`;
  const elapsed =
    job.started_at === null
      ? null
      : (job.finished_at === null ? Date.now() : Date.parse(job.finished_at)) - Date.parse(job.started_at);
  const reasoning =
    tokens.unknown.reasoning_tokens > 0 && tokens.estimated_reasoning_tokens > 0
      ? `${count(tokens.reasoning_tokens)} reported + ${count(tokens.estimated_reasoning_tokens)} estimated`
      : count(tokens.reasoning_tokens);
  return el('div', {}, [
    el('section', { class: 'card' }, [
      el('p', {}, [
        el('strong', { 'data-testid': 'lines-done' }, [count(progress.lines_done)]),
        ` of ${count(progress.lines_total)} lines done${percent}`,
        job.eta === null ? '' : ` · ETA ${when(job.eta)}`,
        job.cancel_requested ? ' · cancel requested' : '',
        progress.basis === 'complete_chunks' ? ' · counts of complete chunks' : '',
      ]),
      bar,
      job.error === null
        ? null
        : el('p', { class: 'message' }, [`Job failed: ${job.error.code}: ${job.error.message}`]),
    ]),
    el('div', { class: 'grid' }, [
      card('Lines by status', [
        facts([
          ['succeeded', count(progress.succeeded), 'count-succeeded'],
          ['failed', count(progress.failed), 'count-failed'],
          ['cancelled', count(progress.cancelled), 'count-cancelled'],
          ['expired', count(progress.expired), 'count-expired'],
          ['attempts', count(progress.attempts)],
          ['retries', count(progress.retries)],
        ]),
      ]),
      card('Tokens', [
        facts([
          ['prompt', count(tokens.prompt_tokens), 'tokens-prompt'],
          ['completion', count(tokens.completion_tokens), 'tokens-completion'],
          ['of which reasoning', reasoning, 'tokens-reasoning'],
          ['total', count(tokens.total_tokens)],
          ['lines with usage', count(tokens.lines_with_usage)],
        ]),
      ]),
      card('Cost and pace', [
        facts([
          ['cost (estimate)', usd(job.cost), 'cost'],
          ['lines / min', decimal(throughput.lines_per_minute, 1), 'lines-per-minute'],
          ['completion tokens / s', decimal(throughput.completion_tokens_per_second, 1)],
          ['started', when(job.started_at)],
          ['finished', when(job.finished_at)],
          ['elapsed', elapsed === null ? '—' : duration(elapsed)],
        ]),
        job.parent_job_id === null
          ? null
          : el('p', {}, [
              'Retry of ',
              el('a', { href: `#/jobs/${encodeURIComponent(job.parent_job_id)}` }, [job.parent_job_id]),
            ]),
      ]),
    ]),
  ]);
}

/** @param {any} stats */
function failuresView(stats) {
  const codes = Object.entries(stats.failures.by_code).sort((a, b) => Number(b[1]) - Number(a[1]));
  if (codes.length === 0 && stats.failures.lines.length === 0)
    return el('p', { class: 'muted' }, [
      'No failed lines',
      stats.failures.by_code_basis === 'sample' ? ' in the sample.' : '.',
    ]);
  const byCode = el('table', { 'data-testid': 'failures-by-code' }, [
    el('thead', {}, [el('tr', {}, [el('th', {}, ['code']), el('th', { class: 'num' }, ['lines'])])]),
    el(
      'tbody',
      {},
      codes.map(([code, n]) =>
        el('tr', {}, [
          el('td', {}, [el('code', {}, [code])]),
          el('td', { class: 'num' }, [count(Number(n))]),
        ]),
      ),
    ),
  ]);
  const lines = el('table', { 'data-testid': 'failed-lines' }, [
    el('thead', {}, [
      el('tr', {}, [
        el('th', { class: 'num' }, ['line']),
        el('th', {}, ['custom_id']),
        el('th', {}, ['code']),
        el('th', {}, ['message']),
      ]),
    ]),
    el(
      'tbody',
      {},
      stats.failures.lines.map((/** @type {any} */ f) =>
        el('tr', {}, [
          el('td', { class: 'num' }, [String(f.line)]),
          el('td', {}, [f.custom_id]),
          el('td', {}, [el('code', {}, [f.code])]),
          el('td', {}, [f.message]),
        ]),
      ),
    ),
  ]);
  return el('div', {}, [
    stats.failures.by_code_basis === 'sample'
      ? el('p', { class: 'muted' }, ['From a sample of the finished lines while the job runs.'])
      : null,
    byCode,
    el('h2', {}, ['Failed lines']),
    lines,
  ]);
}

/** @param {any} files @param {string} status */
function outputsView(files, status) {
  if (files === null)
    return el('p', { class: 'muted' }, [`The output files appear when the job finishes (now ${status}).`]);
  const link = (/** @type {string} */ name, /** @type {any} */ file) =>
    file === null
      ? null
      : el('li', {}, [
          el('a', { href: file.url, rel: 'noreferrer', 'data-testid': `output-${name}` }, [name]),
        ]);
  return el('div', {}, [
    el('ul', {}, [
      link('results.jsonl', files.results),
      link('errors.jsonl', files.errors),
      link('summary.json', files.summary),
      link('openai-batch-output.jsonl', files.openai_batch),
    ]),
    el('p', { class: 'muted' }, [
      `Links expire at ${when(files.results.expires_at)}; reload for fresh ones.`,
    ]),
  ]);
}
