// The page chrome every page shares, the patient's and the practice's as well as the operator's: the
// style, the layout around a page's body, and flash messages (a form's outcome shown once on the page
// it comes back to). It imports nothing from booking/ or migration/, and they render into it.
import { randomBytes } from 'node:crypto';
import { esc, html, type Raw } from './html.js';

const CSS = `
*{box-sizing:border-box}body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1c2430;background:#f4f6f9}
header{background:#0d5c63;color:#fff;padding:14px 28px;display:flex;align-items:center;gap:24px}
header a{color:#fff;text-decoration:none}header .brand{font-weight:700;font-size:20px}header nav{margin-left:auto;display:flex;gap:18px;font-size:15px}
main{max-width:860px;margin:28px auto;padding:0 20px}
h1{font-size:26px;margin:0 0 8px}h2{font-size:19px;margin:24px 0 8px}p.lead{color:#4a5565;margin-top:0}
.card{background:#fff;border:1px solid #dde3ea;border-radius:10px;padding:20px 24px;margin:16px 0;box-shadow:0 1px 2px rgba(0,0,0,.04)}
label{display:block;font-weight:600;margin:12px 0 4px}input,select{font:inherit;padding:8px 10px;border:1px solid #b9c3cf;border-radius:6px;width:100%;max-width:360px}
button,.button{display:inline-block;font:inherit;font-weight:600;background:#0d5c63;color:#fff;border:0;border-radius:6px;padding:9px 18px;margin-top:16px;cursor:pointer;text-decoration:none}
button.secondary{background:#fff;color:#a12a2a;border:1px solid #a12a2a}button:disabled{opacity:.6}
.alert{border-radius:8px;padding:12px 16px;margin:14px 0;border:1px solid}
.alert.ok{background:#e8f6ee;border-color:#8fd0a9;color:#155d33}.alert.error{background:#fdeeee;border-color:#e5a3a3;color:#7d1d1d}
.alert.warn{background:#fff7e5;border-color:#f0cf82;color:#6b4a00}
ul.choices{list-style:none;padding:0;margin:0;display:grid;grid-template-columns:repeat(auto-fill,minmax(240px,1fr));gap:10px}
ul.choices a{display:block;background:#fff;border:1px solid #dde3ea;border-radius:8px;padding:12px 14px;text-decoration:none;color:#0d5c63;font-weight:600}
ul.choices a:hover{border-color:#0d5c63}ul.choices small{display:block;color:#5b6675;font-weight:400}
.day{margin:14px 0}.day h3{font-size:15px;margin:0 0 6px;color:#4a5565}.times{display:flex;flex-wrap:wrap;gap:8px}
.times a{padding:6px 12px;border:1px solid #0d5c63;border-radius:16px;text-decoration:none;color:#0d5c63;font-size:14px}.times a:hover{background:#0d5c63;color:#fff}
table{border-collapse:collapse;width:100%;background:#fff}th,td{text-align:left;padding:8px 10px;border-bottom:1px solid #e6eaef;font-size:15px}th{color:#4a5565;font-weight:600}
.badge{display:inline-block;border-radius:10px;padding:1px 9px;font-size:13px;font-weight:600}.badge.online,.badge.booked{background:#e1f4e8;color:#155d33}
.badge.offline,.badge.unreachable,.badge.disabled,.badge.cancelled,.badge.cancelledInPms{background:#fde4e4;color:#7d1d1d}.badge.moved,.badge.needsReview,.badge.pending{background:#fff1cc;color:#6b4a00}.badge.notBooked{background:#fde4e4;color:#7d1d1d}
dl{display:grid;grid-template-columns:max-content 1fr;gap:4px 18px}dt{color:#5b6675}dd{margin:0;font-weight:600}
.steps{color:#5b6675;font-size:14px;margin-bottom:6px}.muted{color:#5b6675}footer{text-align:center;color:#8a94a3;font-size:13px;margin:40px 0}
`;

export function layout(productName: string, title: string, body: Raw): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(title)} · ${esc(productName)}</title><style>${CSS}</style></head><body>
<header><a class="brand" href="/">${esc(productName)}</a><nav><a href="/">Book an appointment</a><a href="/practices">For practices</a></nav></header>
<main>${body.html}</main><footer>${esc(productName)} · connected to practices by Conduit</footer>
<script>document.addEventListener('submit',function(e){var b=e.target.querySelector('button[type=submit]');if(b){setTimeout(function(){b.disabled=true;b.textContent=b.getAttribute('data-busy')||'Please wait…';},0);}});</script>
</body></html>`;
}

/** What a view gives back: the page's title and body (and its status, 200 unless said). */
export interface Page {
  status?: number;
  title: string;
  body: Raw;
}

/** Outcomes of forms, kept server-side for a few minutes under a random id (so no message text travels in the address), shown once. */
export class Flash {
  private readonly kept = new Map<string, FlashNote & { at: number }>();
  put(ok: boolean, text: string): string {
    const now = Date.now();
    for (const [k, v] of this.kept) if (now - v.at > 10 * 60_000 || this.kept.size > 500) this.kept.delete(k);
    const id = randomBytes(9).toString('base64url');
    this.kept.set(id, { ok, text, at: now });
    return id;
  }
  take(id: string | null): FlashNote | undefined {
    if (!id) return undefined;
    const v = this.kept.get(id);
    this.kept.delete(id);
    return v;
  }
}

export interface FlashNote { ok: boolean; text: string }

/** A form's outcome as the page shows it (nothing when there is none). */
export const flashAlert = (note: FlashNote | undefined): Raw | '' =>
  note ? html`<div class="alert ${note.ok ? 'ok' : 'error'}" role="${note.ok ? 'status' : 'alert'}" id="outcome">${note.text}</div>` : '';

/** A failed request, with its explanation and the way back. */
export function errorView(x: { title: string; message: string; status: number }, back?: string): Page {
  return { status: x.status, title: x.title, body: html`<h1>${x.title}</h1><div class="alert error" role="alert">${x.message}</div>${back ? html`<a class="button" href="${back}">Back</a>` : ''}` };
}
