// The browser script for the simulated Bp's direct database logins on the practice screen (the API is
// ../logins.ts), inlined before PAGE_JS, which calls conduitLogins(). Same rules as client.ts: data
// goes in with textContent only. Kept as a raw string: no backticks or "${" here.
export const LOGINS_JS = String.raw`
function conduitLogins(deps) {
  'use strict';
  const h = deps.h;
  const section = document.getElementById('logins');
  const list = document.getElementById('login-rows');
  let rows = [];

  const isDirty = (row) => row.el.tick.checked !== row.saved;

  function refresh(row) {
    const e = row.el;
    const dirty = isDirty(row);
    e.state.className = 'state' + (dirty ? ' dirty' : row.saved ? ' on' : '');
    e.state.textContent = dirty ? 'Unsaved changes'
      : row.saved ? 'Allowed: connects with its own database login' : 'Not allowed: the database refuses its login';
    e.li.classList.toggle('dirty', dirty);
    deps.changed();
  }

  function build(data, index) {
    const n = 'login-' + index;
    const row = { name: String(data.name), saved: data.enabled === true, el: {} };
    const e = row.el;
    e.tick = h('input', { type: 'checkbox', id: n + '-enabled', 'aria-describedby': n + '-state ' + n + '-kind' });
    e.state = h('div', { id: n + '-state', class: 'state' });
    e.msg = h('p', { class: 'row-msg', id: n + '-message' });
    e.li = h('li', { class: 'row login', 'data-login': row.name }, [
      h('div', { class: 'row-main' }, [
        h('div', { class: 'pick' }),
        h('div', {}, [h('div', { class: 'tick' }, [e.tick, h('label', { for: n + '-enabled', text: row.name })]), e.state]),
        h('div', { id: n + '-kind', class: 'kind', text: 'Direct database login (simulated Bp)' }),
      ]),
      e.msg,
    ]);
    e.tick.checked = row.saved;
    e.tick.addEventListener('change', () => {
      e.msg.textContent = '';
      refresh(row);
    });
    rows.push(row);
    refresh(row);
    return e.li;
  }

  function render(data) {
    rows = [];
    list.replaceChildren(...data.map(build));
    section.hidden = data.length === 0;
    deps.changed();
  }

  async function put(row) {
    const result = await deps.api('PUT', '/api/logins', { name: row.name, enabled: row.el.tick.checked });
    row.saved = result.enabled === true;
    return row.saved
      ? row.name + ' may now connect to the practice database with its own login.'
      : row.name + ' is switched off: the practice database now refuses its login.';
  }

  return {
    render,
    dirtyCount: () => rows.filter(isDirty).length,
    /** The unsaved rows, in the shape the page's Save loop takes. */
    changes: () => rows.filter(isDirty).map((row) => ({ row, put: () => put(row), refresh: () => refresh(row) })),
    /** Picks up changes made elsewhere (e.g. conduit bp-sim login) for rows not being edited. */
    sync(data) {
      const same = data.length === rows.length && data.every((l, k) => rows[k].name === l.name);
      if (!same) {
        if (!rows.some(isDirty)) render(data);
        return;
      }
      data.forEach((l, k) => {
        const row = rows[k];
        if (isDirty(row) || row.saved === (l.enabled === true)) return;
        row.saved = l.enabled === true;
        row.el.tick.checked = row.saved;
        refresh(row);
      });
    },
  };
}
`;
