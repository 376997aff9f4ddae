// docs/link-service.md gives clinic IT a systemd unit and a WinSW service file for the Link. The unit is
// checked by systemd's own verifier (when systemd-analyze is installed; it needs no running systemd),
// and both files must run the command the build actually makes, the way the Link takes it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..');
const DOC = readFileSync(join(ROOT, 'docs', 'link-service.md'), 'utf8');

function block(lang: string): string {
  const m = new RegExp('```' + lang + '\\n([\\s\\S]*?)```').exec(DOC);
  assert.ok(m, `docs/link-service.md has a \`\`\`${lang} block`);
  return m[1]!;
}

const unit = block('ini');
const execStart = /^ExecStart=(.+)$/m.exec(unit)?.[1]?.split(/\s+/) ?? [];
const xmlArgs = [...block('xml').matchAll(/<argument>([^<]*)<\/argument>/g)].map((m) => m[1]!);

test('the systemd unit in docs/link-service.md passes systemd-analyze verify with no warning', (t) => {
  const which = spawnSync('systemd-analyze', ['--version'], { encoding: 'utf8' });
  if (which.error) return t.skip('systemd-analyze is not installed here (Debian: apt-get install systemd)');
  const dir = mkdtempSync(join(tmpdir(), 'conduit-unit-'));
  // verify checks that ExecStart's program exists: Node is where this machine has it, if not at /usr/bin.
  const text = existsSync('/usr/bin/node') ? unit : unit.replace('ExecStart=/usr/bin/node ', `ExecStart=${process.execPath} `);
  writeFileSync(join(dir, 'conduit-link.service'), text);
  const r = spawnSync('systemd-analyze', ['verify', join(dir, 'conduit-link.service')], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr.trim(), '', 'no warning');
  for (const line of ['Restart=on-failure', 'User=conduit-link', 'KillMode=mixed', 'StateDirectory=conduit-link', 'ProtectSystem=strict']) {
    assert.match(unit, new RegExp(`^${line}$`, 'm'), line);
  }
});

test('the unit and the WinSW file run the compiled conduit entry point with node, as `link --state <file>`', () => {
  const bin = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { bin: { conduit: string } }).bin.conduit;
  assert.equal(bin, 'packages/cli/dist/main.js');
  assert.equal(execStart[0], '/usr/bin/node');
  assert.equal(execStart[1], `/opt/conduit/${bin}`);
  assert.deepEqual(execStart.slice(2, 4), ['link', '--state']);
  assert.match(/^WorkingDirectory=(.+)$/m.exec(unit)?.[1] ?? '', /^\/opt\/conduit$/);
  assert.match(execStart[4] ?? '', /^\/var\/lib\/conduit-link\//, 'the state file is in the StateDirectory');
  assert.equal(xmlArgs[0], `C:\\Program Files\\Conduit\\app\\${bin.replaceAll('/', '\\')}`);
  assert.deepEqual(xmlArgs.slice(1, 3), ['link', '--state']);
  assert.match(xmlArgs[3] ?? '', /^C:\\ProgramData\\Conduit\\Link\\/);
  // The CLI takes --state for `link` (and npx/npm are not in the way).
  assert.match(readFileSync(join(ROOT, 'packages', 'cli', 'src', 'commands', 'link.ts'), 'utf8'), /\.option\('--state <file>'/);
  assert.doesNotMatch(unit + block('xml'), /npx|npm run/);
});
