// The import graph of packages/*/src, parsed with the TypeScript compiler (already a dev dependency):
// every static import and re-export (type-only ones too), `import x = require()`, dynamic `import()`
// and `import('…')` types. Edges resolve to files: relative paths, and `@conduit/<pkg>[/sub]` through
// that package's `exports`. Used by test/architecture.test.ts to refuse cycles and folder directions.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

/** file (relative to the root, with /) → the files it imports. */
export type ImportGraph = Map<string, Set<string>>;

function specifiers(file: string, text: string): string[] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const out: string[] = [];
  const lit = (n: ts.Node | undefined): void => {
    if (n && ts.isStringLiteralLike(n)) out.push(n.text);
  };
  const visit = (n: ts.Node): void => {
    if (ts.isImportDeclaration(n) || ts.isExportDeclaration(n)) lit(n.moduleSpecifier);
    else if (ts.isImportEqualsDeclaration(n) && ts.isExternalModuleReference(n.moduleReference)) lit(n.moduleReference.expression);
    else if (ts.isCallExpression(n) && n.expression.kind === ts.SyntaxKind.ImportKeyword) lit(n.arguments[0]);
    else if (ts.isImportTypeNode(n) && ts.isLiteralTypeNode(n.argument)) lit(n.argument.literal);
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

const isFile = (p: string): boolean => existsSync(p) && statSync(p).isFile();

/** The .ts file a relative specifier names (`./x.js` is `./x.ts` under the NodeNext rules), if any. */
function resolveRelative(from: string, spec: string): string | undefined {
  const base = resolve(dirname(from), spec);
  const candidates = [base, base.replace(/\.(m|c)?js$/, '.$1ts'), `${base}.ts`, join(base, 'index.ts')];
  return candidates.find((c) => c.endsWith('.ts') && isFile(c));
}

function exportsOf(pkgDir: string): Record<string, string> {
  const manifest = join(pkgDir, 'package.json');
  if (!isFile(manifest)) return {};
  const exp = (JSON.parse(readFileSync(manifest, 'utf8')) as { exports?: unknown }).exports;
  const target = (v: unknown): string | undefined =>
    typeof v === 'string' ? v : v && typeof v === 'object' ? target((v as Record<string, unknown>).import ?? (v as Record<string, unknown>).default) : undefined;
  if (typeof exp === 'string') return { '.': exp };
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries((exp ?? {}) as Record<string, unknown>)) {
    const t = target(v);
    if (t) out[k] = t;
  }
  return out;
}

/** Reads every packages/<pkg>/src/**.ts under `root` into its graph of imports between those files. */
export function importGraph(root: string): ImportGraph {
  const pkgs = join(root, 'packages');
  const graph: ImportGraph = new Map();
  const key = (abs: string): string => relative(root, abs).split(sep).join('/');
  const exportsByPkg = new Map<string, Record<string, string>>();
  const files: string[] = [];
  for (const pkg of existsSync(pkgs) ? readdirSync(pkgs) : []) {
    const src = join(pkgs, pkg, 'src');
    if (!existsSync(src)) continue;
    exportsByPkg.set(pkg, exportsOf(join(pkgs, pkg)));
    for (const f of readdirSync(src, { recursive: true }).map(String)) if (f.endsWith('.ts')) files.push(join(src, f));
  }
  const inSrc = (abs: string): boolean => key(abs).split('/')[2] === 'src';
  for (const file of files) {
    const edges = new Set<string>();
    for (const spec of specifiers(file, readFileSync(file, 'utf8'))) {
      let target: string | undefined;
      if (spec.startsWith('.')) target = resolveRelative(file, spec);
      else if (spec.startsWith('@conduit/')) {
        const [, name, ...sub] = spec.split('/');
        const entry = exportsByPkg.get(name!)?.[sub.length ? `./${sub.join('/')}` : '.'];
        if (entry) target = resolve(pkgs, name!, entry);
      }
      if (target && inSrc(target)) edges.add(key(target));
    }
    graph.set(key(file), edges);
  }
  return graph;
}

/**
 * Every import cycle, one per strongly connected component (Tarjan), each given as a path that
 * starts and ends at its alphabetically first file, e.g. [a, b, a].
 */
export function findCycles(graph: ImportGraph): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const strong = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        strong(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const c: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        c.push(w);
      } while (w !== v);
      if (c.length > 1 || graph.get(v)?.has(v)) components.push(c.sort());
    }
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) strong(v);
  return components.map((c) => cyclePath(graph, new Set(c), c[0]!)).sort((a, b) => a[0]!.localeCompare(b[0]!));
}

/** A shortest way round from `start` back to itself inside one component (breadth first). */
function cyclePath(graph: ImportGraph, members: Set<string>, start: string): string[] {
  const prev = new Map<string, string>();
  const queue = [start];
  while (queue.length) {
    const v = queue.shift()!;
    for (const w of [...(graph.get(v) ?? [])].sort()) {
      if (!members.has(w)) continue;
      if (w === start) {
        const back = [v];
        while (back[back.length - 1] !== start) back.push(prev.get(back[back.length - 1]!)!);
        return [...back.reverse(), start];
      }
      if (!prev.has(w) && w !== start) {
        prev.set(w, v);
        queue.push(w);
      }
    }
  }
  return [start, start];
}
