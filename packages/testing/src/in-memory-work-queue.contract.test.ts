import { describeWorkQueueContract } from './contracts/work-queue-contract';
import { createInMemoryWorkQueue } from './in-memory-work-queue';

describeWorkQueueContract('in-memory', async () => {
  const queue = createInMemoryWorkQueue();
  return { queue, receiveAll: async () => queue.drain().map((sent) => sent.message) };
});
