import type { PipelineDeps } from '@thinkbatch/core';

/** How a handler gets its dependencies: built once per container (Lambda) or handed in (local runtime). */
export type DepsProvider = () => Promise<PipelineDeps>;

/** Build the deps on first use and reuse them for later invocations of the same container. */
export function once(build: () => PipelineDeps | Promise<PipelineDeps>): DepsProvider {
  let built: Promise<PipelineDeps> | undefined;
  return () => {
    built ??= Promise.resolve().then(build);
    return built;
  };
}
