import { create, type Store } from 'dynalite/db/index.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

type Description = { version: number };
type Write = 'put' | 'del' | 'batch';

/** A LevelDB read whose answer is held (it read the store at once) until the test lets it through. */
interface HeldRead {
  /** Resolves when the read has its answer from LevelDB (the value as it was then). */
  readonly answered: Promise<void>;
  /** Hands the answer to the reader. */
  release(): void;
}

/** Holds the next read of `key` at the main LevelDB, under every sub-database and the patch's cache. */
function holdNextRead(store: Store, key: string): HeldRead {
  const read = store.db.get.bind(store.db);
  let release = (): void => {};
  let answered = (): void => {};
  const gotAnswer = new Promise<void>((resolve) => {
    answered = resolve;
  });
  store.db.get = (asked, callback) => {
    if (asked !== key) return read(asked, callback);
    store.db.get = read;
    read(asked, (error, value) => {
      release = () => callback(error, value);
      answered();
    });
  };
  return { answered: gotAnswer, release: () => release() };
}

const readTable = (store: Store, name: string): Promise<unknown> =>
  new Promise((resolve, reject) =>
    store.tableDb.get(name, (error, value) => (error ? reject(error) : resolve(value))),
  );

function writeTable(store: Store, write: Write, name: string, value: Description): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (error: Error | null) => (error ? reject(error) : resolve());
    if (write === 'put') store.tableDb.put(name, value, done);
    else if (write === 'del') store.tableDb.del(name, done);
    else store.tableDb.batch([{ type: 'put', key: name, value }], done);
  });
}

// The patch keeps table descriptions in memory until the table's next write. A read that started before a
// write and gets LevelDB's answer after the write is done holds the description from before the write: the
// patch's guard (a read caches only if no write of its key was asked or done while it ran) must keep it out
// of the cache, or every later request would see the old table (its status, key schema, throughput).
describe('dynalite table descriptions kept in memory: a read racing a write (patch)', () => {
  let store: Store;
  beforeEach(async () => {
    store = create();
    await writeTable(store, 'put', 'tbl', { version: 1 });
  });
  afterEach(async () => {
    await store.db.close();
  });

  it.each<[Write, unknown]>([
    ['put', { version: 2 }],
    ['batch', { version: 2 }],
    ['del', undefined],
  ])('a read from before a %s, answered after it, leaves no old description cached', async (write, after) => {
    const held = holdNextRead(store, 'table~tbl');
    const racingRead = readTable(store, 'tbl');
    await held.answered;
    await writeTable(store, write, 'tbl', { version: 2 });
    held.release();

    expect(await racingRead).toEqual({ version: 1 });
    expect(await readTable(store, 'tbl')).toEqual(after);
    expect(await readTable(store, 'tbl')).toEqual(after);
  });

  it('a read that ran alone is kept: the next reads do not reach LevelDB', async () => {
    expect(await readTable(store, 'tbl')).toEqual({ version: 1 });
    const read = store.db.get.bind(store.db);
    let levelDbReads = 0;
    store.db.get = (key, callback) => {
      levelDbReads += 1;
      read(key, callback);
    };
    expect(await readTable(store, 'tbl')).toEqual({ version: 1 });
    expect(await readTable(store, 'tbl')).toEqual({ version: 1 });
    expect(levelDbReads).toBe(0);
  });
});
