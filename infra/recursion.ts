import type { HandlerSpec } from './args/handlers';

/**
 * Set a function's recursive-loop detection as its spec decided (`HandlerSpec.recursiveLoop`), rather
 * than leaving it to the account's default.
 */
export function recursionConfig(name: string, functionName: $util.Input<string>, spec: HandlerSpec) {
  return new aws.lambda.FunctionRecursionConfig(`${name}Recursion`, {
    functionName,
    recursiveLoop: spec.recursiveLoop,
  });
}
