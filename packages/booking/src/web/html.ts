// Server-rendered pages: escaping, the layout and its CSS.
export function esc(v: unknown): string {
  return String(v ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** A tagged template whose interpolations are escaped unless wrapped in `raw()`. */
export class Raw {
  constructor(readonly html: string) {}
  toString(): string {
    return this.html;
  }
}
export const raw = (s: string): Raw => new Raw(s);

export function html(strings: TemplateStringsArray, ...values: unknown[]): Raw {
  let out = strings[0] ?? '';
  values.forEach((v, i) => {
    const part = Array.isArray(v) ? v.map((x) => (x instanceof Raw ? x.html : esc(x))).join('') : v instanceof Raw ? v.html : v === false || v === null || v === undefined ? '' : esc(v);
    out += part + (strings[i + 1] ?? '');
  });
  return new Raw(out);
}

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

export function formatTime(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  return `${((h + 11) % 12) + 1}:${String(m).padStart(2, '0')} ${h < 12 ? 'am' : 'pm'}`;
}

export function formatDate(day: string): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return new Date(y, m - 1, d).toLocaleDateString('en-AU', { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' });
}
