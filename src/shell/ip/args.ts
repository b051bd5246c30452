// iproute2's number readers (lib/utils.c get_u32, get_u16, get_unsigned, get_integer): strtoul or
// strtol in base 0 (0x… hexadecimal, 0… octal), the whole word, within the type's range. A
// negative word read by strtoul wraps to a huge value, so it is out of range too.

/** The value, or null when iproute2 would refuse the word. */
export function getUnsigned(word: string, max: number): number | null {
  const m = /^\s*\+?(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9]\d*)$/.exec(word);
  if (m === null) return null;
  const t = m[1]!;
  const n = /^0[xX]/.test(t) ? parseInt(t, 16) : t.length > 1 && t.startsWith('0') ? parseInt(t, 8) : Number(t);
  return n > max ? null : n;
}

export const U16_MAX = 0xffff;
export const U32_MAX = 0xffffffff;

/** `Error: argument "WORD" is wrong: WHAT` (invarg), exit 255. */
export function invarg(what: string, word: string): string {
  return `Error: argument "${word}" is wrong: ${what}`;
}
