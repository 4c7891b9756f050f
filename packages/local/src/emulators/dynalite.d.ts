/** Types for dynalite 4 (the package ships none): only what the emulator harness uses. */
declare module 'dynalite' {
  import type { Server } from 'node:http';

  namespace dynalite {
    /** LevelDB's open options (classic-level), forwarded by our patch. LevelDB's defaults when absent. */
    interface LevelDbOptions {
      /** @default 1000 (LevelDB clamps to ≥ 74; its table cache holds this − 10 tables) */
      maxOpenFiles?: number;
      /** Target size of a table file. @default 2 MiB (LevelDB clamps to ≥ 1 MiB) */
      maxFileSize?: number;
      /** Block cache. @default 8 MiB */
      cacheSize?: number;
      /** Memtable size (two may exist at once). @default 4 MiB */
      writeBufferSize?: number;
      /** @default 4096 */
      blockSize?: number;
    }

    interface DynaliteOptions {
      /** Options of LevelDB's open when `path` is given (our patch forwards them). */
      leveldb?: LevelDbOptions;
      /** LevelDB directory; in memory when absent. */
      path?: string;
      /** @default 500 */
      createTableMs?: number;
      /** @default 500 */
      deleteTableMs?: number;
      /** @default 500 */
      updateTableMs?: number;
      /** @default 400 */
      maxItemSizeKb?: number;
    }
  }

  function dynalite(options?: dynalite.DynaliteOptions): Server;
  export = dynalite;
}

/** dynalite's storage module (`db/index.js`): only what the table-read cache's race test drives. */
declare module 'dynalite/db/index.js' {
  type Callback<T> = (error: Error | null, value?: T) => void;

  /** A LevelDB-like store with callback methods, as dynalite wraps it. */
  interface CallbackStore {
    get(key: string, callback: Callback<unknown>): void;
    put(key: string, value: unknown, callback: Callback<void>): void;
    del(key: string, callback: Callback<void>): void;
    batch(
      operations: { type: 'put' | 'del'; key: string; value?: unknown }[],
      callback: Callback<void>,
    ): void;
  }

  interface Store {
    /** The LevelDB every sub-database reads and writes through, keys prefixed (`table~<name>`). */
    db: CallbackStore & { close(): Promise<void> };
    /** The table descriptions, kept in memory by our patch. */
    tableDb: CallbackStore;
  }

  /** In memory when `path` is absent. */
  export function create(options?: { path?: string }): Store;
}
