import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../src/cli/passdrop-server-bin.ts', import.meta.url));

export interface PassdropProcess {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the listening URL once the server logs it. */
  listening(): Promise<string>;
  exited(): Promise<number | null>;
}

/** Runs the real `passdrop-server` command in a child process (through tsx, as in development). */
export function spawnPassdrop(args: string[], env: Record<string, string>, stdin?: string): PassdropProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', BIN, ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: [stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
  if (stdin !== undefined) child.stdin!.end(stdin);
  let out = '';
  let err = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exit = once(child, 'exit').then(([code]) => code as number | null);
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited: () => exit,
    listening: () =>
      new Promise<string>((resolve, reject) => {
        const check = () => {
          const line = out.split('\n').find((text) => text.includes('"Passdrop is listening"'));
          if (line) {
            child.stdout!.off('data', check);
            resolve((JSON.parse(line) as { address: string }).address);
          }
        };
        child.stdout!.on('data', check);
        check();
        void exit.then((code) => reject(new Error(`passdrop exited with ${code} before listening:\n${out}\n${err}`)));
      }),
  };
}
