import type { ChatRequestBody } from '@thinkbatch/core';
import { type Fault, startSimulator } from '@thinkbatch/simulator';
import {
  type ContractScenario,
  describeModelClientContract,
  type ModelClientContractHarness,
} from '@thinkbatch/testing';
import { createOpenAIModelClient } from './openai-model-client';

const MARKER = 'contract-scenario:';

/** The simulator reads the scenario back out of the prompt, so one simulator serves every scenario. */
function faultFor(promptText: string): Fault | null {
  const at = promptText.indexOf(MARKER);
  if (at === -1) return null;
  const scenario = JSON.parse(promptText.slice(at + MARKER.length)) as ContractScenario;
  switch (scenario.kind) {
    case 'answer':
      return null;
    case 'slow':
      return { kind: 'slowHeaders', delayMs: 10_000 };
    case 'status':
      return scenario.retryAfterMs === null
        ? { kind: 'status', status: scenario.status }
        : {
            kind: 'status',
            status: scenario.status,
            retryAfterMs: scenario.retryAfterMs,
            retryAfterFormat: 'milliseconds',
          };
  }
}

async function simulatorHarness(stream: boolean): Promise<ModelClientContractHarness> {
  const simulator = await startSimulator({
    apiKey: 'sk-contract',
    faultPlan: ({ promptText }) => faultFor(promptText),
  });
  return {
    client: createOpenAIModelClient({ baseURL: simulator.url, apiKey: 'sk-contract', stream }),
    bodyFor: (scenario): ChatRequestBody => ({
      model: 'deepseek-ai/deepseek-r1',
      messages: [{ role: 'user', content: `What is 1+1? ${MARKER}${JSON.stringify(scenario)}` }],
    }),
    close: () => simulator.close(),
  };
}

describeModelClientContract('openai adapter, streaming, against the simulator', () => simulatorHarness(true));
describeModelClientContract('openai adapter, non-streaming, against the simulator', () =>
  simulatorHarness(false),
);
