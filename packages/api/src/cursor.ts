import { ErrorCode } from '@thinkbatch/core';
import { ApiError } from './api-error';

/** A job list position (`jobListPosition`): 15 digits of creation time, `#`, a job id. */
const POSITION = /^\d{15}#[A-Za-z0-9_-]{1,64}$/;
/** A results position: chunk index and the last line number returned. */
const RESULTS_POSITION = /^(\d{1,8}):(\d{1,10})$/;

const invalidCursor = (): ApiError =>
  new ApiError('invalid cursor: pass the next_cursor of the previous page as it was', {
    code: ErrorCode.invalidValue,
  });

function decode(cursor: string): string {
  return Buffer.from(cursor, 'base64url').toString('utf8');
}

function encode(position: string): string {
  return Buffer.from(position, 'utf8').toString('base64url');
}

/** The opaque cursor of a job list position. */
export function encodeJobCursor(position: string): string {
  return encode(position);
}

/** The job list position of a cursor; a cursor that is not one is 400 `invalid_value`. */
export function decodeJobCursor(cursor: string): string {
  const position = decode(cursor);
  if (!POSITION.test(position)) throw invalidCursor();
  return position;
}

/** Where a page of a running job's results ends: the chunk it read last and the last line it returned. */
export interface ResultsPosition {
  readonly chunk: number;
  readonly line: number;
}

export function encodeResultsCursor(position: ResultsPosition): string {
  return encode(`${position.chunk}:${position.line}`);
}

export function decodeResultsCursor(cursor: string): ResultsPosition {
  const match = RESULTS_POSITION.exec(decode(cursor));
  if (match === null) throw invalidCursor();
  return { chunk: Number(match[1]), line: Number(match[2]) };
}
