/** Types for dynalite 4 (the package ships none): only what the emulator harness uses. */
declare module 'dynalite' {
  import type { Server } from 'node:http';

  interface DynaliteOptions {
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

  function dynalite(options?: DynaliteOptions): Server;
  export = dynalite;
}
