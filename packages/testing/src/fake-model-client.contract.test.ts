import type { ChatRequestBody, ModelCallResult } from '@thinkbatch/core';
import type { ContractScenario, ModelClientContractHarness } from './contracts/model-client-contract';
import { describeModelClientContract } from './contracts/model-client-contract';
import { answerEcho, createFakeModelClient, type FakeModelBehaviour } from './fake-model-client';

const MARKER = 'contract-scenario:';

/** A harness whose behaviour reads the scenario back out of the prompt, as the simulator does for the adapter. */
async function fakeHarness(): Promise<ModelClientContractHarness> {
  const slowTimers = new Set<ReturnType<typeof setTimeout>>();
  const behaviour: FakeModelBehaviour = (args) => {
    const at = args.prompt.indexOf(MARKER);
    if (at === -1) throw new Error(`no scenario in prompt ${JSON.stringify(args.prompt)}`);
    const scenario = JSON.parse(args.prompt.slice(at + MARKER.length)) as ContractScenario;
    switch (scenario.kind) {
      case 'answer':
        return answerEcho(args);
      case 'status':
        return {
          kind: 'failed',
          latencyMs: 1,
          failure: {
            type: 'http_error',
            status: scenario.status,
            message: `simulated HTTP ${scenario.status}`,
            retryAfterMs: scenario.retryAfterMs,
            requestId: `req-${scenario.status}`,
          },
        };
      case 'slow':
        return new Promise<ModelCallResult>((resolve) => {
          const timer = setTimeout(() => resolve(answerEcho(args)), 10_000);
          slowTimers.add(timer);
        });
    }
  };
  return {
    client: createFakeModelClient(behaviour),
    bodyFor: (scenario): ChatRequestBody => ({
      model: 'deepseek-ai/deepseek-r1',
      messages: [{ role: 'user', content: `What is 1+1? ${MARKER}${JSON.stringify(scenario)}` }],
    }),
    close: async () => {
      for (const timer of slowTimers) clearTimeout(timer);
    },
  };
}

describeModelClientContract('fake model client', fakeHarness);
