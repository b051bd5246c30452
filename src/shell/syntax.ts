// The parsed form of a command line, as the POSIX shell grammar (XCU 2.10) names its pieces: a
// list of and-or lists, each a chain of pipelines joined by && or ||, each pipeline a run of
// commands joined by |. Words keep their quoting so that expansion can follow bash's rules
// (nothing expands inside single quotes; unquoted expansions are split into fields).

/** One piece of a word. `quoted` pieces are never split into fields. */
export type Part =
  | { readonly k: 'lit'; readonly s: string; readonly quoted: boolean }
  /** `$NAME`, `${NAME}`, `$?`, `$$`, `$#`, `$0`…`$9`; `${NAME:-word}` and friends carry op and arg. */
  | { readonly k: 'param'; readonly name: string; readonly op: ParamOp | null; readonly arg: Word; readonly quoted: boolean }
  /** `$(…)` or backticks: the output of the list, trailing newlines removed. */
  | { readonly k: 'sub'; readonly list: List; readonly quoted: boolean }
  /** `$(( … ))`: the text (itself expanded for `$` first) evaluated as shell arithmetic. */
  | { readonly k: 'arith'; readonly text: Word }
  /** An unquoted `~` at the start of a word: the home directory. */
  | { readonly k: 'tilde' };

export type ParamOp = ':-' | '-' | ':+' | '+' | ':=' | '=' | '#';

export type Word = readonly Part[];

export interface Redir {
  /** The file descriptor redirected (1 for `>`, 0 for `<`, 2 for `2>`). */
  readonly fd: number;
  /** `>` truncate, `>>` append, `<` read, `>&` duplicate (target is a descriptor number),
   *  `<<` a here-document, `&>` both stdout and stderr. */
  readonly op: '>' | '>>' | '<' | '>&' | '<&' | '<<' | '&>' | '&>>';
  readonly target: Word;
  /** A here-document's body as typed, and whether its delimiter was quoted (then nothing in it expands). */
  readonly heredoc?: { body: string; quoted: boolean };
}

export interface Assign {
  readonly name: string;
  readonly value: Word;
}

export type Command =
  | { readonly k: 'simple'; readonly assigns: readonly Assign[]; readonly words: readonly Word[]; readonly redirs: readonly Redir[] }
  | { readonly k: 'group'; readonly body: List; readonly subshell: boolean; readonly redirs: readonly Redir[] }
  | { readonly k: 'while'; readonly until: boolean; readonly cond: List; readonly body: List; readonly redirs: readonly Redir[] }
  | { readonly k: 'for'; readonly name: string; readonly items: readonly Word[] | null; readonly body: List; readonly redirs: readonly Redir[] }
  | { readonly k: 'case'; readonly subject: Word; readonly arms: ReadonlyArray<{ patterns: readonly Word[]; body: List }>; readonly redirs: readonly Redir[] }
  /** `name() compound-command` or `function name [()] compound-command`: a definition. */
  | { readonly k: 'function'; readonly name: string; readonly body: Command; readonly redirs: readonly Redir[] }
  | { readonly k: 'if'; readonly clauses: ReadonlyArray<{ cond: List; body: List }>; readonly otherwise: List | null; readonly redirs: readonly Redir[] };

export interface Pipeline {
  readonly bang: boolean;
  readonly cmds: readonly Command[];
}

export interface AndOr {
  readonly first: Pipeline;
  readonly rest: ReadonlyArray<{ op: '&&' | '||'; pipeline: Pipeline }>;
}

export interface List {
  /** `text`: a background item's source, as `jobs` shows it. */
  readonly items: ReadonlyArray<{ andOr: AndOr; background: boolean; text?: string }>;
}
