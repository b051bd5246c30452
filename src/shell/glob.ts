// Pathname expansion (XCU 2.13): an unquoted `*`, `?` or `[…]` in a word is matched against the
// paths that exist (the command's files, their directories, /var/run/netns); the matches replace
// the word in sorted order, and a word that matches nothing stays as it is (bash's default).

/** A piece of a field: its text and whether it came from unquoted text (then `*?[` are patterns). */
export interface Chunk {
  readonly text: string;
  readonly active: boolean;
}

export function hasGlob(chunks: readonly Chunk[]): boolean {
  return chunks.some((c) => c.active && /[*?[]/.test(c.text));
}

function escapeRe(s: string): string {
  return s.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
}

/** Whether `text` matches a `case` pattern (where `*` matches `/` too). */
export function matchesPattern(chunks: readonly Chunk[], text: string): boolean {
  return new RegExp(`^${patternSource(chunks, true)}$`, 's').test(text);
}

/** The pattern as a regular expression source, without anchors. */
function patternSource(chunks: readonly Chunk[], anyChar = false): string {
  let out = '';
  for (const c of chunks) {
    if (!c.active) {
      out += escapeRe(c.text);
      continue;
    }
    const t = c.text;
    for (let i = 0; i < t.length; i++) {
      const ch = t[i]!;
      if (ch === '*') out += anyChar ? '.*' : '[^/]*';
      else if (ch === '?') out += anyChar ? '.' : '[^/]';
      else if (ch === '[') {
        const close = t.indexOf(']', i + 2);
        if (close < 0) {
          out += '\\[';
          continue;
        }
        let body = t.slice(i + 1, close);
        const negate = body.startsWith('!') || body.startsWith('^');
        if (negate) body = body.slice(1);
        out += `[${negate ? '^' : ''}${body.replace(/[\\\]]/g, '\\$&')}]`;
        i = close;
      } else out += escapeRe(ch);
    }
  }
  return out;
}

/** Every path that exists: the files, the directories that hold them, and `extra` (namespaces). */
function existing(files: ReadonlyMap<string, string>, extra: Iterable<string>): Set<string> {
  const all = new Set<string>();
  const add = (path: string): void => {
    let p = path.endsWith('/') ? path.slice(0, -1) : path;
    while (p !== '' && !all.has(p)) {
      all.add(p);
      p = p.slice(0, p.lastIndexOf('/'));
    }
  };
  for (const k of files.keys()) add(k);
  for (const k of extra) add(k);
  return all;
}

/** The matches of a word's pattern, sorted; empty when nothing matches. */
export function globPaths(chunks: readonly Chunk[], cwd: string, files: ReadonlyMap<string, string>, extra: Iterable<string>): string[] {
  const word = chunks.map((c) => c.text).join('');
  const relative = !word.startsWith('/');
  const base = cwd === '/' ? '' : cwd;
  const re = new RegExp(`^${relative ? `${escapeRe(base)}/` : ''}${patternSource(chunks)}$`);
  const out: string[] = [];
  for (const path of existing(files, extra)) {
    if (!re.test(path)) continue;
    const shown = relative ? path.slice(base.length + 1) : path;
    // A leading `.` in a name is matched only by a pattern that spells it (hidden files).
    if (shown.split('/').some((seg, i) => seg.startsWith('.') && !word.split('/')[i]?.startsWith('.'))) continue;
    out.push(shown);
  }
  return out.sort();
}
