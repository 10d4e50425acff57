import { readFile, writeFile } from 'node:fs/promises';
import { UsageError } from './errors.js';

/** The text of a file, or of stdin for `-`. */
export async function readInput(file: string): Promise<string> {
  if (file !== '-') return readFile(file, 'utf8');
  if (process.stdin.isTTY) {
    throw new UsageError('nothing to read: give a file, or pipe the input into stdin');
  }
  const parts: Buffer[] = [];
  for await (const part of process.stdin) parts.push(part as Buffer);
  return Buffer.concat(parts).toString('utf8');
}

/** Writes to a file, or to stdout for `-`. */
export async function writeOutput(file: string, text: string): Promise<void> {
  if (file === '-') {
    await new Promise<void>((resolve, reject) => {
      process.stdout.write(text, (error) => {
        if (error) reject(error);
        else resolve();
      });
    });
    return;
  }
  await writeFile(file, text);
}

/** Reads one line from stdin (a password piped in by a script). */
export async function readStdinLine(): Promise<string> {
  const text = await readInput('-');
  return text.replace(/\r?\n$/, '');
}
