import { ThinkbatchError } from '../errors/thinkbatch-error';

/**
 * A pipeline step cannot go on: state it relies on is missing (`not_found`: a chunk record, the input,
 * a stored result or chunk file) or broken (`internal`: a bug). The message comes back to be retried;
 * an expected failure of a line is never one of these (it becomes a result line with an `error`).
 */
export class PipelineError extends ThinkbatchError {
  override name = 'PipelineError';
}
