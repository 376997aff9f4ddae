// The browser script of the "Setup third-party integrations" page, inlined by page.ts (the CSP allows
// inline script only). Plain ES2020 without a framework. Every piece of data from the API is inserted
// with textContent or as a form value, never as HTML. Kept as a raw string: no backticks or "${" here.
export const PAGE_JS = String.raw`
(() => {
  'use strict';
  const TOKEN = document.querySelector('meta[name="conduit-token"]').getAttribute('content');
  const byId = (id) => document.getElementById(id);
  const ui = {
    practice: byId('practice-name'), site: byId('site-id'), conn: byId('connection'),
    notice: byId('notice'), noticeTitle: byId('notice-title'), noticeText: byId('notice-text'),
    form: byId('settings'), list: byId('list'), rows: byId('rows'), empty: byId('empty'),
    status: byId('status'), error: byId('error'), generate: byId('generate'), save: byId('save'), dirty: byId('dirty-note'),
    pairing: byId('pairing'), pairTitle: byId('pairing-title'), pairText: byId('pairing-instruction'),
    pairSite: byId('pair-site'), pairCode: byId('pair-code'), pairExpiry: byId('pair-expiry'), pairReplace: byId('pair-replace'),
    copyStatus: byId('copy-status'), pairDone: byId('pair-done'),
  };
  const ACCESS_TEXT = { read: 'read-only', readwrite: 'read and write' };
  // Said by the Link itself (authorityNote, integrations/authority.ts); this is for a Link that does not say it.
  const NOT_AUTHORITATIVE = 'This server is not the authoritative Conduit Link for the practice, so its settings have no effect. Make the changes on the authoritative server, or ask the Conduit operator to promote this one.';

  let info = null;
  let rows = [];
  let busy = false;
  let version = 0;
  const logins = conduitLogins({ h, api, changed: () => updateActions() });

  class ApiError extends Error {
    constructor(status, code, message) { super(message); this.status = status; this.code = code; }
  }

  async function api(method, path, body) {
    const headers = { 'X-Conduit-Token': TOKEN, Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let res;
    try {
      res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store', credentials: 'omit' });
    } catch (e) {
      linkDown();
      throw new ApiError(0, 'network', 'The Conduit Link on this computer is not answering. Check that the Conduit Link service is running, then reload this page.');
    }
    let data = null;
    try { data = await res.json(); } catch (e) { data = null; }
    if (!res.ok) {
      throw new ApiError(res.status, (data && data.code) || '', (data && data.error) || ('The Conduit Link answered with an error (' + res.status + ').'));
    }
    return data;
  }

  /** The badge follows any call that finds the Link gone (a Save, a code), not only the next poll. */
  function linkDown() {
    ui.conn.className = 'badge bad';
    ui.conn.textContent = 'Link not answering';
  }

  /** Words a practice manager understands, for an error from the API. */
  function friendly(err, name, action) {
    if (err.status === 0) return err.message;
    if (err.status === 401) return 'This page is out of date (the Conduit Link may have restarted). Reload the page and try again.';
    switch (err.code) {
      case 'not-enabled': return 'Tick ' + name + ' and press Save before generating a pairing code.';
      case 'offline': return "This computer is not connected to Conduit at the moment, so a pairing code can't be made. Check the internet connection and that the Conduit Link service is running, then try again.";
      case 'unconfirmed': return err.message;
      case 'not-authoritative': return err.message || NOT_AUTHORITATIVE;
      case 'unknown-integrator': return name + ' is no longer registered with Conduit. Reload the page to see the current list.';
      case 'invalid': return 'Could not save ' + name + ': ' + err.message;
      case 'unknown-login': return name + ' is no longer recorded in the practice database. Reload the page to see the current list.';
      case 'not-simulated': return err.message;
      default: return (action === 'pair' ? 'Could not generate a pairing code for ' : action === 'load' ? 'Could not load ' : 'Could not save ') + name + '. ' + err.message;
    }
  }

  function say(text, kind) {
    ui.error.textContent = '';
    ui.status.className = 'msg' + (kind === 'info' ? ' info' : '');
    ui.status.textContent = text;
  }
  function fail(text) {
    ui.status.textContent = '';
    ui.error.textContent = text;
  }
  function clearMessages() {
    ui.status.textContent = '';
    ui.error.textContent = '';
  }

  function h(tag, props, kids) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(props || {})) {
      if (k === 'text') node.textContent = v;
      else if (k === 'class') node.className = v;
      else if (k === 'for' || k === 'role' || k.startsWith('aria-') || k.startsWith('data-')) node.setAttribute(k, v);
      else node[k] = v;
    }
    for (const kid of kids || []) if (kid !== null && kid !== undefined) node.append(kid);
    return node;
  }

  function names(text) {
    const out = [];
    for (const part of text.split(/[,;\r\n]+/)) {
      const n = part.trim();
      if (n && !out.includes(n)) out.push(n);
    }
    return out;
  }
  function baseline(i) {
    return {
      enabled: !!i.enabled,
      access: i.access === 'readwrite' ? 'readwrite' : 'read',
      allowList: i.allowList ? { tables: (i.allowList.tables || []).slice(), procedures: (i.allowList.procedures || []).slice() } : null,
    };
  }
  function current(row) {
    const e = row.el;
    return {
      enabled: e.tick.checked,
      access: e.access.value === 'readwrite' ? 'readwrite' : 'read',
      allowList: e.limit.checked ? { tables: names(e.tables.value), procedures: names(e.procs.value) } : null,
    };
  }
  function same(a, b) {
    return a.enabled === b.enabled && a.access === b.access && JSON.stringify(a.allowList) === JSON.stringify(b.allowList);
  }
  const isDirty = (row) => !same(current(row), row.saved);
  const locked = () => !!info && info.authoritative === false;
  const plural = (n, one, many) => n + ' ' + (n === 1 ? one : many);

  function apply(row, s) {
    const e = row.el;
    e.tick.checked = s.enabled;
    e.access.value = s.access;
    e.limit.checked = !!s.allowList;
    e.tables.value = s.allowList ? s.allowList.tables.join('\n') : '';
    e.procs.value = s.allowList ? s.allowList.procedures.join('\n') : '';
    refresh(row);
  }

  function refresh(row) {
    const e = row.el;
    const cur = current(row);
    const dirty = !same(cur, row.saved);
    e.tables.disabled = e.procs.disabled = !cur.allowList;
    e.summaryState.textContent = cur.allowList
      ? 'only ' + plural(cur.allowList.tables.length, 'table', 'tables') + ' and ' + plural(cur.allowList.procedures.length, 'procedure', 'procedures')
      : 'all allowed';
    if (dirty) {
      e.state.className = 'state dirty';
      e.state.textContent = 'Unsaved changes';
    } else if (row.saved.enabled && locked()) {
      // Kept on this server, but only the practice's authoritative Link's settings count.
      e.state.className = 'state';
      e.state.textContent = "Ticked here, but has no effect: this server is not the practice's Conduit Link";
    } else if (row.saved.enabled) {
      e.state.className = 'state on';
      e.state.textContent = 'Allowed: ' + ACCESS_TEXT[row.saved.access] + (row.saved.allowList ? ', listed tables and procedures only' : '');
    } else {
      e.state.className = 'state';
      e.state.textContent = 'Not allowed';
    }
    e.li.classList.toggle('dirty', dirty);
    updateActions();
  }

  function updateActions() {
    const n = rows.filter(isDirty).length + logins.dirtyCount();
    ui.dirty.textContent = n ? plural(n, 'unsaved change', 'unsaved changes') : '';
  }

  function selectedRow() {
    return rows.find((r) => r.el.pick.checked);
  }
  function select(row) {
    for (const r of rows) r.el.li.classList.toggle('selected', r === row);
    if (row && !row.el.pick.checked) row.el.pick.checked = true;
  }

  function buildRow(data, index) {
    const n = 'integration-' + index;
    const gone = data.name === '(no longer registered)';
    const name = gone ? 'Integrator ' + String(data.integratorId).slice(0, 8) : String(data.name);
    const row = { id: String(data.integratorId), name, saved: baseline(data), el: {} };
    const e = row.el;
    e.pick = h('input', { type: 'radio', name: 'selected-integration', id: n + '-select', value: row.id });
    e.tick = h('input', { type: 'checkbox', id: n + '-enabled', 'aria-describedby': n + '-state' });
    e.state = h('div', { id: n + '-state', class: 'state' });
    e.access = h('select', { id: n + '-access' }, [
      h('option', { value: 'read', text: 'Read-only' }),
      h('option', { value: 'readwrite', text: 'Read and write' }),
    ]);
    e.limit = h('input', { type: 'checkbox', id: n + '-limit' });
    e.tables = h('textarea', { id: n + '-tables', rows: 3, spellcheck: false, placeholder: 'e.g. PATIENTS, APPOINTMENTS', 'aria-describedby': n + '-hint' });
    e.procs = h('textarea', { id: n + '-procedures', rows: 3, spellcheck: false, placeholder: 'e.g. BP_GetAppointmentBookUsers', 'aria-describedby': n + '-hint' });
    e.summaryState = h('span', { class: 'sum-state' });
    e.msg = h('p', { class: 'row-msg', id: n + '-message' });
    e.details = h('details', { class: 'allow' }, [
      h('summary', {}, ['Tables and procedures', h('span', { class: 'sr-only', text: ' for ' + name }), ': ', e.summaryState]),
      h('div', { class: 'allow-body' }, [
        h('div', { class: 'limit' }, [e.limit, h('label', { for: n + '-limit' }, ['Only allow the tables and stored procedures listed here', h('span', { class: 'sr-only', text: ' (' + name + ')' })])]),
        h('div', { class: 'allow-grid' }, [
          h('div', {}, [h('label', { for: n + '-tables' }, ['Tables', h('span', { class: 'sr-only', text: ' for ' + name })]), e.tables]),
          h('div', {}, [h('label', { for: n + '-procedures' }, ['Stored procedures', h('span', { class: 'sr-only', text: ' for ' + name })]), e.procs]),
        ]),
        h('p', { id: n + '-hint', class: 'hint', text: 'Separate names with commas or put one per line. While the box above is unticked, every table and procedure is allowed (within the access chosen).' }),
      ]),
    ]);
    e.li = h('li', { class: 'row', 'data-integrator-id': row.id }, [
      h('div', { class: 'row-main' }, [
        h('div', { class: 'pick' }, [e.pick, h('label', { for: n + '-select', class: 'sr-only', text: 'Select ' + name })]),
        h('div', {}, [
          h('div', { class: 'tick' }, [e.tick, h('label', { for: n + '-enabled', text: gone ? name + ' (no longer registered with Conduit)' : name + ' (via Conduit)' })]),
          e.state,
        ]),
        h('div', { class: 'access' }, [h('label', { for: n + '-access' }, ['Access', h('span', { class: 'sr-only', text: ' for ' + name })]), e.access]),
      ]),
      e.details,
      e.msg,
    ]);
    rows.push(row);
    apply(row, row.saved);
    if (row.saved.allowList) e.details.open = true;

    const changed = () => {
      e.msg.textContent = '';
      refresh(row);
    };
    for (const c of [e.tick, e.access, e.limit]) c.addEventListener('change', changed);
    for (const c of [e.tables, e.procs]) c.addEventListener('input', changed);
    e.limit.addEventListener('change', () => { if (e.limit.checked) e.tables.focus(); });
    e.pick.addEventListener('change', () => select(row));
    // A pointer click anywhere on a row selects it (keyboard users move the selection with the radio buttons).
    e.li.addEventListener('click', (ev) => {
      if (ev.detail === 0 || e.pick.disabled) return;
      select(row);
    });
    return e.li;
  }

  function renderRows(list) {
    const keep = selectedRow();
    rows = [];
    ui.rows.replaceChildren(...list.map(buildRow));
    const again = keep && rows.find((r) => r.id === keep.id);
    if (again) select(again);
    ui.empty.hidden = list.length > 0;
    ui.empty.textContent = info && info.connected
      ? 'No integrations are registered with Conduit yet.'
      : 'The list of integrations appears once this Link has connected to Conduit.';
    updateActions();
  }

  function showNotice(kind, title, text) {
    ui.notice.className = 'notice' + (kind ? ' ' + kind : '');
    ui.noticeTitle.textContent = title;
    ui.noticeText.textContent = text;
    ui.notice.hidden = false;
  }

  function renderHeader() {
    ui.practice.textContent = info.practiceName || 'Unknown practice';
    ui.site.textContent = info.siteId || 'Unknown';
    const off = locked();
    ui.conn.className = 'badge ' + (info.connected && !off ? 'ok' : 'bad');
    ui.conn.textContent = !info.connected ? 'Not connected to Conduit' : off ? "Connected to Conduit, not the practice's Link" : 'Connected to Conduit';
    if (off) {
      showNotice('bad', info.superseded ? "This server is no longer the practice's Conduit Link" : "Settings can't be changed on this computer", info.authorityNote || NOT_AUTHORITATIVE);
    } else if (!info.connected) {
      showNotice('', 'Not connected to Conduit', 'Changes you save here are kept on this computer and sent to Conduit when the connection returns. Pairing codes can only be generated while connected.');
    } else {
      ui.notice.hidden = true;
    }
    ui.list.disabled = off;
    for (const b of [ui.save, ui.generate]) {
      b.disabled = off;
      if (off) b.setAttribute('aria-describedby', 'notice');
      else b.removeAttribute('aria-describedby');
    }
    if (off) ui.list.setAttribute('aria-describedby', 'notice');
    else ui.list.removeAttribute('aria-describedby');
  }

  function setBusy(on, button) {
    busy = on;
    ui.form.setAttribute('aria-busy', on ? 'true' : 'false');
    if (button) {
      button.setAttribute('aria-disabled', on ? 'true' : 'false');
      if (on) button.dataset.label = button.textContent;
      button.textContent = on ? (button === ui.save ? 'Saving...' : 'Generating...') : button.dataset.label || button.textContent;
    }
  }

  function savedSentence(row, before) {
    const now = row.saved;
    if (now.enabled && !before.enabled) return row.name + ' may now use the practice database (' + ACCESS_TEXT[now.access] + ').';
    if (!now.enabled && before.enabled) return row.name + ' is switched off and can no longer query the practice database.';
    return 'Saved the settings for ' + row.name + '.';
  }

  async function putIntegration(row) {
    const before = row.saved;
    row.saved = baseline(await api('PUT', '/api/integrations/' + encodeURIComponent(row.id), current(row)));
    return savedSentence(row, before);
  }

  async function save(ev) {
    ev.preventDefault();
    if (busy || locked()) return;
    const changed = rows.filter(isDirty).map((row) => ({ row, put: () => putIntegration(row), refresh: () => refresh(row) }))
      .concat(logins.changes());
    if (changed.length === 0) {
      say('There are no changes to save.', 'info');
      return;
    }
    clearMessages();
    setBusy(true, ui.save);
    version++;
    const said = [];
    const problems = [];
    try {
      for (const c of changed) {
        const msg = c.row.el.msg;
        msg.className = 'row-msg';
        msg.textContent = '';
        try {
          said.push(await c.put());
          msg.className = 'row-msg ok';
          msg.textContent = 'Saved.';
        } catch (err) {
          const text = friendly(err, c.row.name, 'save');
          msg.className = 'row-msg bad';
          msg.textContent = text;
          problems.push(text);
        }
        c.refresh();
      }
    } finally {
      version++;
      setBusy(false, ui.save);
    }
    if (problems.length) fail((said.length ? 'Some changes were saved, but not all. ' : '') + problems.join(' '));
    else say('Saved. ' + said.join(' '));
  }

  function duration(ms) {
    const hours = Math.round(ms / 3600000);
    if (hours >= 2) return hours + ' hours';
    if (hours === 1) return '1 hour';
    return plural(Math.max(1, Math.round(ms / 60000)), 'minute', 'minutes');
  }

  function showPairing(pc, row) {
    const name = pc.integratorName && pc.integratorName !== pc.integratorId ? String(pc.integratorName) : row.name;
    ui.pairTitle.textContent = 'Pairing code for ' + name;
    ui.pairText.textContent = 'Enter the Site ID and pairing code in ' + name + "'s product. The code works once and expires in " + duration(Date.parse(pc.expiresAt) - Date.now()) + '.';
    ui.pairSite.value = String(pc.siteId);
    ui.pairCode.value = String(pc.code);
    ui.pairExpiry.dateTime = String(pc.expiresAt);
    ui.pairExpiry.textContent = new Date(pc.expiresAt).toLocaleString([], { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', hour: 'numeric', minute: '2-digit' });
    ui.pairReplace.textContent = 'Generating another code for ' + name + ' replaces this one.';
    ui.copyStatus.textContent = '';
    ui.pairing.hidden = false;
    ui.pairing.scrollIntoView({ block: 'nearest' });
    ui.pairTitle.focus();
  }

  async function generate() {
    if (busy || locked()) return;
    const row = selectedRow();
    if (!row) {
      fail('Select an integration in the list first, then press Generate pairing code.');
      return;
    }
    if (isDirty(row)) {
      fail(row.el.tick.checked
        ? 'Press Save to keep your changes to ' + row.name + ' before generating a pairing code.'
        : 'Tick ' + row.name + ' and press Save before generating a pairing code.');
      return;
    }
    clearMessages();
    setBusy(true, ui.generate);
    try {
      const pc = await api('POST', '/api/integrations/' + encodeURIComponent(row.id) + '/pairing-code');
      showPairing(pc, row);
      say('Pairing code generated for ' + row.name + '.');
    } catch (err) {
      fail(friendly(err, row.name, 'pair'));
    } finally {
      setBusy(false, ui.generate);
    }
  }

  async function copy(input, what) {
    const text = input.value;
    try {
      if (!navigator.clipboard || !window.isSecureContext) throw new Error('no clipboard');
      await navigator.clipboard.writeText(text);
      ui.copyStatus.textContent = what + ' copied.';
    } catch (e) {
      input.focus();
      input.select();
      let copied = false;
      try { copied = document.execCommand('copy'); } catch (e2) { copied = false; }
      ui.copyStatus.textContent = copied ? what + ' copied.' : what + ' is selected: press Ctrl+C to copy it.';
    }
  }

  async function load() {
    try {
      info = await api('GET', '/api/integrations');
    } catch (err) {
      linkDown();
      ui.empty.textContent = 'The list of integrations could not be loaded.';
      fail(err.status === 0 ? err.message : friendly(err, 'the list', 'load'));
      return;
    }
    renderHeader();
    renderRows(info.integrations || []);
    if (!info.directLogins) return;
    try {
      logins.render((await api('GET', '/api/logins')).logins || []);
    } catch (err) {
      fail(err.status === 0 || err.status === 401 ? friendly(err, '', 'load') : 'The direct database logins could not be loaded: ' + err.message);
    }
  }

  // Keeps the connection badge current, and picks up changes made elsewhere (e.g. with the CLI)
  // for rows the practice is not editing.
  async function poll() {
    if (document.hidden || busy || !info) return;
    const at = version;
    let next;
    let nextLogins = [];
    try {
      next = await api('GET', '/api/integrations');
      if (next.directLogins) nextLogins = (await api('GET', '/api/logins')).logins || [];
    } catch (err) {
      return;
    }
    if (at !== version || busy) return;
    const wasLocked = locked();
    info = next;
    renderHeader();
    // Promoted or superseded meanwhile: the rows say whether their settings count.
    if (locked() !== wasLocked) rows.forEach(refresh);
    logins.sync(nextLogins);
    const list = next.integrations || [];
    const sameIds = list.length === rows.length && list.every((i, k) => rows[k].id === i.integratorId);
    if (!sameIds) {
      if (!rows.some(isDirty)) renderRows(list);
      return;
    }
    list.forEach((i, k) => {
      const row = rows[k];
      const s = baseline(i);
      if (!isDirty(row) && !same(s, row.saved)) {
        row.saved = s;
        apply(row, s);
      }
    });
  }

  ui.form.addEventListener('submit', save);
  ui.generate.addEventListener('click', generate);
  for (const b of document.querySelectorAll('[data-copy]')) {
    const input = byId(b.getAttribute('data-copy'));
    b.addEventListener('click', () => copy(input, b.getAttribute('data-what')));
    input.addEventListener('focus', () => input.select());
  }
  ui.pairDone.addEventListener('click', () => {
    ui.pairing.hidden = true;
    ui.pairSite.value = '';
    ui.pairCode.value = '';
    ui.generate.focus();
  });
  window.addEventListener('beforeunload', (ev) => {
    if (rows.some(isDirty) || logins.dirtyCount() > 0) {
      ev.preventDefault();
      ev.returnValue = '';
    }
  });
  setInterval(poll, 15000);
  load();
})();
`;
