import { describeObjectStoreContract } from './contracts/object-store-contract';
import { createInMemoryObjectStore } from './in-memory-object-store';

describeObjectStoreContract('in-memory', async () => ({
  store: createInMemoryObjectStore('contract-bucket'),
}));
