import type { HandlerSpec } from './handlers';

/** Timeout of the labelling functions: a run reads its dataset, the label cache and a job's results. */
export const LABELLING_TIMEOUT_SECONDS = 300;
/** Memory of the labelling functions (a run's manifest is held in memory). */
export const LABELLING_MEMORY_MB = 1024;
/** How often the tick looks for due tasks; `packages/functions/src/labelling-tick.ts` reads the same. */
export const LABELLING_TICK_MINUTES = 5;

/**
 * The labelling functions' links: the labelling bucket; the input bucket under `inputs/` (a run stores
 * its job's input) and the output bucket read-only (a run reads its jobs' results); the jobs table (a
 * run's job is created, pinned and read there). No endpoint key: they never call the model.
 */
const LABELLING_LINKS = ['LabellingBucket', 'LabellingInputs', 'LabellingOutputs', 'JobsTable'] as const;

/** The tick: runs every due task (new or changed dataset files → one job per run). */
export const LABELLING_TICK_HANDLER = {
  handler: 'packages/functions/src/labelling-tick.handler',
  timeoutSeconds: LABELLING_TIMEOUT_SECONDS,
  memoryMb: LABELLING_MEMORY_MB,
  links: LABELLING_LINKS,
  /** It sends no message to a queue it consumes: no chain back to itself. */
  recursiveLoop: 'Terminate',
} as const satisfies HandlerSpec;

/** The events consumer: a labelling job ended → re-ask, or write the run's labelled file and report. */
export const LABELLING_EVENTS_HANDLER = {
  handler: 'packages/functions/src/labelling-events.handler',
  timeoutSeconds: LABELLING_TIMEOUT_SECONDS,
  memoryMb: LABELLING_MEMORY_MB,
  links: LABELLING_LINKS,
  /** It sends no message to a queue it consumes: no chain back to itself. */
  recursiveLoop: 'Terminate',
} as const satisfies HandlerSpec;
