// The Internet checksum (RFC 1071) and its incremental update (RFC 1624). Sums are kept unfolded
// in a double (exact up to 2^53, far beyond any datagram) and folded once at the end.

/** Adds the 16-bit big-endian words of view[off, off+len) to `sum`; an odd last byte is padded with zero. */
export function csumPartial(view: DataView, off: number, len: number, sum = 0): number {
  const end = off + len - 1;
  let i = off;
  for (; i < end; i += 2) sum += view.getUint16(i);
  if (i === end) sum += view.getUint8(i) << 8;
  return sum;
}

/** Like csumPartial over bytes[0, len) of a payload; bytes missing from the array (or a null array) count as zeros. */
export function csumBytes(bytes: Uint8Array | null, len: number, sum = 0): number {
  if (bytes === null) return sum;
  const n = len < bytes.length ? len : bytes.length;
  const end = n - 1;
  let i = 0;
  for (; i < end; i += 2) sum += (bytes[i]! << 8) | bytes[i + 1]!;
  if (i === end) sum += bytes[i]! << 8;
  return sum;
}

/** Folds an unfolded sum to 16 bits with end-around carry and complements it: the checksum field value. */
export function csumFold(sum: number): number {
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return ~sum & 0xffff;
}

/**
 * The Internet checksum of view[off, off+len), starting from `initial` (a pseudo-header sum).
 * Over data that includes a correct checksum field the result is 0: that is how parsers verify.
 */
export function internetChecksum(view: DataView, off: number, len: number, initial = 0): number {
  return csumFold(csumPartial(view, off, len, initial));
}

/** RFC 1624 eqn. 3, HC' = ~(~HC + ~m + m'): the checksum after one 16-bit word changes from `oldValue` to `newValue`. */
export function csumUpdate16(oldCsum: number, oldValue: number, newValue: number): number {
  return csumFold((~oldCsum & 0xffff) + (~oldValue & 0xffff) + (newValue & 0xffff));
}

/**
 * As csumUpdate16 for a 32-bit field (an IPv4 address rewritten by NAT): both halves change.
 * UDP callers keep a 0 checksum ("none") as is and send a 0 result as 0xffff (RFC 768).
 */
export function csumUpdate32(oldCsum: number, oldValue32: number, newValue32: number): number {
  return csumFold(
    (~oldCsum & 0xffff) +
      (~(oldValue32 >>> 16) & 0xffff) +
      (~oldValue32 & 0xffff) +
      (newValue32 >>> 16) +
      (newValue32 & 0xffff),
  );
}
