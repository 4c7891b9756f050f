import { describe, expect, it } from 'vitest';
import {
  DEAD_LETTER,
  FAN_OUT_FAILURES,
  FANOUT,
  QUEUE,
  STORAGE,
  SWEEPER,
  WORKER,
} from '../packages/core/src/settings';
import { VISIBILITY_TIMEOUT_FACTOR } from './args/queues';

/** Hard limits of the AWS services (REFERENCE §3), not choices. */
const LAMBDA_MAX_TIMEOUT_SECONDS = 900;
const SQS_MAX_RETENTION_SECONDS = 14 * 24 * 3600;
const SQS_MIN_RETENTION_SECONDS = 60;
const SQS_MAX_VISIBILITY_SECONDS = 12 * 3600;
const SQS_MAX_DELAY_SECONDS = 900;
const SQS_MAX_MESSAGE_BYTES = 1024 * 1024;
const SQS_MAX_BATCH_WINDOW_SECONDS = 300;
const LAMBDA_MAX_ASYNC_RETRIES = 2;
/** Lambda's waits between async retries of a failed invocation: about 1, then 2 minutes. */
const LAMBDA_ASYNC_RETRY_WAITS_SECONDS = 60 + 120;

describe('shared settings respect AWS limits and recommendations', () => {
  it('gives the work queue a visibility timeout of at least 6 × the worker timeout, within the SQS maximum', () => {
    expect(VISIBILITY_TIMEOUT_FACTOR).toBe(6);
    expect(QUEUE.visibilityTimeoutSeconds).toBeGreaterThanOrEqual(
      VISIBILITY_TIMEOUT_FACTOR * WORKER.timeoutSeconds,
    );
    expect(QUEUE.visibilityTimeoutSeconds).toBeLessThanOrEqual(SQS_MAX_VISIBILITY_SECONDS);
  });

  it('keeps a DLQ consumer visibility timeout of 6 × its timeout within the SQS maximum', () => {
    expect(VISIBILITY_TIMEOUT_FACTOR * DEAD_LETTER.timeoutSeconds).toBeLessThanOrEqual(
      SQS_MAX_VISIBILITY_SECONDS,
    );
  });

  it('dead-letters a work item only after at least 5 deliveries', () => {
    expect(QUEUE.maxReceiveCount).toBeGreaterThanOrEqual(5);
    expect(Number.isInteger(QUEUE.maxReceiveCount)).toBe(true);
  });

  it('keeps dead letters longer than work items, both within what SQS accepts', () => {
    expect(QUEUE.dlqRetentionSeconds).toBeGreaterThan(QUEUE.retentionSeconds);
    expect(QUEUE.retentionSeconds).toBeGreaterThanOrEqual(SQS_MIN_RETENTION_SECONDS);
    expect(QUEUE.dlqRetentionSeconds).toBeLessThanOrEqual(SQS_MAX_RETENTION_SECONDS);
  });

  it('raises the maximum message size to exactly 1 MiB', () => {
    expect(QUEUE.maximumMessageSizeBytes).toBe(SQS_MAX_MESSAGE_BYTES);
  });

  it('hands work back with a delay SQS accepts', () => {
    expect(QUEUE.maxDelaySeconds).toBeGreaterThan(0);
    expect(QUEUE.maxDelaySeconds).toBeLessThanOrEqual(SQS_MAX_DELAY_SECONDS);
  });

  it('keeps every function timeout within Lambda’s 900 s', () => {
    for (const timeout of [
      WORKER.timeoutSeconds,
      FANOUT.timeoutSeconds,
      DEAD_LETTER.timeoutSeconds,
      FAN_OUT_FAILURES.timeoutSeconds,
      SWEEPER.timeoutSeconds,
    ]) {
      expect(timeout).toBeGreaterThan(0);
      expect(timeout).toBeLessThanOrEqual(LAMBDA_MAX_TIMEOUT_SECONDS);
    }
  });

  it('caps worker concurrency within the event source’s 2–1000', () => {
    expect(Number.isInteger(WORKER.maxConcurrency)).toBe(true);
    expect(WORKER.maxConcurrency).toBeGreaterThanOrEqual(2);
    expect(WORKER.maxConcurrency).toBeLessThanOrEqual(1000);
  });

  it('uses SQS batches of at most 10 messages and a batch window Lambda accepts', () => {
    for (const size of [WORKER.batchSize, DEAD_LETTER.batchSize]) {
      expect(Number.isInteger(size)).toBe(true);
      expect(size).toBeGreaterThanOrEqual(1);
      expect(size).toBeLessThanOrEqual(10);
    }
    expect(WORKER.batchWindowSeconds).toBeGreaterThanOrEqual(0);
    expect(WORKER.batchWindowSeconds).toBeLessThanOrEqual(SQS_MAX_BATCH_WINDOW_SECONDS);
  });

  it('leaves the worker time to work before its reserve: reserveMs < the worker timeout', () => {
    expect(WORKER.reserveMs).toBeGreaterThan(0);
    expect(WORKER.reserveMs).toBeLessThan(WORKER.timeoutSeconds * 1000);
  });

  it('sizes functions within Lambda’s 128–10240 MB', () => {
    for (const memory of [WORKER.memoryMb, FANOUT.memoryMb]) {
      expect(memory).toBeGreaterThanOrEqual(128);
      expect(memory).toBeLessThanOrEqual(10_240);
    }
  });

  it('retries a failed fan-out as often as Lambda allows, and keeps its failure records within SQS limits', () => {
    expect(FANOUT.asyncRetries).toBe(LAMBDA_MAX_ASYNC_RETRIES);
    expect(FAN_OUT_FAILURES.retentionSeconds).toBeLessThanOrEqual(SQS_MAX_RETENTION_SECONDS);
    expect(VISIBILITY_TIMEOUT_FACTOR * FAN_OUT_FAILURES.timeoutSeconds).toBeLessThanOrEqual(
      SQS_MAX_VISIBILITY_SECONDS,
    );
    expect(FAN_OUT_FAILURES.batchSize).toBeLessThanOrEqual(10);
  });

  it('calls a fan-out stalled only after any fan-out invocation, retries included, must have ended', () => {
    expect(SWEEPER.fanOutStalledAfterSeconds).toBeGreaterThan(
      FANOUT.timeoutSeconds + LAMBDA_ASYNC_RETRY_WAITS_SECONDS,
    );
    expect(SWEEPER.timeoutSeconds).toBeGreaterThanOrEqual(FANOUT.timeoutSeconds); // it may resume one
    expect(SWEEPER.maxFanOutResumes).toBeGreaterThanOrEqual(1);
  });

  it('sweeps more often than anything it waits for', () => {
    const interval = SWEEPER.intervalMinutes * 60;
    expect(Number.isInteger(SWEEPER.intervalMinutes)).toBe(true);
    expect(interval).toBeLessThan(SWEEPER.fanOutStalledAfterSeconds);
    expect(interval).toBeLessThan(SWEEPER.finalizeStalledAfterSeconds);
  });

  it('starts jobs only for a narrow key pattern: a non-empty folder prefix and the .jsonl suffix', () => {
    expect(STORAGE.inputPrefix).toMatch(/^[^/].*\/$/);
    expect(STORAGE.inputSuffix).toBe('.jsonl');
  });
});
