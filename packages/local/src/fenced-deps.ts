import type { PipelineDeps } from '@thinkbatch/core';

/** Thrown by a port call of an invocation Lambda would have killed. */
export class InvocationKilledError extends Error {
  override name = 'InvocationKilledError';
}

/** The ports whose calls reach the outside world (stores, queue, endpoint, rate gates). */
const FENCED_PORTS = ['input', 'output', 'jobs', 'queue', 'model', 'rateGates'] as const;

/**
 * An object whose methods refuse to start once `signal` aborted; objects they return synchronously (a
 * rate gate, an async iterator) are fenced too. Calls already started run on, as a request already on
 * the wire when Lambda kills a sandbox still reaches its service.
 */
function fence<T extends object>(target: T, signal: AbortSignal): T {
  return new Proxy(target, {
    get(object, property, receiver) {
      const value: unknown = Reflect.get(object, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (signal.aborted)
          throw new InvocationKilledError(`killed at its timeout: ${String(property)} not called`, {
            cause: signal.reason,
          });
        const result: unknown = value.apply(object, args);
        const isPlainResult =
          result === null ||
          typeof result !== 'object' ||
          result instanceof Promise ||
          ArrayBuffer.isView(result);
        return isPlainResult ? result : fence(result, signal);
      };
    },
  });
}

/**
 * The deps of one invocation that Lambda would kill when `signal` aborts: from then on, none of its
 * ports may be called — no more writes, sends or endpoint calls, as from a sandbox that no longer runs.
 * (JavaScript cannot stop the invocation's code; cutting it off from every port is what is observable.)
 */
export function fenceDeps(deps: PipelineDeps, signal: AbortSignal): PipelineDeps {
  const fenced: Record<string, unknown> = {};
  for (const port of FENCED_PORTS) fenced[port] = fence(deps[port] as object, signal);
  return { ...deps, ...fenced } as PipelineDeps;
}
