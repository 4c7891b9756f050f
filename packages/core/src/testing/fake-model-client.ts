import type { ChatRequestBody } from '../chat';
import type { ModelCallOptions, ModelCallResult, ModelClient } from '../model-client';

/** One recorded call to the fake. */
export interface FakeModelCall {
  readonly prompt: string;
  readonly body: ChatRequestBody;
  readonly options: ModelCallOptions;
}

/** Decides the answer to one call; `callsForPrompt` counts earlier calls with the same last user message. */
export type FakeModelBehaviour = (args: {
  readonly prompt: string;
  readonly body: ChatRequestBody;
  readonly callsForPrompt: number;
}) => ModelCallResult | Promise<ModelCallResult>;

export interface FakeModelClient extends ModelClient {
  readonly calls: readonly FakeModelCall[];
  callsFor(prompt: string): number;
}

/** The text of the last user message: how tests name a line's request. */
export function lastUserText(body: ChatRequestBody): string {
  const users = body.messages.filter((m) => m.role === 'user');
  return users[users.length - 1]?.content ?? '';
}

/**
 * A ModelClient for unit tests of the pipeline, driven by a behaviour function. The default answers
 * every prompt with R1's `reasoning_content` shape and a usage that depends on the prompt's length.
 */
export function createFakeModelClient(behaviour: FakeModelBehaviour = answerEcho): FakeModelClient {
  const calls: FakeModelCall[] = [];
  const perPrompt = new Map<string, number>();
  return {
    calls,
    callsFor: (prompt) => perPrompt.get(prompt) ?? 0,
    complete: async (body, options) => {
      const prompt = lastUserText(body);
      const callsForPrompt = perPrompt.get(prompt) ?? 0;
      perPrompt.set(prompt, callsForPrompt + 1);
      calls.push({ prompt, body, options });
      return behaviour({ prompt, body, callsForPrompt });
    },
  };
}

/** A completed call answering `answer:<prompt>` with reasoning `thinking about <prompt>`. */
export function answerEcho({ prompt, body }: { prompt: string; body: ChatRequestBody }): ModelCallResult {
  const reasoningTokens = 10 + prompt.length;
  return {
    kind: 'completed',
    requestId: `req-${prompt.length}`,
    latencyMs: 5,
    completion: {
      id: 'chatcmpl-fake',
      model: body.model,
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: `answer:${prompt}`,
            reasoning_content: `thinking about ${prompt}`,
          },
          finish_reason: 'stop',
        },
      ],
      usage: {
        prompt_tokens: prompt.length,
        completion_tokens: reasoningTokens + 3,
        total_tokens: prompt.length + reasoningTokens + 3,
        completion_tokens_details: { reasoning_tokens: reasoningTokens },
      },
    },
  };
}
