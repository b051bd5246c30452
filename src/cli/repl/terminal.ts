// The interactive shell's front end: node:readline over the user's terminal (line editing, history
// kept in a dotfile, tab completion, ^C), or plain lines from a pipe, printed as `swarmsim run`
// prints its transcript. Lines typed while a command runs wait their turn, as a terminal's
// type-ahead does.
import { appendFileSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { complete } from './complete.js';
import type { ShellCore } from './core.js';

export interface TerminalOptions {
  readonly input: Readable;
  readonly output: Writable;
  /** A terminal (prompts, editing, completion, ^C) or a pipe (a transcript, nothing echoed). */
  readonly tty: boolean;
  /** Where history is kept between sessions; null keeps none. */
  readonly historyFile: string | null;
}

/** The words the interactive shell adds to the emulated commands. */
const OWN_WORDS = ['ssh', 'exit', ':hosts', ':sleep', ':trace', ':save', ':view', ':help'];
const HISTORY_SIZE = 1000;

function loadHistory(file: string | null): string[] {
  if (file === null) return [];
  try {
    // readline wants the newest first; the file keeps them oldest first, as bash's does.
    return readFileSync(file, 'utf8').split('\n').filter((l) => l !== '').slice(-HISTORY_SIZE).reverse();
  } catch {
    return [];
  }
}

function remember(file: string | null, line: string): void {
  if (file === null || line.trim() === '') return;
  try {
    appendFileSync(file, line + '\n');
  } catch {
    // A history that cannot be written is not worth stopping the session for (bash says nothing).
  }
}

/** Runs the session until the user leaves; resolves with the last command's exit status. */
export function runTerminal(core: ShellCore, o: TerminalOptions): Promise<number> {
  const rl = createInterface({
    input: o.input,
    output: o.tty ? o.output : undefined,
    terminal: o.tty,
    history: o.tty ? loadHistory(o.historyFile) : [],
    historySize: HISTORY_SIZE,
    removeHistoryDuplicates: true,
    completer: o.tty ? (line: string) => complete(line, core.sim, core.host, OWN_WORDS) : undefined,
  });
  const queue: string[] = [];
  let working = false;
  let closed = false;
  let finished = false;
  return new Promise<number>((resolve) => {
    const finish = (): void => {
      if (finished) return;
      finished = true;
      rl.close();
      resolve(core.lastCode);
    };
    const prompt = (): void => {
      if (!o.tty) return;
      rl.setPrompt(core.prompt);
      rl.prompt();
    };
    const drain = async (): Promise<void> => {
      if (working) return;
      working = true;
      while (queue.length > 0) {
        const line = queue.shift()!;
        if (!o.tty) o.output.write(core.prompt + line + '\n');
        else remember(o.historyFile, line);
        let quit = false;
        try {
          quit = (await core.line(line)).quit;
        } catch (e) {
          // A fault in the model ends this command, not the session (SWARMSIM_DEBUG=1 shows where).
          const err = e instanceof Error ? e : new Error(String(e));
          o.output.write(`swarmsim: internal error: ${process.env['SWARMSIM_DEBUG'] === '1' ? err.stack : err.message} (a bug in swarmsim's model)\n`);
          core.lastCode = 70;
        }
        if (quit) return finish();
        if (queue.length === 0) prompt();
      }
      working = false;
      if (closed) finish();
    };
    rl.on('line', (line) => {
      queue.push(line);
      drain();
    });
    rl.on('SIGINT', () => {
      if (core.busy) core.interrupt();
      else {
        // At the prompt ^C abandons the line being typed, as bash does.
        o.output.write('^C\n');
        rl.write(null, { ctrl: true, name: 'u' });
        prompt();
      }
    });
    rl.on('close', () => {
      closed = true;
      // ^D at an empty prompt leaves the shell (bash prints `logout`); a pipe's end does too.
      if (o.tty && !finished && !working) o.output.write('logout\n');
      if (!working) finish();
    });
    prompt();
  });
}
