// What the operator's pages share: their paths, their extra style, and dates and times shown in the
// operator's own time zone.
import { html, raw, type Raw } from '../../web/html.js';

export const DASHBOARD = '/operator/migration';

/** One practice's page on the dashboard (operator-practice.ts shows it). */
export const practicePath = (key: string): string => `${DASHBOARD}/practices/${encodeURIComponent(key)}`;

/** Only pages of the operator's own area can be gone back to (after signing in, or after a form). */
export function safeNext(next: string | null | undefined): string {
  return next && /^\/operator\/[\w\-/.%]*$/.test(next) && !next.startsWith('//') && !next.includes('..') ? next : DASHBOARD;
}

export const when = (iso: string | null): Raw => iso
  ? html`<time datetime="${iso}">${new Date(iso).toLocaleString('en-AU', { dateStyle: 'medium', timeStyle: 'short' })}</time>`
  : html`<span class="muted">—</span>`;

/** Shows every <time datetime> in the operator's own time zone. */
export const LOCAL_TIMES = raw(`<script>document.querySelectorAll('time[datetime]').forEach(function(t){var d=new Date(t.getAttribute('datetime'));if(!isNaN(d))t.textContent=d.toLocaleString(undefined,{dateStyle:'medium',timeStyle:'short'});});
document.addEventListener('submit',function(e){var f=e.target;var m=f.getAttribute('data-confirm');if(m&&!confirm(m)){e.preventDefault();e.stopImmediatePropagation();return;}
var l=f.querySelector('input[name=startsAt]'),i=f.querySelector('input[name=startsAtIso]');if(l&&i&&l.value){var d=new Date(l.value);if(!isNaN(d))i.value=d.toISOString();}},true);</script>`);

export const STYLE = raw(`<style>main{max-width:1320px}table.ops th,table.ops td{font-size:14px;padding:6px 8px;vertical-align:top}td.since,td.stage,td.wave,td.actions small{white-space:nowrap}td.name{min-width:190px}
form.inline{display:inline}form.inline button{margin:2px 4px 2px 0;padding:4px 10px;font-size:13px}
ul.stages{list-style:none;padding:0;margin:6px 0;display:flex;flex-wrap:wrap;gap:8px 18px}td small,td .muted{font-size:12px}
form.schedule{display:flex;flex-wrap:wrap;gap:0 14px;align-items:flex-end}form.schedule label{margin-top:6px}form.schedule input{width:auto}</style>`);
