/**
 * A map from strings to unsigned 32-bit integers kept in typed arrays, outside V8's heap: the strings'
 * UTF-16 code units in one growing arena, an open-addressing table (linear probing) of entry numbers, and
 * each entry's offset, length, hash and value. Keys compare by their exact code units, so lone surrogates
 * and every other Unicode string stay distinct (no encoding step that could merge two keys).
 *
 * Why: fan-out remembers every custom_id of a job (up to ~4.7 M) while the embedded runtime runs under a
 * heap cap. A `Map<string, number>` costs ~80 bytes of heap per short id and made a 1M-line job run out of
 * heap under the 192 MiB cap; this costs the id's code units plus ~24 bytes, all in ArrayBuffers.
 */
export interface OffHeapStringMap {
  get(key: string): number | undefined;
  /** Set `key` to `value` (0 ≤ value < 2³²). */
  set(key: string, value: number): void;
  readonly size: number;
}

const INITIAL_SLOTS = 1024; // a power of two
const INITIAL_ENTRIES = 512;
const INITIAL_UNITS = 8192;

/** FNV-1a over UTF-16 code units, 32 bits: the table's hash (distinct keys can share one). */
export function stringHash32(key: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i += 1) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

export function createOffHeapStringMap(): OffHeapStringMap {
  let slots = new Uint32Array(INITIAL_SLOTS); // entry number + 1; 0 = empty
  let offsets = new Float64Array(INITIAL_ENTRIES); // code-unit offset into the arena (may pass 2³²)
  let lengths = new Uint32Array(INITIAL_ENTRIES);
  let hashes = new Uint32Array(INITIAL_ENTRIES);
  let values = new Uint32Array(INITIAL_ENTRIES);
  let units = new Uint16Array(INITIAL_UNITS);
  let unitsUsed = 0;
  let size = 0;

  const equals = (entry: number, key: string): boolean => {
    if (lengths[entry] !== key.length) return false;
    const start = offsets[entry] ?? 0;
    for (let i = 0; i < key.length; i += 1) if (units[start + i] !== key.charCodeAt(i)) return false;
    return true;
  };

  /** The slot holding `key`, or the empty slot where it would go. */
  const slotOf = (key: string, hash: number): number => {
    const mask = slots.length - 1;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const held = slots[slot] ?? 0;
      if (held === 0) return slot;
      const entry = held - 1;
      if (hashes[entry] === hash && equals(entry, key)) return slot;
    }
  };

  const growSlots = (): void => {
    const mask = slots.length * 2 - 1;
    const next = new Uint32Array(slots.length * 2);
    for (let entry = 0; entry < size; entry += 1) {
      let slot = (hashes[entry] ?? 0) & mask;
      while ((next[slot] ?? 0) !== 0) slot = (slot + 1) & mask;
      next[slot] = entry + 1;
    }
    slots = next;
  };

  const growEntries = (): void => {
    const grow = <T extends Uint32Array | Float64Array>(array: T, make: (n: number) => T): T => {
      const next = make(array.length * 2);
      next.set(array);
      return next;
    };
    offsets = grow(offsets, (n) => new Float64Array(n));
    lengths = grow(lengths, (n) => new Uint32Array(n));
    hashes = grow(hashes, (n) => new Uint32Array(n));
    values = grow(values, (n) => new Uint32Array(n));
  };

  const reserveUnits = (count: number): void => {
    if (unitsUsed + count <= units.length) return;
    const next = new Uint16Array(Math.max(units.length * 2, unitsUsed + count));
    next.set(units.subarray(0, unitsUsed));
    units = next;
  };

  return {
    get(key) {
      const held = slots[slotOf(key, stringHash32(key))] ?? 0;
      return held === 0 ? undefined : values[held - 1];
    },
    set(key, value) {
      if (!Number.isInteger(value) || value < 0 || value > 0xffffffff)
        throw new RangeError(`off-heap map: value must fit 32 unsigned bits, got ${value}`);
      const hash = stringHash32(key);
      const slot = slotOf(key, hash);
      const held = slots[slot] ?? 0;
      if (held !== 0) {
        values[held - 1] = value;
        return;
      }
      if (size === offsets.length) growEntries();
      reserveUnits(key.length);
      for (let i = 0; i < key.length; i += 1) units[unitsUsed + i] = key.charCodeAt(i);
      offsets[size] = unitsUsed;
      lengths[size] = key.length;
      hashes[size] = hash;
      values[size] = value;
      unitsUsed += key.length;
      slots[slot] = size + 1;
      size += 1;
      if (size * 2 > slots.length) growSlots(); // load ≤ 1/2
    },
    get size() {
      return size;
    },
  };
}
