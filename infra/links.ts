import { STORAGE } from '../packages/core/src/settings';
import { apiReadToken, apiToken } from './api-token';
import { ACCESS, type LinkName } from './args/access';
import { labellingBucket, labellingEvents } from './labelling-resources';
import { workQueue } from './queue';
import { nvidiaApiKey } from './secrets';
import { inputs, outputs } from './storage';
import { jobsTable } from './table';

/**
 * The links handlers get: scoped `sst.Linkable`s carrying the same properties as SST's own links
 * (`name` of a bucket or table, `url` of a queue) but only the actions in `ACCESS`. Linking the
 * components themselves would grant `s3:*`, `dynamodb:*` and `sqs:*`.
 */
export const links = {
  InputBucket: bucketLink('InputBucket', inputs, ACCESS.InputBucket),
  OutputBucket: bucketLink('OutputBucket', outputs, ACCESS.OutputBucket),
  JobsTable: new sst.Linkable('JobsTable', {
    properties: { name: jobsTable.name },
    include: [sst.aws.permission({ actions: [...ACCESS.JobsTable.actions], resources: [jobsTable.arn] })],
  }),
  UnfinishedJobs: new sst.Linkable('UnfinishedJobs', {
    properties: { indexName: STORAGE.unfinishedJobsIndex },
    include: [
      sst.aws.permission({
        actions: [...ACCESS.UnfinishedJobs.actions],
        resources: [$interpolate`${jobsTable.arn}/index/${STORAGE.unfinishedJobsIndex}`],
      }),
    ],
  }),
  WorkQueue: new sst.Linkable('WorkQueue', {
    properties: { url: workQueue.url },
    include: [sst.aws.permission({ actions: [...ACCESS.WorkQueue.actions], resources: [workQueue.arn] })],
  }),
  NvidiaApiKey: nvidiaApiKey,
  ApiInputs: bucketLink('ApiInputs', inputs, ACCESS.ApiInputs),
  ApiOutputs: bucketLink('ApiOutputs', outputs, ACCESS.ApiOutputs),
  JobListIndexes: new sst.Linkable('JobListIndexes', {
    properties: { byStatus: STORAGE.jobsByStatusIndex, byInput: STORAGE.jobsByInputIndex },
    include: [
      sst.aws.permission({
        actions: [...ACCESS.JobListIndexes.actions],
        resources: [
          $interpolate`${jobsTable.arn}/index/${STORAGE.jobsByStatusIndex}`,
          $interpolate`${jobsTable.arn}/index/${STORAGE.jobsByInputIndex}`,
        ],
      }),
    ],
  }),
  ApiToken: apiToken,
  ApiReadToken: apiReadToken,
  LabellingBucket: bucketLink('LabellingBucket', labellingBucket, ACCESS.LabellingBucket),
  LabellingInputs: bucketLink('LabellingInputs', inputs, ACCESS.LabellingInputs),
  LabellingOutputs: bucketLink('LabellingOutputs', outputs, ACCESS.LabellingOutputs),
  LabellingEvents: new sst.Linkable('LabellingEvents', {
    properties: { url: labellingEvents.url },
    include: [
      sst.aws.permission({ actions: [...ACCESS.LabellingEvents.actions], resources: [labellingEvents.arn] }),
    ],
  }),
} satisfies Record<LinkName, unknown>;

/** Resolve a link name, for `functionArgs`. */
export function link(name: LinkName) {
  return links[name];
}

function bucketLink(
  name: LinkName,
  bucket: sst.aws.Bucket,
  access: {
    readonly bucketActions: readonly string[];
    readonly objectActions: readonly string[];
    /** Object actions apply under this key prefix only. @default every key */
    readonly objectPrefix?: string;
  },
) {
  const objects = $interpolate`${bucket.arn}/${access.objectPrefix ?? ''}*`;
  return new sst.Linkable(name, {
    properties: { name: bucket.name },
    include: [
      sst.aws.permission({ actions: [...access.bucketActions], resources: [bucket.arn] }),
      sst.aws.permission({ actions: [...access.objectActions], resources: [objects] }),
    ],
  });
}
