import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { InvalidUtf8Error } from '../jsonl/jsonl-line-bytes';
import { PipelineError } from '../pipeline/pipeline-error';
import { JobStoreError } from '../ports/job-store';
import { ObjectStoreError } from '../ports/object-store';
import { RateGateError } from '../ports/rate-gate';
import { WorkQueueError } from '../ports/work-queue';
import { ErrorCode } from './error-code';
import { parse } from './parse';
import { ConfigurationError, ThinkbatchError } from './thinkbatch-error';

describe('error tree', () => {
  const cause = new Error('root cause');
  it.each([
    [new ThinkbatchError('m', { cause }), 'ThinkbatchError', ErrorCode.internal],
    [new ConfigurationError('m', { cause }), 'ConfigurationError', ErrorCode.invalidConfiguration],
    [new PipelineError('m', { cause }), 'PipelineError', ErrorCode.internal],
    [new PipelineError('m', { cause, code: 'not_found' }), 'PipelineError', ErrorCode.notFound],
    [new JobStoreError('m', { cause }), 'JobStoreError', ErrorCode.unknown],
    [new JobStoreError('m', { cause, code: 'conflict' }), 'JobStoreError', ErrorCode.conflict],
    [new WorkQueueError('m', { cause }), 'WorkQueueError', ErrorCode.unknown],
    [
      new ObjectStoreError('m', 'precondition_failed', { cause }),
      'ObjectStoreError',
      ErrorCode.preconditionFailed,
    ],
    [new InvalidUtf8Error('m', { cause }), 'InvalidUtf8Error', ErrorCode.invalidValue],
    [new RateGateError('m', { cause }), 'RateGateError', ErrorCode.unknown],
  ])('%s is a ThinkbatchError with its name, a stable code and the cause', (error, name, code) => {
    expect(error).toBeInstanceOf(ThinkbatchError);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe(name);
    expect(error.code).toBe(code);
    expect(error.cause).toBe(cause);
    expect(String(error)).toBe(`${name}: m`);
  });

  it('a class with one meaning keeps its code whatever the options say', () => {
    const options = { code: ErrorCode.notFound } as ErrorOptions;
    expect(new ConfigurationError('m', options).code).toBe(ErrorCode.invalidConfiguration);
  });

  it('codes are distinct snake_case strings', () => {
    const codes = Object.values(ErrorCode);
    expect(new Set(codes).size).toBe(codes.length);
    for (const code of codes) expect(code).toMatch(/^[a-z]+(_[a-z]+)*$/);
  });
});

describe('parse', () => {
  const Limits = z.strictObject({ max: z.number().int().positive() });

  it('returns the parsed value', () => {
    expect(parse(Limits, { max: 3 }, 'limits')).toEqual({ max: 3 });
  });

  it('throws a ConfigurationError naming what and every issue, with the ZodError as cause', () => {
    let error: unknown;
    try {
      parse(Limits, { max: 0, extra: 1 }, 'limits');
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(ConfigurationError);
    const { message, cause } = error as ConfigurationError;
    expect(message).toMatch(/^invalid limits:\n/);
    expect(message).toContain('→ at max');
    expect(message).toContain('"extra"');
    expect(cause).toBeInstanceOf(z.ZodError);
  });

  it('throws the class it is given, with the code invalid_value', () => {
    expect(() => parse(Limits, {}, 'stored limits', JobStoreError)).toThrow(JobStoreError);
    try {
      parse(Limits, {}, 'stored limits', JobStoreError);
    } catch (error) {
      expect((error as JobStoreError).code).toBe(ErrorCode.invalidValue);
    }
  });
});
