// A benchmark suite, as `npm run bench -- <name> [options]` runs it.
export interface Suite {
  name: string;
  description: string;
  /** Runs the suite with the arguments after its name; resolves with the Markdown it reported. */
  run(args: string[]): Promise<string>;
}
