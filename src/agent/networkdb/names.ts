// The member names of one simulated world, numbered as first met (the index into each memberlist's
// own arrays), and findable by their UTF-8 bytes as a message carries them. A thousand nodes each
// hear about a thousand others some sixteen times over (RetransmitMult 4 × ceil(log10(n + 1))
// retransmits, and the member list of every push-pull): most of those messages are old news, and
// telling so by the name's bytes — an open-addressing table of hashes, the bytes compared in one
// pool — costs no string decoded and no Map looked up.

const enc = new TextEncoder();
const dec = new TextDecoder();

/** FNV-1a of `b[off, off + n)`. */
function hashBytes(b: Uint8Array, off: number, n: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < n; i++) h = Math.imul(h ^ b[off + i]!, 0x01000193);
  return h | 0;
}

export class MemberNames {
  private readonly byName = new Map<string, number>();
  private readonly names: string[] = [];
  /** Each name's UTF-8 bytes: a view into the pool (kept valid when the pool grows). */
  private readonly utf8: Uint8Array[] = [];
  /** Every name's bytes one after the other, where name `id` starts at at[id]. */
  private pool = new Uint8Array(4096);
  private poolLen = 0;
  private at = new Int32Array(256);
  /** Open addressing: slot → id + 1 (0: empty), and the slot's hash. */
  private slots = new Int32Array(1024);
  private hashes = new Int32Array(1024);

  get size(): number {
    return this.names.length;
  }

  /** The number of `name` (-1: it has none). */
  lookup(name: string): number {
    return this.byName.get(name) ?? -1;
  }

  /** The number of `name`, given the next one if it has none. */
  idOf(name: string): number {
    const id = this.byName.get(name);
    return id === undefined ? this.add(name) : id;
  }

  /** The number of the name whose UTF-8 bytes are `b[off, off + n)`, if it has one (-1: not yet). */
  find(b: Uint8Array, off: number, n: number): number {
    const h = hashBytes(b, off, n);
    const mask = this.slots.length - 1;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const s = this.slots[i]!;
      if (s === 0) return -1;
      if (this.hashes[i] !== h) continue;
      const id = s - 1;
      if (this.utf8[id]!.length !== n) continue;
      const p = this.pool;
      const at = this.at[id]!;
      let j = 0;
      while (j < n && p[at + j] === b[off + j]) j++;
      if (j === n) return id;
    }
  }

  /** The number of the name whose UTF-8 bytes are `b[off, off + n)`, given one if it has none.
   *  Bytes that only decode to a name (not UTF-8 as the encoder writes it) are never indexed: they
   *  are looked up by the name they decode to, each time. */
  idOfBytes(b: Uint8Array, off: number, n: number): number {
    const id = this.find(b, off, n);
    return id >= 0 ? id : this.idOf(dec.decode(b.subarray(off, off + n)));
  }

  name(id: number): string {
    return this.names[id]!;
  }

  /** The UTF-8 bytes of name `id` (never written). */
  bytes(id: number): Uint8Array {
    return this.utf8[id]!;
  }

  private add(name: string): number {
    const id = this.names.length;
    const b = enc.encode(name);
    this.byName.set(name, id);
    this.names.push(name);
    if (this.poolLen + b.length > this.pool.length) {
      const p = new Uint8Array(Math.max(2 * this.pool.length, this.poolLen + b.length));
      p.set(this.pool.subarray(0, this.poolLen));
      this.pool = p;
    }
    if (id >= this.at.length) {
      const at = new Int32Array(2 * this.at.length);
      at.set(this.at);
      this.at = at;
    }
    this.pool.set(b, this.poolLen);
    this.at[id] = this.poolLen;
    this.utf8.push(this.pool.subarray(this.poolLen, this.poolLen + b.length));
    this.poolLen += b.length;
    if (2 * (id + 1) > this.slots.length) this.rehash(2 * this.slots.length);
    else this.index(id);
    return id;
  }

  private index(id: number): void {
    const n = this.utf8[id]!.length;
    const h = hashBytes(this.pool, this.at[id]!, n);
    const mask = this.slots.length - 1;
    let i = h & mask;
    while (this.slots[i] !== 0) i = (i + 1) & mask;
    this.slots[i] = id + 1;
    this.hashes[i] = h;
  }

  private rehash(size: number): void {
    this.slots = new Int32Array(size);
    this.hashes = new Int32Array(size);
    for (let id = 0; id < this.names.length; id++) this.index(id);
  }
}
