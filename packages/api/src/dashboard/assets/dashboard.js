// The dashboard: a job list (`#/`) and a job page (`#/jobs/<id>`), refreshed from the API while shown.
import { ApiFailure, adoptTokenFromFragment, api, forgetToken, getToken, jobPath, setToken } from './api.js';
import { el } from './format.js';
import { authView, jobListView, jobPage, messageView, statusFilter } from './views.js';

const POLL_MS = 2000;
/** Jobs the list shows. */
const PAGE_SIZE = 50;
/** A running job's stats (a sample of its lines: heavier than its counts) every this many polls. */
const STATS_EVERY = 3;
const TERMINAL = new Set(['completed', 'failed', 'cancelled', 'expired']);
/** Progress samples kept per job (in this tab) for the plot over time. */
const MAX_SAMPLES = 1000;

const main = /** @type {HTMLElement} */ (document.getElementById('main'));
const forgetButton = /** @type {HTMLButtonElement} */ (document.getElementById('forget-token'));
let stopView = () => {};

/** @param {Node} node */
function show(node) {
  main.replaceChildren(node);
}

/** @param {string} token */
function useToken(token) {
  setToken(token);
  route();
}

/**
 * Show what went wrong; true when polling should go on (a failure that may pass: the network, a 5xx).
 * A refused token sends the user back to the token prompt.
 * @param {unknown} error
 */
function showFailure(error) {
  if (error instanceof ApiFailure && error.status === 401) {
    forgetToken();
    forgetButton.hidden = true;
    show(authView(`The API refused the token (${error.message}).`, useToken));
    return false;
  }
  if (error instanceof ApiFailure && error.status === 404) {
    show(messageView(`Not found: ${error.message}`));
    return false;
  }
  const text = `Could not refresh (trying again): ${error instanceof Error ? error.message : String(error)}`;
  const notice = messageView(text);
  notice.dataset.testid = 'refresh-failed';
  main.querySelector('[data-testid="refresh-failed"]')?.remove();
  main.prepend(notice);
  return true;
}

/**
 * Run `step` now and again every `ms` while it returns true; a failure stops it unless it may pass.
 * @param {() => Promise<boolean>} step @param {number} ms
 */
function poll(step, ms) {
  let stopped = false;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  const run = async () => {
    let again = false;
    try {
      again = await step();
      main.querySelector('[data-testid="refresh-failed"]')?.remove();
    } catch (error) {
      again = !stopped && showFailure(error);
    }
    if (!stopped && again) timer = setTimeout(run, ms);
  };
  void run();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

/** The job list's status filter ('' for all), kept while the tab lives. */
let listStatus = '';

function showJobs() {
  const filter = statusFilter(listStatus, (status) => {
    listStatus = status;
    route();
  });
  const list = el('div', {}, [el('p', { class: 'muted' }, ['Loading…'])]);
  show(el('div', {}, [el('div', { class: 'toolbar' }, [el('h1', {}, ['Jobs']), filter]), list]));
  return poll(async () => {
    const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
    if (listStatus !== '') query.set('status', listStatus);
    const page = await api(`/v1/jobs?${query}`);
    list.replaceChildren(
      jobListView(page.data, listStatus),
      page.next_cursor === null ? '' : el('p', { class: 'muted' }, [`The newest ${PAGE_SIZE} are shown.`]),
    );
    return true;
  }, POLL_MS);
}

/** @param {string} id */
const samplesKey = (id) => `thinkbatch.samples.${id}`;

/** @param {string} id @returns {[number, number][]} */
function loadSamples(id) {
  try {
    const saved = JSON.parse(window.sessionStorage.getItem(samplesKey(id)) ?? '[]');
    return Array.isArray(saved) ? saved : [];
  } catch {
    return [];
  }
}

/** Keep the samples for a reload; a full sessionStorage only loses them. @param {string} id @param {[number, number][]} samples */
function saveSamples(id, samples) {
  try {
    window.sessionStorage.setItem(samplesKey(id), JSON.stringify(samples));
  } catch {
    // QuotaExceededError: the plot still has them until the page is left.
  }
}

/**
 * Add the job's progress now (or at its end) to the samples: [seconds, lines done], ascending in time.
 * @param {[number, number][]} samples @param {any} job
 */
function addSample(samples, job) {
  const at = (/** @type {string} */ iso) => Date.parse(iso) / 1000;
  if (samples.length === 0 && job.started_at !== null) samples.push([at(job.started_at), 0]);
  const now = job.finished_at === null ? Date.now() / 1000 : at(job.finished_at);
  const last = samples[samples.length - 1];
  if (last !== undefined && now <= last[0]) return;
  samples.push([now, job.progress.lines_done]);
  if (samples.length > MAX_SAMPLES) samples.splice(1, 1);
}

/** uPlot's data: times, lines done, lines per minute since the previous sample. @param {[number, number][]} samples */
function progressSeries(samples) {
  const rate = samples.map(([t, done], i) => {
    const previous = samples[i - 1];
    return previous === undefined || t <= previous[0]
      ? null
      : ((done - previous[1]) * 60) / (t - previous[0]);
  });
  return [samples.map((s) => s[0]), samples.map((s) => s[1]), rate];
}

/** @param {string} id */
function showJob(id) {
  const page = jobPage(id);
  show(page.root);
  const samples = loadSamples(id);
  let round = 0;
  const stop = poll(async () => {
    const job = await api(jobPath(id));
    const terminal = TERMINAL.has(job.status);
    page.showJob(job);
    addSample(samples, job);
    saveSamples(id, samples);
    page.showProgress(progressSeries(samples));
    if (round % STATS_EVERY === 0 || terminal) page.showStats(await api(jobPath(id, '/stats')));
    if (terminal) page.showOutputs((await api(jobPath(id, '/results?limit=1'))).files, job.status);
    else if (round === 0) page.showOutputs(null, job.status);
    round += 1;
    return !terminal;
  }, POLL_MS);
  return () => {
    stop();
    page.destroy();
  };
}

function route() {
  stopView();
  stopView = () => {};
  const hasToken = getToken() !== null;
  forgetButton.hidden = !hasToken;
  if (!hasToken) {
    show(authView('No API token in this tab yet.', useToken));
    return;
  }
  const job = /^#\/jobs\/([A-Za-z0-9_-]{1,64})$/.exec(window.location.hash);
  stopView = job?.[1] === undefined ? showJobs() : showJob(job[1]);
}

forgetButton.addEventListener('click', () => {
  forgetToken();
  route();
});
window.addEventListener('hashchange', () => {
  adoptTokenFromFragment();
  route();
});
adoptTokenFromFragment();
route();
