import { describe } from 'vitest';
import { createStore, type StateStore } from '../../src/store/index.js';
import { storeContract } from './store-contract.js';

describe('StateStore on memory', () => {
  // One process, one store: every handle is the same instance.
  storeContract(async () => {
    let store: StateStore | undefined;
    return {
      open: async () => (store ??= await createStore({})),
      dispose: async () => store?.close(),
    };
  });
});
