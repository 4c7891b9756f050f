import { LABELLING_TIMEOUT_SECONDS } from './args/labelling-handlers';
import { VISIBILITY_TIMEOUT_FACTOR } from './args/queues';

/**
 * The labelling bucket: teams drop dataset files under a task's prefix; labelling keeps its tasks,
 * state, label cache and run outputs under `thinkbatch/`. Private, like the pipeline's buckets.
 */
export const labellingBucket = new sst.aws.Bucket('Labelling', { cors: false });

/** Events the labelling consumer could not handle after its retries, kept for a look (14 days). */
export const labellingEventsDeadLetters = new sst.aws.Queue('LabellingEventsDeadLetters', {
  transform: { queue: { messageRetentionSeconds: 14 * 24 * 3600 } },
});

/**
 * Job finished events (`JobFinishedEvent` JSON), published by finalize and failJob; the labelling
 * consumer takes each run further. Retried 5 times, then dead-lettered.
 */
export const labellingEvents = new sst.aws.Queue('LabellingEvents', {
  visibilityTimeout: `${VISIBILITY_TIMEOUT_FACTOR * LABELLING_TIMEOUT_SECONDS} seconds`,
  dlq: { queue: labellingEventsDeadLetters.arn, retry: 5 },
});
