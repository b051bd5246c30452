// The words and line of gopkg.in/yaml.v2's parser errors (`yaml: line N: problem`), which the 19.03
// CLI prints as they are, for the mistakes the yaml library reports by code. yaml.v2 names the line
// of its scanner's mark: for a badly indented key, the line of the mapping entry before it; for a
// nested mapping on a value line, the line below. Checked against docker/cli v19.03.13's loader on
// the cases in test/swarm/compose.test.ts; other codes keep the yaml library's own words.
import type { YAMLError } from 'yaml';

export function yamlV2Error(e: YAMLError, line: number): { line: number; message: string } {
  const msg = e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
  switch (e.code) {
    case 'BAD_INDENT':
      return { line: line - 1, message: 'did not find expected key' };
    case 'TAB_AS_INDENT':
      return { line, message: 'found character that cannot start any token' };
    case 'BLOCK_AS_IMPLICIT_KEY':
      return msg.startsWith('A block sequence') ? { line: line - 1, message: 'did not find expected key' } : { line: line + 1, message: 'mapping values are not allowed in this context' };
    case 'UNEXPECTED_TOKEN':
      if (msg.includes('block-seq-ind')) return { line, message: 'block sequence entries are not allowed in this context' };
      break;
    case 'MISSING_CHAR':
      if (msg.startsWith('Missing closing')) return { line, message: 'found unexpected end of stream' };
      break;
    default:
      break;
  }
  return { line, message: msg };
}
