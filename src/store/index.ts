export type {
  StateStore,
  StoreOptions,
  ConnectionChange,
  StoreErrorCode,
  StoreError,
} from './state-store.js';
export { createStore, StoreUnavailableError, StoreCorruptError, isStoreError } from './state-store.js';
