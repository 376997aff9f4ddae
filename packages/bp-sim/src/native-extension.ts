// Where the build puts the simulator's compiled SQLite extensions (scripts/native.mjs: native/*.c →
// dist/native/), and whether one was built: without a C compiler they are absent and callers fall back.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const SUFFIX = process.platform === 'darwin' ? 'dylib' : process.platform === 'win32' ? 'dll' : 'so';

export interface NativeExtension {
  /** The same path from src/ (tests) and dist/ (compiled), both one level below the package. SQLite finds the entry point from the file name. */
  path: string;
  /** Whether it was built (looked up once per process). */
  built(): boolean;
}

export function nativeExtension(name: string): NativeExtension {
  const path = fileURLToPath(new URL(`../dist/native/${name}.${SUFFIX}`, import.meta.url));
  let available: boolean | undefined;
  return {
    path,
    built() {
      available ??= existsSync(path);
      return available;
    },
  };
}
