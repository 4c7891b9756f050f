import { Resource } from 'sst';

/**
 * The resources `infra/` links to the handlers, as SST exposes them at run time. Typed here because
 * SST's generated `sst-env.d.ts` only exists after a deploy; the names must match `infra/`.
 */
export interface LinkedResources {
  readonly InputBucket: { readonly name: string };
  readonly OutputBucket: { readonly name: string };
  readonly WorkQueue: { readonly url: string };
  readonly JobsTable: { readonly name: string };
  readonly NvidiaApiKey: { readonly value: string };
  /** The job finished events queue (`infra/labelling-resources.ts`). */
  readonly LabellingEvents: { readonly url: string };
}

export const linked = Resource as unknown as LinkedResources;
