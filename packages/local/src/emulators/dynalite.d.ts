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
