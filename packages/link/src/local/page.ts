// The practice's "Setup third-party integrations" screen, served by the Link on loopback (see
// server.ts), after Bp Premier's Setup > Configuration > Database > "Setup third-party integrations":
// one tick box per integrator, "<name> (via Conduit)", with its access, an optional allow-list, Save,
// and "Generate pairing code" for the selected row; with the simulated Bp, also the direct database
// logins of integrations outside Conduit (logins.ts), saved by the same button. One self-contained
// HTML document: inline CSS and script only (the server's CSP allows nothing else). The page carries
// the local API token, which the script sends in X-Conduit-Token; the markup holds no practice data,
// the script fills it in.
import { PAGE_CSS } from './page/styles.js';
import { PAGE_JS } from './page/client.js';
import { LOGINS_JS } from './page/logins-client.js';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

export function renderPage(token: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="conduit-token" content="${escapeHtml(token)}">
<title>Setup third-party integrations - Conduit Link</title>
<style>${PAGE_CSS}</style>
</head>
<body>
<div class="wrap">
  <header class="top">
    <div>
      <div class="brand">Conduit Link</div>
      <h1>Setup third-party integrations</h1>
      <dl class="facts">
        <div><dt>Practice</dt><dd id="practice-name">Loading...</dd></div>
        <div><dt>Site ID</dt><dd id="site-id" class="mono">-</dd></div>
      </dl>
    </div>
    <p id="connection" class="badge" role="status">Checking connection...</p>
  </header>
  <div id="notice" class="notice" hidden><strong id="notice-title"></strong><span id="notice-text"></span></div>
  <noscript><p>This page needs JavaScript. Use the <code>conduit link integrations</code> command instead, or allow scripts for this page.</p></noscript>
  <main>
    <form id="settings" class="card" novalidate aria-labelledby="list-title" aria-describedby="list-intro">
      <div class="card-head">
        <h2 id="list-title">Integrations</h2>
        <p class="intro" id="list-intro">Tick each integration that may use this practice's Best Practice database, choose its access, then press Save. To connect an integration, select its row and press Generate pairing code.</p>
      </div>
      <fieldset id="list" class="list">
        <legend class="sr-only">Integrations allowed to use the practice database</legend>
        <div class="cols" aria-hidden="true"><span></span><span>Integration</span><span>Permissions</span></div>
        <ul id="rows" class="rows"></ul>
        <p id="empty" class="empty">Loading the list of integrations...</p>
        <section id="logins" class="logins" hidden aria-labelledby="logins-title" aria-describedby="logins-intro">
          <h3 id="logins-title" class="sub-head">Direct database logins (simulated Bp)</h3>
          <p id="logins-intro" class="sub-intro">These integrations connect to the practice database with their own login, not through Conduit. Untick one and press Save, and the database refuses its login.</p>
          <ul id="login-rows" class="rows"></ul>
        </section>
      </fieldset>
      <div class="messages">
        <p id="status" class="msg" role="status" aria-live="polite"></p>
        <p id="error" class="msg" role="alert" aria-live="assertive"></p>
      </div>
      <div class="actions">
        <button type="button" id="generate">Generate pairing code</button>
        <span class="spacer"></span>
        <span id="dirty-note" class="dirty-note"></span>
        <button type="submit" id="save" class="primary">Save</button>
      </div>
    </form>
    <section id="pairing" class="pairing" hidden aria-labelledby="pairing-title">
      <h2 id="pairing-title" tabindex="-1">Pairing code</h2>
      <p class="lead" id="pairing-instruction"></p>
      <div class="pair-fields">
        <label for="pair-site">Site ID</label>
        <input id="pair-site" class="mono" type="text" readonly autocomplete="off" spellcheck="false">
        <button type="button" class="small" data-copy="pair-site" data-what="Site ID" aria-label="Copy Site ID">Copy</button>
        <label for="pair-code">Pairing code</label>
        <input id="pair-code" class="mono code" type="text" readonly autocomplete="off" spellcheck="false">
        <button type="button" class="small" data-copy="pair-code" data-what="Pairing code" aria-label="Copy pairing code">Copy</button>
      </div>
      <p class="expiry">Expires <time id="pair-expiry"></time>. <span id="pair-replace"></span></p>
      <p id="copy-status" class="copy-status" role="status" aria-live="polite"></p>
      <button type="button" id="pair-done">Done</button>
    </section>
  </main>
</div>
<script>${LOGINS_JS}${PAGE_JS}</script>
</body>
</html>
`;
}
