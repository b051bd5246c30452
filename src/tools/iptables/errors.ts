// What the iptables command prints when it fails, and its exit status. The kernel's tables refuse a
// change with an errno (kernel/netfilter/table.ts NfError); iptables words it as libiptc's
// TC_STRERROR (libiptc/libiptc.c, iptables 1.4.21) does: the message for the libiptc function that
// ran last (iptc_fn) and the errno, else strerror. iptables-standalone.c main then prints
// "iptables: %s." and, for EINVAL, " Run `dmesg' for more information.", and exits 1.
import type { NfErrno } from '../../kernel/netfilter/table.js';
import { NfError } from '../../kernel/netfilter/table.js';
import type { IptCmd } from './parse.js';

/** An error with the text iptables prints and its exit status. */
export class IptError extends Error {
  constructor(
    message: string,
    readonly code: number,
  ) {
    super(message);
  }
}

/** The libiptc functions whose errors TC_STRERROR words; any other leaves only strerror. */
export type IptcFn =
  | 'TC_INIT' | 'TC_DELETE_CHAIN' | 'TC_CREATE_CHAIN' | 'TC_INSERT_ENTRY' | 'TC_REPLACE_ENTRY' | 'TC_DELETE_NUM_ENTRY'
  | 'TC_DELETE_ENTRY' | 'TC_SET_POLICY' | 'TC_APPEND_ENTRY' | 'TC_FLUSH_ENTRIES' | 'TC_ZERO_ENTRIES' | 'TC_RENAME_CHAIN'
  | 'TC_BUILTIN' | 'TC_GET_REFERENCES' | 'TC_FIRST_RULE' | 'TC_COMMIT';

/** TC_STRERROR's table, in its order (the first entry whose function and errno match wins). */
const TABLE: readonly { fn: IptcFn | null; errno: NfErrno | 'EPERM'; message: string }[] = [
  { fn: 'TC_INIT', errno: 'EPERM', message: 'Permission denied (you must be root)' },
  { fn: 'TC_INIT', errno: 'EINVAL', message: 'Module is wrong version' },
  { fn: 'TC_INIT', errno: 'ENOENT', message: 'Table does not exist (do you need to insmod?)' },
  { fn: 'TC_DELETE_CHAIN', errno: 'ENOTEMPTY', message: 'Chain is not empty' },
  { fn: 'TC_DELETE_CHAIN', errno: 'EINVAL', message: "Can't delete built-in chain" },
  { fn: 'TC_DELETE_CHAIN', errno: 'EMLINK', message: "Can't delete chain with references left" },
  { fn: 'TC_CREATE_CHAIN', errno: 'EEXIST', message: 'Chain already exists' },
  { fn: 'TC_INSERT_ENTRY', errno: 'E2BIG', message: 'Index of insertion too big' },
  { fn: 'TC_REPLACE_ENTRY', errno: 'E2BIG', message: 'Index of replacement too big' },
  { fn: 'TC_DELETE_NUM_ENTRY', errno: 'E2BIG', message: 'Index of deletion too big' },
  { fn: 'TC_INSERT_ENTRY', errno: 'ELOOP', message: 'Loop found in table' },
  { fn: 'TC_INSERT_ENTRY', errno: 'EINVAL', message: 'Target problem' },
  { fn: 'TC_DELETE_ENTRY', errno: 'ENOENT', message: 'Bad rule (does a matching rule exist in that chain?)' },
  { fn: 'TC_SET_POLICY', errno: 'ENOENT', message: 'Bad built-in chain name' },
  { fn: 'TC_SET_POLICY', errno: 'EINVAL', message: 'Bad policy name' },
  { fn: null, errno: 'ENOENT', message: 'No chain/target/match by that name' },
];

/** strerror(3) for the errnos the tables raise (glibc's texts). */
const STRERROR: Record<NfErrno, string> = {
  ENOENT: 'No such file or directory',
  EEXIST: 'File exists',
  E2BIG: 'Argument list too long',
  EINVAL: 'Invalid argument',
  EMLINK: 'Too many links',
  ENOTEMPTY: 'Directory not empty',
  ELOOP: 'Too many levels of symbolic links',
};

/** TC_STRERROR(err) with iptc_fn = fn. */
export function iptcStrerror(fn: IptcFn, errno: NfErrno): string {
  for (const e of TABLE) if ((e.fn === null || e.fn === fn) && e.errno === errno) return e.message;
  return STRERROR[errno];
}

/** What iptables prints when the libiptc call `fn` failed with `errno`, exit status 1. */
export function iptcError(fn: IptcFn, errno: NfErrno): IptError {
  const more = errno === 'EINVAL' ? " Run `dmesg' for more information." : '';
  return new IptError(`iptables: ${iptcStrerror(fn, errno)}.${more}`, 1);
}

/**
 * The libiptc function that had run last when a command's table change failed. TC_DELETE_CHAIN
 * calls TC_BUILTIN and TC_GET_REFERENCES, each of which sets iptc_fn again, so its EINVAL, EMLINK
 * and ENOTEMPTY find no entry of their own and print strerror ("Too many links"), as real hosts show.
 * TC_CHECK_ENTRY is delete_entry with dry_run, which sets iptc_fn = TC_DELETE_ENTRY.
 */
function iptcFnOf(cmd: IptCmd, byNumber: boolean, errno: NfErrno): IptcFn {
  switch (cmd) {
    case 'A':
      return 'TC_APPEND_ENTRY';
    case 'I':
      return 'TC_INSERT_ENTRY';
    case 'R':
      return 'TC_REPLACE_ENTRY';
    case 'D':
      return byNumber ? 'TC_DELETE_NUM_ENTRY' : 'TC_DELETE_ENTRY';
    case 'C':
      return 'TC_DELETE_ENTRY';
    case 'N':
      return 'TC_CREATE_CHAIN';
    case 'X':
      return errno === 'EINVAL' ? 'TC_BUILTIN' : errno === 'ENOENT' ? 'TC_DELETE_CHAIN' : 'TC_GET_REFERENCES';
    case 'F':
      return 'TC_FLUSH_ENTRIES';
    case 'Z':
      return 'TC_ZERO_ENTRIES';
    case 'P':
      return 'TC_SET_POLICY';
    case 'E':
      return 'TC_RENAME_CHAIN';
    case 'L':
    case 'S':
      return 'TC_FIRST_RULE';
  }
}

/** Runs a table change for iptables command `cmd`, wording the kernel's refusal as iptables does. */
export function asIptables<T>(cmd: IptCmd, byNumber: boolean, change: () => T): T {
  try {
    return change();
  } catch (e) {
    if (e instanceof NfError) throw iptcError(iptcFnOf(cmd, byNumber, e.errno), e.errno);
    throw e;
  }
}
