// A pure function of a text with its results kept by the text: what a `traffic` loop repeats
// every few milliseconds (its command line, curl's argv, an HTTP head, an address) is worked out
// once. Bounded: emptied when full, so a script's thousand distinct lines do not all stay; a text
// longer than `maxLen` is worked out each time and not kept. A kept result is shared, so it must
// never be modified by its users.

export function textMemo<T>(compute: (text: string) => T, maxEntries: number, maxLen = Infinity): (text: string) => T {
  const kept = new Map<string, T>();
  return (text: string): T => {
    if (text.length > maxLen) return compute(text);
    let v = kept.get(text);
    if (v === undefined) {
      v = compute(text);
      if (kept.size >= maxEntries) kept.clear();
      kept.set(text, v);
    }
    return v;
  };
}
