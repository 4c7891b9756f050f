import type { Refusal } from '../limits/rate-limiter';
import type { OpenAIErrorBody } from './responses';

/** A wait as OpenAI writes it in its messages: `250ms`, `1.5s`. */
function formatWait(ms: number): string {
  return ms < 1000 ? `${ms}ms` : `${Number((ms / 1000).toFixed(3))}s`;
}

/**
 * The body of a rate limiter's 429, worded as OpenAI words them (`type` says which limit:
 * `requests` or `tokens`; `code` is always `rate_limit_exceeded`).
 */
export function rateLimitError(refusal: Refusal, model: string): OpenAIErrorBody {
  const { limit, used, requested, retryAfterMs } = refusal;
  const retry = retryAfterMs === null ? '' : ` Please try again in ${formatWait(retryAfterMs)}.`;
  const code = 'rate_limit_exceeded';
  switch (refusal.reason) {
    case 'concurrency':
      return {
        message: `Too many concurrent requests for ${model}: Limit ${limit}, Used ${used}.${retry}`,
        type: 'requests',
        code,
      };
    case 'rpm':
      return {
        message: `Rate limit reached for ${model} on requests per min (RPM): Limit ${limit}, Used ${used}, Requested ${requested}.${retry}`,
        type: 'requests',
        code,
      };
    case 'tpm':
      if (requested > limit) {
        return {
          message: `Request too large for ${model} on tokens per min (TPM): Limit ${limit}, Requested ${requested}. The input or output tokens must be reduced in order to run successfully.`,
          type: 'tokens',
          code,
        };
      }
      return {
        message: `Rate limit reached for ${model} on tokens per min (TPM): Limit ${limit}, Used ${used}, Requested ${requested}.${retry}`,
        type: 'tokens',
        code,
      };
  }
}
