// Inline CSS for the "Setup third-party integrations" page: a calm settings panel, system fonts only
// (the page's CSP allows no external resources), clear focus rings, and no motion when reduced.
export const PAGE_CSS = String.raw`
:root {
  --bg: #f3f5f8; --panel: #ffffff; --line: #d8dee6; --line-soft: #e8ecf1;
  --text: #1b2530; --muted: #55616e; --accent: #1d5ba4; --accent-dark: #164a87; --accent-soft: #eaf1fa;
  --ok: #1c6e46; --ok-soft: #e6f4ec; --bad: #a8231b; --bad-soft: #fcebea; --warn: #7a4f00; --warn-soft: #fff4da;
  --focus: #1d5ba4; --radius: 8px;
  color-scheme: light;
}
*, *::before, *::after { box-sizing: border-box; }
html { font-size: 15px; }
body {
  margin: 0; background: var(--bg); color: var(--text);
  font-family: "Segoe UI", system-ui, -apple-system, "Helvetica Neue", Arial, sans-serif; line-height: 1.45;
}
.wrap { max-width: 980px; margin: 0 auto; padding: 24px 20px 48px; }
.sr-only { position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
h1 { font-size: 1.45rem; font-weight: 600; margin: 2px 0 10px; }
h2 { font-size: 1.15rem; font-weight: 600; margin: 0 0 6px; }
p { margin: 0 0 10px; }

.top { background: var(--panel); border: 1px solid var(--line); border-radius: var(--radius); padding: 16px 20px; display: flex; flex-wrap: wrap; gap: 8px 24px; align-items: flex-start; justify-content: space-between; }
.brand { font-size: 0.8rem; letter-spacing: 0.06em; text-transform: uppercase; color: var(--muted); font-weight: 600; }
.facts { display: flex; flex-wrap: wrap; gap: 4px 28px; margin: 0; }
.facts div { min-width: 0; }
.facts dt { font-size: 0.8rem; color: var(--muted); }
.facts dd { margin: 0; font-weight: 600; overflow-wrap: anywhere; }
.mono { font-family: ui-monospace, "Cascadia Mono", Consolas, "Liberation Mono", monospace; }
.badge { display: inline-flex; align-items: center; gap: 7px; padding: 4px 11px; border-radius: 999px; font-size: 0.88rem; font-weight: 600; border: 1px solid var(--line); background: #f1f3f6; color: var(--muted); white-space: nowrap; }
.badge::before { content: ""; width: 9px; height: 9px; border-radius: 50%; background: currentColor; }
.badge.ok { background: var(--ok-soft); color: var(--ok); border-color: #bfe0cd; }
.badge.bad { background: var(--bad-soft); color: var(--bad); border-color: #f0c4c0; }

.notice { margin: 16px 0 0; padding: 12px 16px; border-radius: var(--radius); border: 1px solid #ecd28f; background: var(--warn-soft); color: #4d3400; }
.notice strong { display: block; margin-bottom: 2px; color: var(--warn); }
.notice.bad { border-color: #f0c4c0; background: var(--bad-soft); color: #5c1510; }
.notice.bad strong { color: var(--bad); }

.card { margin-top: 16px; background: var(--panel); border: 1px solid var(--line); border-radius: var(--radius); }
.card-head { padding: 16px 20px 6px; }
.intro { color: var(--muted); max-width: 70ch; }
fieldset.list { border: 0; margin: 0; padding: 0; min-width: 0; }
.cols { display: grid; grid-template-columns: 28px minmax(0, 1fr) 190px; gap: 12px; padding: 8px 20px; font-size: 0.8rem; color: var(--muted); border-bottom: 1px solid var(--line-soft); text-transform: uppercase; letter-spacing: 0.04em; }
.rows { list-style: none; margin: 0; padding: 0; }
.row { border-bottom: 1px solid var(--line-soft); padding: 12px 20px 12px 17px; border-left: 3px solid transparent; cursor: default; }
.row:last-child { border-bottom: 0; }
.row:hover { background: #f8fafc; }
.row.selected { background: var(--accent-soft); border-left-color: var(--accent); }
.row-main { display: grid; grid-template-columns: 28px minmax(0, 1fr) 190px; gap: 12px; align-items: center; }
.pick { display: flex; align-items: center; justify-content: center; }
.pick input { width: 17px; height: 17px; margin: 0; accent-color: var(--accent); cursor: pointer; }
.tick { display: flex; align-items: center; gap: 10px; min-width: 0; }
.tick input { width: 18px; height: 18px; margin: 0; flex: none; accent-color: var(--accent); cursor: pointer; }
.tick label { font-weight: 600; cursor: pointer; overflow-wrap: anywhere; }
.state { font-size: 0.85rem; color: var(--muted); margin-left: 28px; margin-top: 1px; }
.state.on { color: var(--ok); }
.state.dirty { color: var(--warn); font-weight: 600; }
.access { display: flex; flex-direction: column; gap: 2px; }
.access label { font-size: 0.8rem; color: var(--muted); }
select, textarea, input[type="text"] {
  font: inherit; color: var(--text); background: #fff; border: 1px solid #b9c2cd; border-radius: 6px; padding: 6px 9px;
}
select { width: 100%; }
select:focus-visible, textarea:focus-visible, input[type="text"]:focus-visible { outline: 3px solid var(--focus); outline-offset: 1px; border-color: var(--focus); }
:disabled { cursor: not-allowed; }
select:disabled, textarea:disabled { background: #f1f3f6; color: #7b8692; }

details.allow { margin: 8px 0 0 68px; }
details.allow summary { cursor: pointer; color: var(--accent-dark); font-size: 0.9rem; width: fit-content; border-radius: 4px; padding: 1px 2px; }
details.allow summary .sum-state { color: var(--muted); }
.allow-body { margin-top: 8px; padding: 12px 14px; border: 1px solid var(--line); border-radius: 6px; background: #fbfcfd; }
.allow-body .limit { display: flex; gap: 8px; align-items: flex-start; margin-bottom: 10px; }
.allow-body .limit input { margin: 3px 0 0; width: 16px; height: 16px; accent-color: var(--accent); }
.allow-grid { display: grid; grid-template-columns: 1fr 1fr; gap: 10px 16px; }
.allow-grid label { display: block; font-size: 0.85rem; font-weight: 600; margin-bottom: 3px; }
.allow-grid textarea { width: 100%; min-height: 72px; resize: vertical; }
.hint { font-size: 0.82rem; color: var(--muted); margin: 8px 0 0; }
.row-msg { margin: 6px 0 0 68px; font-size: 0.88rem; }
.row-msg:empty { display: none; }
.row-msg.ok { color: var(--ok); }
.row-msg.bad { color: var(--bad); }
.empty { padding: 22px 20px; color: var(--muted); }
.logins { border-top: 1px solid var(--line); }
.sub-head { margin: 0; padding: 12px 20px 2px; font-size: 0.8rem; font-weight: 600; color: var(--muted); text-transform: uppercase; letter-spacing: 0.04em; }
.sub-intro { margin: 0; padding: 0 20px 8px; font-size: 0.85rem; color: var(--muted); border-bottom: 1px solid var(--line-soft); }
.kind { font-size: 0.85rem; color: var(--muted); }

.actions { display: flex; flex-wrap: wrap; gap: 10px 12px; align-items: center; padding: 14px 20px; border-top: 1px solid var(--line); background: #f8f9fb; border-radius: 0 0 var(--radius) var(--radius); }
.actions .spacer { flex: 1; }
.dirty-note { color: var(--warn); font-size: 0.9rem; font-weight: 600; }
button {
  font: inherit; font-weight: 600; border-radius: 6px; padding: 7px 16px; cursor: pointer;
  border: 1px solid #aab4c0; background: #fff; color: var(--text);
}
button:hover:not(:disabled) { background: #f1f4f8; }
button.primary { background: var(--accent); border-color: var(--accent); color: #fff; }
button.primary:hover:not(:disabled) { background: var(--accent-dark); }
button:disabled { opacity: 0.55; }
button.small { padding: 5px 12px; font-size: 0.9rem; }

.messages { padding: 0 20px; }
.msg { margin: 12px 0 0; padding: 10px 14px; border-radius: 6px; }
.msg:empty { display: none; }
#status { background: var(--ok-soft); color: #114a2e; border: 1px solid #bfe0cd; }
#status.info { background: var(--accent-soft); color: #123a66; border-color: #c5d8ef; }
#error { background: var(--bad-soft); color: #5c1510; border: 1px solid #f0c4c0; }
.messages:has(.msg:not(:empty)) { padding-bottom: 12px; }

.pairing { margin-top: 16px; background: var(--panel); border: 1px solid var(--accent); border-radius: var(--radius); padding: 18px 20px; box-shadow: 0 1px 0 rgba(16, 40, 70, 0.04), 0 6px 18px rgba(16, 40, 70, 0.06); }
.pairing h2:focus { outline: none; }
.pairing h2:focus-visible { outline: 3px solid var(--focus); outline-offset: 3px; }
.pairing .lead { max-width: 68ch; }
.pair-fields { display: grid; grid-template-columns: max-content minmax(0, 340px) max-content; gap: 10px 12px; align-items: center; margin: 14px 0; }
.pair-fields label { font-weight: 600; }
.pair-fields input { width: 100%; font-size: 1.15rem; letter-spacing: 0.04em; padding: 7px 10px; background: #f7f9fc; }
.pair-fields input.code { font-size: 1.4rem; letter-spacing: 0.12em; font-weight: 600; }
.expiry { color: var(--muted); }
.copy-status { font-size: 0.9rem; color: var(--ok); min-height: 1.3em; margin: 0 0 8px; }

noscript p { margin: 16px 0; padding: 12px 16px; background: var(--bad-soft); border-radius: var(--radius); }
@media (max-width: 720px) {
  .row-main, .cols { grid-template-columns: 28px minmax(0, 1fr); }
  .cols span:last-child { display: none; }
  .access, .kind { grid-column: 2; }
  details.allow, .row-msg { margin-left: 40px; }
  .allow-grid { grid-template-columns: 1fr; }
  .pair-fields { grid-template-columns: 1fr max-content; }
  .pair-fields label { grid-column: 1 / -1; }
}
@media (prefers-reduced-motion: reduce) { * { transition: none !important; animation: none !important; } }
@media (forced-colors: active) { .row.selected { outline: 2px solid Highlight; } .badge::before { forced-color-adjust: none; } }
`;
