// How to start this same `conduit` command as a child process: the compiled main.js with plain node,
// or, when this module runs from its TypeScript source (tests), main.ts through tsx with the packages
// resolved to their sources (docs/decisions.md, "Compiled JavaScript at run time").
import { fileURLToPath } from 'node:url';

const FROM_SOURCE = import.meta.url.endsWith('.ts');

/** The program and arguments that run `conduit <args…>`. */
export function conduitCommand(args: string[]): { file: string; args: string[] } {
  const main = fileURLToPath(new URL(FROM_SOURCE ? './main.ts' : './main.js', import.meta.url));
  const loader = FROM_SOURCE ? ['--conditions=conduit-source', '--import', import.meta.resolve('tsx')] : [];
  return { file: process.execPath, args: [...loader, main, ...args] };
}
