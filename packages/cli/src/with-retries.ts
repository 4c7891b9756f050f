import { ClientError } from './client-error';

/** Attempts of a create (submit, retry) that got no answer or a 5xx; it carries an Idempotency-Key. */
const ATTEMPTS = 3;

/** Repeat a request the API may not have seen or may have failed to answer (it carries an Idempotency-Key). */
export async function withRetries<T>(request: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await request();
    } catch (error) {
      if (!(error instanceof ClientError && error.retryable) || attempt >= ATTEMPTS) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500 * 2 ** (attempt - 1)));
    }
  }
}
