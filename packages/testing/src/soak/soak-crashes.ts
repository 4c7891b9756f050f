import type { ModelClient } from '@thinkbatch/core';
import { soakMarker } from './soak-input';
import type { SoakScenario } from './soak-scenario-types';

/** A model client wrapper, and how many crashes it has carried out. */
export interface SoakCrashes {
  readonly wrap: (model: ModelClient) => ModelClient;
  readonly count: () => number;
}

/**
 * Workers that die once per scripted line after the endpoint answered it (the answer is paid for and
 * lost; the line's work item comes back). The crash is a throw from the model client after its call.
 */
export function createSoakCrashes(scenario: SoakScenario): SoakCrashes {
  const markers = scenario.crashes.map((c) => {
    const job = scenario.jobs[c.job];
    if (job === undefined) throw new RangeError(`no job ${c.job} in the scenario`);
    return soakMarker(job.tag, c.line);
  });
  const crashed = new Set<string>();
  return {
    count: () => crashed.size,
    wrap: (model) => ({
      complete: async (body, options) => {
        const result = await model.complete(body, options);
        const text = body.messages.map((m) => m.content).join('\n');
        const marker = markers.find((m) => text.includes(m) && !crashed.has(m));
        if (marker !== undefined) {
          crashed.add(marker);
          throw new Error('soak: worker crashed after the endpoint answered');
        }
        return result;
      },
    }),
  };
}
