import { closeSync, openSync } from 'node:fs';
import { ReadStream, WriteStream } from 'node:tty';
import type { Readable, Writable } from 'node:stream';
import { confirm, isCancel, password, text } from '@clack/prompts';
import { CliError, EXIT } from './exit-codes.js';

/** Where prompts read and write: the terminal, never stdout (which carries links and secrets). */
export interface Terminal {
  readonly input: Readable;
  readonly output: Writable;
  close(): void;
}

/**
 * The person's terminal, if there is one: stdin when it is a terminal; otherwise the controlling
 * terminal (/dev/tty), as ssh and gpg do, so `cat file | passdrop push --passphrase` can still ask.
 * Undefined in cron jobs, CI and other runs without a terminal. Prompts are written to stderr when it
 * is a terminal, else to /dev/tty.
 */
export function openTerminal(): Terminal | undefined {
  const opened: number[] = [];
  try {
    let input: Readable;
    if (process.stdin.isTTY) {
      input = process.stdin;
    } else {
      const fd = openSync('/dev/tty', 'r');
      opened.push(fd);
      input = new ReadStream(fd);
    }
    let output: Writable;
    if (process.stderr.isTTY) {
      output = process.stderr;
    } else {
      const fd = openSync('/dev/tty', 'w');
      opened.push(fd);
      output = new WriteStream(fd);
    }
    return {
      input,
      output,
      close() {
        if (input !== process.stdin) (input as ReadStream).destroy();
        else process.stdin.pause();
        if (output !== process.stderr) (output as WriteStream).destroy();
      },
    };
  } catch {
    for (const fd of opened) closeSync(fd);
    return undefined;
  }
}

/**
 * Runs `work` with a lazy opener of the person's terminal: the terminal is opened only when a prompt
 * needs it, at most once (undefined without one), and closed when `work` settles, whatever the outcome.
 */
export async function withTerminal<T>(work: (terminal: () => Terminal | undefined) => Promise<T>): Promise<T> {
  const opened: { terminal?: Terminal | undefined; tried: boolean } = { tried: false };
  const terminal = () => {
    if (!opened.tried) opened.terminal = openTerminal();
    opened.tried = true;
    return opened.terminal;
  };
  try {
    return await work(terminal);
  } finally {
    opened.terminal?.close();
  }
}

function answered<T extends string | boolean>(value: T | symbol): T {
  if (isCancel(value) || typeof value === 'symbol') throw new CliError('Cancelled.', EXIT.interrupted);
  return value;
}

/** Asks for hidden text (nothing is echoed but a mask). Empty answers are asked again. */
export async function askHidden(terminal: Terminal, message: string): Promise<string> {
  return answered<string>(
    await password({
      message,
      input: terminal.input,
      output: terminal.output,
      withGuide: false,
      validate: (value) => (value ? undefined : 'Type something, or press Ctrl-C to stop.'),
    }),
  );
}

/** Asks for visible text, such as a server URL. */
export async function askText(terminal: Terminal, message: string, placeholder?: string): Promise<string> {
  return answered<string>(
    await text({
      message,
      input: terminal.input,
      output: terminal.output,
      withGuide: false,
      ...(placeholder ? { placeholder } : {}),
      validate: (value) => (value ? undefined : 'Type something, or press Ctrl-C to stop.'),
    }),
  );
}

/** Asks yes or no; the default answer is no. */
export async function askYesNo(terminal: Terminal, message: string): Promise<boolean> {
  return answered<boolean>(await confirm({ message, input: terminal.input, output: terminal.output, withGuide: false, initialValue: false }));
}
