import { type Clock, type Logger, systemClock } from '@thinkbatch/core';
import type { LocalRuntime } from './local-runtime';
import { createdEventOf } from './s3-event';

/** Options of {@link createLocalUploadNotifier}. */
export interface LocalUploadNotifierOptions {
  /** How often an expected upload is looked for. @default 500 */
  readonly pollMs?: number;
  /** Keep looking this long after an upload slot expired (an upload started just before). @default 60_000 */
  readonly graceMs?: number;
  readonly clock?: Clock;
  readonly log?: Logger;
}

/** What the API needs to start jobs locally (`UploadNotifier` of `@thinkbatch/api`), and a stop. */
export interface LocalUploadNotifier {
  /** Deliver the object-created event of `key` to the fan-out, asynchronously (as S3 invokes it). */
  uploaded(key: string): Promise<void>;
  /** Look for `key` until `until` (plus the grace) and deliver its event when it appears. */
  expect(key: string, until: number): void;
  /** Stop looking, and wait for the fan-outs started. */
  stop(): Promise<void>;
}

/**
 * The bucket notification of the input bucket, for the local runtime (the emulator accepts notification
 * configurations but never delivers them): the fan-out of an object the API stored is invoked as S3
 * would invoke it, and an object a client uploads through a presigned slot is found by polling its key
 * while the slot may be used.
 */
export function createLocalUploadNotifier(
  runtime: Pick<LocalRuntime, 'deps' | 'handlers' | 'resources' | 'endpoints'>,
  options: LocalUploadNotifierOptions = {},
): LocalUploadNotifier {
  const clock = options.clock ?? systemClock;
  const log = options.log ?? runtime.deps.log;
  const pollMs = options.pollMs ?? 500;
  const graceMs = options.graceMs ?? 60_000;
  const stopping = new AbortController();
  const running = new Set<Promise<unknown>>();
  const watched = new Set<string>();
  const track = (work: Promise<unknown>): void => {
    const tracked = work.catch((error: unknown) =>
      log.error('upload notification failed', { error: String(error) }),
    );
    running.add(tracked);
    void tracked.finally(() => running.delete(tracked));
  };

  const deliver = async (key: string): Promise<boolean> => {
    const event = await createdEventOf(runtime.deps.input, {
      bucket: runtime.resources.inputBucket,
      key,
      region: runtime.endpoints.region,
    });
    if (event === null) return false;
    track(runtime.handlers.fanOutAsync(event));
    return true;
  };

  const watch = async (key: string, until: number): Promise<void> => {
    try {
      while (clock.now() <= until + graceMs) {
        if (await deliver(key)) return;
        await clock.sleep(pollMs, stopping.signal);
      }
      log.warn('no upload arrived before its slot expired', { key });
    } catch (error) {
      if (!stopping.signal.aborted) throw error;
    } finally {
      watched.delete(key);
    }
  };

  return {
    uploaded: async (key) => {
      if (!(await deliver(key))) throw new Error(`no object ${key} in the input bucket`);
    },
    expect: (key, until) => {
      if (watched.has(key) || stopping.signal.aborted) return;
      watched.add(key);
      track(watch(key, until));
    },
    stop: async () => {
      stopping.abort(new Error('upload notifier stopping'));
      while (running.size > 0) await Promise.all([...running]);
    },
  };
}
