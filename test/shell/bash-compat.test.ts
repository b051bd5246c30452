// Every construct of the emulated shell against what real bash and coreutils print (the
// expected bytes were recorded from real tools: see bash-compat.cases.ts).
import { describe, expect, it } from 'vitest';
import { sh, simOf, world } from '../helpers.js';
import { CASES, FILES } from './bash-compat.cases.js';

describe('the shell prints what bash prints', () => {
  for (const [line, out, code] of CASES) {
    it(line.replace(/\n/g, '⏎'), () => {
      const w = world([['n1', '192.168.205.10/24']]);
      const host = w.hosts.get('n1')!;
      for (const [name, text] of Object.entries(FILES)) simOf(w).userland(host).files.set(`/root/${name}`, text);
      const r = sh(w, host, line);
      expect({ out: r.out, code: r.code }).toEqual({ out, code });
    });
  }
});
