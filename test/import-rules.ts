// The package import rules of docs/ARCHITECTURE: which workspace package may not import which.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';

export const FORBIDDEN: Record<string, string[]> = {
  protocol: ['cloud', 'link', 'bp-sim', 'sdk', 'booking', 'cli', 'connector'],
  cloud: ['link', 'bp-sim', 'booking', 'cli', 'sdk', 'connector'],
  link: ['cloud', 'booking', 'cli', 'sdk', 'connector'],
  'bp-sim': ['cloud', 'link', 'cli', 'sdk', 'booking', 'connector'],
  sdk: ['cloud', 'link', 'bp-sim', 'booking', 'cli', 'connector'],
  booking: ['cloud', 'link', 'cli'],
  connector: ['cloud', 'link', 'booking', 'sdk', 'cli'],
  cli: [],
};

const IMPORT_RE = /(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s*['"]([^'"]+)['"]/gm;

export interface Violation {
  file: string;
  specifier: string;
  rule: string;
}

function tsFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true }).map(String).filter((f) => f.endsWith('.ts')).map((f) => join(dir, f));
}

/** Every import in packages/<pkg>/src that reaches a package it must not, by name or by relative path. */
export function findViolations(root: string): Violation[] {
  const out: Violation[] = [];
  const pkgsDir = join(root, 'packages');
  for (const pkg of readdirSync(pkgsDir)) {
    const forbidden = FORBIDDEN[pkg];
    if (!forbidden) {
      out.push({ file: join('packages', pkg), specifier: '', rule: `package ${pkg} has no import rule; add it to FORBIDDEN` });
      continue;
    }
    for (const file of tsFiles(join(pkgsDir, pkg, 'src'))) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(IMPORT_RE)) {
        const spec = m[1] ?? m[2] ?? m[3]!;
        let target: string | undefined;
        if (spec.startsWith('@conduit/')) target = spec.slice('@conduit/'.length).split('/')[0];
        else if (spec.startsWith('.')) {
          const rel = relative(pkgsDir, resolve(file, '..', spec)).split(sep);
          if (rel[0] !== pkg) target = rel[0] === '..' ? '(outside packages)' : rel[0];
        }
        if (target && (forbidden.includes(target) || target === '(outside packages)' || (spec.startsWith('.') && target !== pkg))) {
          out.push({ file: relative(root, file), specifier: spec, rule: `${pkg} must not import ${target}${spec.startsWith('.') ? ' (relative paths across packages are never allowed)' : ''}` });
        }
      }
    }
    const manifest = JSON.parse(readFileSync(join(pkgsDir, pkg, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
    for (const dep of Object.keys(manifest.dependencies ?? {})) {
      if (dep.startsWith('@conduit/') && forbidden.includes(dep.slice(9))) {
        out.push({ file: join('packages', pkg, 'package.json'), specifier: dep, rule: `${pkg} must not depend on ${dep}` });
      }
    }
  }
  return out;
}

/**
 * The one-way folders inside a package's src (docs/ARCHITECTURE.md, "Inside booking"): files under
 * `from` may not import files under any of `not`, except the files listed in `except`.
 */
export interface FolderRule { from: string; not: string[]; except?: string[]; why: string }

const B = 'packages/booking/src';
const COMPOSERS = [`${B}/server.ts`, `${B}/options.ts`, `${B}/index.ts`, `${B}/main.ts`];
export const FOLDER_RULES: FolderRule[] = [
  { from: `${B}/web/`, not: [`${B}/booking/`, `${B}/migration/`, `${B}/pms/`, ...COMPOSERS], why: 'the page chrome and HTTP helpers are shared: nothing they import may import them back' },
  { from: `${B}/pms/`, not: [`${B}/booking/`, `${B}/migration/`, `${B}/web/`, ...COMPOSERS], why: 'the ways to a practice database know nothing of pages, bookings or the migration' },
  { from: `${B}/booking/`, not: [`${B}/migration/`, ...COMPOSERS], why: 'the booking product does not import the migration; server.ts hands the migration its pieces' },
  {
    from: `${B}/migration/`, not: [`${B}/booking/`, ...COMPOSERS], except: [`${B}/migration/booking-side.ts`],
    why: 'the migration talks to the booking product only through migration/booking-side.ts',
  },
];

/** Every import that crosses a folder rule the wrong way. */
export function findFolderViolations(graph: Map<string, Set<string>>, rules: FolderRule[] = FOLDER_RULES): Violation[] {
  const out: Violation[] = [];
  const under = (file: string, where: string): boolean => (where.endsWith('/') ? file.startsWith(where) : file === where);
  for (const [file, targets] of graph) {
    for (const rule of rules) {
      if (!under(file, rule.from) || rule.except?.includes(file)) continue;
      for (const t of targets) {
        if (rule.not.some((n) => under(t, n))) out.push({ file, specifier: t, rule: rule.why });
      }
    }
  }
  return out.sort((a, b) => `${a.file} ${a.specifier}`.localeCompare(`${b.file} ${b.specifier}`));
}
