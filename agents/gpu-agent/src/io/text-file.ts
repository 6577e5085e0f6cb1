/** Reads saved nvidia-smi outputs for `--from-file`: text, size-capped, errors worded for the user. */
import { readFile, stat } from 'node:fs/promises';

export const MAX_INPUT_FILE_BYTES = 32 * 1024 * 1024;

export async function readTextFile(path: string): Promise<string> {
  let size: number;
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new Error(`${path} is not a file`);
    size = info.size;
  } catch (error) {
    throw new Error(describe(path, error), { cause: error });
  }
  if (size > MAX_INPUT_FILE_BYTES) throw new Error(`${path} is larger than ${MAX_INPUT_FILE_BYTES} bytes`);
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new Error(describe(path, error), { cause: error });
  }
}

function describe(path: string, error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return `${path} does not exist`;
  if (code === 'EACCES' || code === 'EPERM') return `${path} cannot be read (permission denied)`;
  return error instanceof Error ? error.message : `${path} cannot be read`;
}
