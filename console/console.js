// The scimd console: a hash-routed page over the admin API (/admin/v1, same origin, JSON). It
// talks to nothing else. The session cookie is HttpOnly; changes carry the session's CSRF token.
// Every text from the server goes into the page as text (never as HTML).

const API = '/admin/v1';
const main = document.getElementById('main');
const statusBox = document.getElementById('status');
let csrf = '';
let session = null;

/** h('tag', {attr: value, onclick: fn}, ...children): a DOM element; strings become text nodes. */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  for (const c of children.flat(2)) if (c !== undefined && c !== null && c !== false) el.append(c instanceof Node ? c : String(c));
  return el;
}

class ApiError extends Error {
  constructor(status, detail) {
    super(detail);
    this.status = status;
  }
}

async function api(method, path, body) {
  const headers = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET') headers['x-csrf-token'] = csrf;
  const r = await fetch(API + path, { method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  const data = text ? JSON.parse(text) : undefined;
  if (r.status === 401 && path !== '/session') {
    session = null;
    showSignIn('Your session has ended: sign in again.');
    throw new ApiError(401, data?.detail ?? 'Signed out');
  }
  if (!r.ok) throw new ApiError(r.status, data?.detail ?? `HTTP ${r.status}`);
  return data;
}

const enc = encodeURIComponent;
const say = (text) => {
  statusBox.textContent = text;
  setTimeout(() => {
    if (statusBox.textContent === text) statusBox.textContent = '';
  }, 4000);
};
const when = (iso) => (iso ? new Date(iso).toLocaleString() : '—');
const errorBox = (e) => h('p', { class: 'error', role: 'alert' }, e.message);
const table = (caption, head, rows) =>
  h('div', { class: 'table' }, h('table', {}, h('caption', { class: 'muted' }, caption), h('thead', {}, h('tr', {}, head.map((c) => h('th', { scope: 'col' }, c)))), h('tbody', {}, rows)));

function render(title, ...content) {
  document.title = `${title} · scimd console`;
  main.replaceChildren(h('h1', {}, title), ...content.flat(2).filter((c) => c !== '' && c !== undefined && c !== null));
  main.focus();
}

/** A form: fields [{name, label, type, value, options, required}], submit label, handler(values). */
function form(fields, submit, onsubmit, attrs = {}) {
  const f = h(
    'form',
    attrs,
    fields.map((d) =>
      h(
        'label',
        {},
        d.label,
        d.options
          ? h('select', { name: d.name }, d.options.map((o) => h('option', { value: o, selected: o === d.value }, o || 'any')))
          : h('input', { name: d.name, type: d.type ?? 'text', value: d.value ?? '', required: d.required, placeholder: d.placeholder, autocomplete: d.autocomplete ?? 'off' }),
      ),
    ),
    h('button', { type: 'submit' }, submit),
  );
  f.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const values = Object.fromEntries(new FormData(f).entries());
    f.querySelector('.error')?.remove();
    try {
      await onsubmit(values);
    } catch (e) {
      if (e.status !== 401) f.append(errorBox(e));
    }
  });
  return f;
}

function showSignIn(message) {
  document.getElementById('nav').hidden = true;
  render(
    'Sign in',
    message ? h('p', { class: 'error', role: 'alert' }, message) : '',
    h('p', {}, 'Sign in with an admin key (scimd admin-key create). The key is not kept in the browser: scimd opens a session that ends after a while without use.'),
    form([{ name: 'key', label: 'Admin key', type: 'password', required: true, autocomplete: 'current-password' }], 'Sign in', async ({ key }) => {
      const s = await api('POST', '/session', { key });
      startSession(s);
      if (!location.hash || location.hash === '#/') location.hash = '#/tenants';
      else route();
    }),
  );
}

function startSession(s) {
  session = s;
  csrf = s.csrfToken;
  document.getElementById('nav').hidden = false;
  document.getElementById('who').textContent = `Key ${s.keyName}${s.tenant ? ` (tenant ${s.tenant})` : ''}`;
}

document.getElementById('sign-out').addEventListener('click', async () => {
  await api('DELETE', '/session').catch(() => undefined);
  session = null;
  csrf = '';
  showSignIn('Signed out.');
});

// ---- Tenants ----------------------------------------------------------------------------------

/** Tenants in name order, one page of the admin API at a time (after= / before= a name). */
async function tenantsPage(q) {
  const after = q.get('after');
  const before = after ? null : q.get('before');
  const params = new URLSearchParams({ limit: String(PAGE + 1) });
  if (after) params.set('after', after);
  if (before) params.set('before', before);
  // One more than shown: whether a page follows (or, going back, precedes) this one.
  let tenants = await api('GET', `/tenants?${params}`);
  let hasNext;
  let hasPrevious;
  if (before) {
    hasPrevious = tenants.length > PAGE;
    tenants = tenants.slice(hasPrevious ? 1 : 0);
    hasNext = true;
  } else {
    hasNext = tenants.length > PAGE;
    tenants = tenants.slice(0, PAGE);
    hasPrevious = Boolean(after);
  }
  // The counts and the last request of each tenant shown.
  const details = await Promise.all(tenants.map((t) => api('GET', `/tenants/${enc(t.name)}`)));
  const last = await Promise.all(tenants.map((t) => api('GET', `/requests?tenant=${enc(t.name)}&limit=1`).then((r) => r[0])));
  const rows = details.map((t, i) =>
    h(
      'tr',
      {},
      h('td', {}, h('a', { href: `#/tenants/${enc(t.name)}` }, t.name)),
      h('td', {}, t.status),
      h('td', {}, t.users),
      h('td', {}, t.groups),
      h('td', {}, t.clients),
      h('td', {}, last[i] ? `${when(last[i].at)} (${last[i].status})` : '—'),
    ),
  );
  const first = tenants[0];
  const final = tenants[tenants.length - 1];
  render(
    'Tenants',
    table('Tenants with their counts, by name', ['Tenant', 'Status', 'Users', 'Groups', 'Clients', 'Last provisioning request'], rows),
    h(
      'nav',
      { 'aria-label': 'Pages of tenants', class: 'pages' },
      hasPrevious && first ? h('a', { href: `#/tenants?before=${enc(first.name)}` }, '← Previous page') : '',
      hasNext && final ? h('a', { href: `#/tenants?after=${enc(final.name)}` }, 'Next page →') : '',
    ),
    session?.tenant
      ? ''
      : [
          h('h2', {}, 'Create a tenant'),
          form([{ name: 'name', label: 'Tenant name', required: true, placeholder: 'acme' }], 'Create tenant', async ({ name }) => {
            await api('POST', '/tenants', { name });
            say(`Tenant ${name} created`);
            location.hash = `#/tenants/${enc(name)}`;
          }),
        ],
  );
}

async function tenantPage(t) {
  const [d, clients] = await Promise.all([api('GET', `/tenants/${enc(t)}`), api('GET', `/tenants/${enc(t)}/clients`)]);
  const enable = d.status === 'active' ? 'disabled' : 'active';
  const toggle = h(
    'button',
    {
      type: 'button',
      class: d.status === 'active' ? 'danger' : '',
      onclick: async () => {
        if (!confirm(`${enable === 'disabled' ? 'Disable' : 'Enable'} tenant ${t}? ${enable === 'disabled' ? 'Every SCIM request of the tenant will be refused (403); nothing is deleted.' : ''}`)) return;
        await api('PATCH', `/tenants/${enc(t)}`, { status: enable });
        say(`Tenant ${t} ${enable}`);
        route();
      },
    },
    d.status === 'active' ? 'Disable tenant' : 'Enable tenant',
  );
  const clientRows = clients.map((c) =>
    h(
      'tr',
      {},
      h('td', {}, h('a', { href: `#/tenants/${enc(t)}/clients/${enc(c.name)}` }, c.name)),
      h('td', {}, c.revokedAt ? 'revoked' : 'active'),
      h('td', {}, `${c.profile} (${c.profileSource})`),
      h('td', {}, c.liveTokens ?? 0),
      h('td', {}, when(c.lastUsedAt)),
    ),
  );
  const settingRows = (d.settingsInfo ?? []).map((s) =>
    h('tr', {}, h('th', { scope: 'row' }, s.key), h('td', {}, s.value), h('td', {}, s.default), h('td', {}, (s.allowed ?? []).join(', ') || 'any'), h('td', {}, s.doc ?? ''), h('td', {}, s.source ?? '')),
  );
  render(
    `Tenant ${t}`,
    h(
      'div',
      { class: 'card' },
      h('dl', {}, h('dt', {}, 'Status'), h('dd', {}, d.status), h('dt', {}, 'SCIM endpoint'), h('dd', {}, h('code', {}, d.scimEndpoint)), h('dt', {}, 'Users'), h('dd', {}, d.users), h('dt', {}, 'Groups'), h('dd', {}, d.groups)),
      h('p', {}, toggle),
      h(
        'p',
        {},
        h('a', { href: `#/tenants/${enc(t)}/users` }, 'Users'),
        ' · ',
        h('a', { href: `#/tenants/${enc(t)}/groups` }, 'Groups'),
        ' · ',
        h('a', { href: `#/requests?tenant=${enc(t)}` }, 'Request log'),
        ' · ',
        h('a', { href: `#/tenants/${enc(t)}/events` }, 'Events'),
        ' · ',
        h('a', { href: `#/tenants/${enc(t)}/tombstones` }, 'Deleted users'),
        ' · ',
        h('a', { href: `#/tenants/${enc(t)}/webhooks` }, 'Webhooks'),
      ),
    ),
    h('h2', {}, 'SCIM clients'),
    table(`SCIM clients of ${t}`, ['Client', 'State', 'IdP profile', 'Live tokens', 'Last request'], clientRows),
    h('h3', {}, 'Create a client'),
    h('div', { id: 'issued' }),
    form(
      [
        { name: 'name', label: 'Client name', required: true, placeholder: 'entra-prod' },
        { name: 'idp', label: 'IdP profile', options: ['auto', 'entra', 'okta', 'onelogin', 'jumpcloud', 'pingone', 'authentik', 'keycloak', 'strict'], value: 'auto' },
      ],
      'Create client',
      async ({ name, idp }) => {
        const issued = await api('POST', `/tenants/${enc(t)}/clients`, { name, ...(idp && idp !== 'auto' ? { idp } : {}) });
        await tenantPage(t);
        document.getElementById('issued').replaceChildren(secretBox(issued));
        document.getElementById('new-token').focus();
      },
    ),
    h('h2', {}, 'Settings'),
    table('Tenant settings: value in force, default and allowed values', ['Setting', 'Value', 'Default', 'Allowed', 'What it does', 'Asked for by'], settingRows),
    form(
      [
        { name: 'key', label: 'Setting', options: (d.settingsInfo ?? []).map((s) => s.key) },
        { name: 'value', label: 'New value ("default" restores it)', required: true },
      ],
      'Change setting',
      async ({ key, value }) => {
        await api('PATCH', `/tenants/${enc(t)}`, { settings: { [key]: value } });
        say(`Setting ${key} changed`);
        route();
      },
    ),
  );
}

/** A token shown once, with a copy button. */
function secretBox(issued) {
  const code = h('code', { id: 'new-token', tabindex: '0' }, issued.token);
  return h(
    'div',
    { class: 'secret', role: 'region', 'aria-label': 'New token' },
    h('p', {}, `Token of client ${issued.client} — shown only now, copy it into the IdP:`),
    code,
    h(
      'button',
      {
        type: 'button',
        onclick: async () => {
          try {
            await navigator.clipboard.writeText(issued.token);
            say('Token copied');
          } catch {
            getSelection().selectAllChildren(code);
            say('Select and copy the token (the clipboard is not available here)');
          }
        },
      },
      'Copy token',
    ),
    h('p', { class: 'muted' }, 'SCIM endpoint (Tenant URL): ', h('code', {}, issued.scimEndpoint ?? '')),
  );
}

// ---- Clients ----------------------------------------------------------------------------------

async function clientPage(t, c) {
  const [v, health] = await Promise.all([api('GET', `/tenants/${enc(t)}/clients/${enc(c)}`), api('GET', `/tenants/${enc(t)}/clients/${enc(c)}/health`)]);
  const tokenRows = (v.tokens ?? []).map((k) => h('tr', {}, h('td', {}, k.prefix), h('td', {}, k.state), h('td', {}, when(k.createdAt)), h('td', {}, when(k.expiresAt)), h('td', {}, when(k.lastUsedAt))));
  const revoked = Boolean(v.revokedAt);
  render(
    `Client ${c} of ${t}`,
    h('p', {}, h('a', { href: `#/tenants/${enc(t)}` }, `← Tenant ${t}`), ' · ', h('a', { href: `#/requests?tenant=${enc(t)}&client=${enc(c)}` }, 'Its requests')),
    h(
      'div',
      { class: 'card' },
      h(
        'dl',
        {},
        h('dt', {}, 'State'),
        h('dd', {}, revoked ? `revoked ${when(v.revokedAt)}` : 'active'),
        h('dt', {}, 'IdP profile'),
        h('dd', {}, `${v.profile} — ${v.profileSource}${v.profileReason ? `: ${v.profileReason}` : ''}`),
        h('dt', {}, 'Rate limit'),
        h('dd', {}, v.settings?.rateLimit ?? 'the server default'),
      ),
    ),
    h('h2', {}, 'Connection health'),
    healthCard(health),
    h('h2', {}, 'Tokens'),
    h('div', { id: 'issued' }),
    table(`Tokens of ${c}`, ['Prefix', 'State', 'Created', 'Expires', 'Last used'], tokenRows),
    revoked
      ? ''
      : [
          form([{ name: 'grace', label: 'Old tokens keep working for', value: '1h', placeholder: '0, 30m, 1h, 7d' }], 'Rotate token', async ({ grace }) => {
            if (!confirm(`Issue a new token for ${c}? Older tokens stop working after ${grace || '0'}.`)) return;
            const issued = await api('POST', `/tenants/${enc(t)}/clients/${enc(c)}/tokens`, grace ? { grace } : {});
            await clientPage(t, c);
            document.getElementById('issued').replaceChildren(secretBox(issued));
            document.getElementById('new-token').focus();
          }),
          h('h2', {}, 'Settings'),
          form(
            [
              { name: 'idp', label: 'IdP profile', options: ['auto', 'entra', 'okta', 'onelogin', 'jumpcloud', 'pingone', 'authentik', 'keycloak', 'strict'], value: v.idp ?? 'auto' },
              { name: 'rateLimit', label: 'Rate limit (requests/s, "default")', value: v.settings?.rateLimit ?? '' },
            ],
            'Save',
            async ({ idp, rateLimit }) => {
              await api('PATCH', `/tenants/${enc(t)}/clients/${enc(c)}`, { idp, ...(rateLimit ? { settings: { rateLimit } } : {}) });
              say('Client saved');
              route();
            },
          ),
          h('h2', {}, 'Normaliser switches'),
          normaliserTable(t, c, v),
          form([{ name: 'normaliser', label: 'Normaliser (normaliser.<name>)', required: true }, { name: 'state', label: 'Switch', options: ['on', 'off', 'default'] }], 'Switch normaliser', async ({ normaliser, state }) => {
            await api('PATCH', `/tenants/${enc(t)}/clients/${enc(c)}`, { settings: { [`normaliser.${normaliser}`]: state } });
            say(`Normaliser ${normaliser} ${state}`);
            route();
          }),
          h('h2', {}, 'Revoke'),
          h(
            'button',
            {
              type: 'button',
              class: 'danger',
              onclick: async () => {
                if (!confirm(`Revoke client ${c}? Every token it has stops working at once (the data it provisioned stays).`)) return;
                await api('DELETE', `/tenants/${enc(t)}/clients/${enc(c)}`);
                say(`Client ${c} revoked`);
                route();
              },
            },
            'Revoke client',
          ),
        ],
  );
}

/** The normalisers in force and those switched by a setting, each with the switches that change it. */
function normaliserTable(t, c, v) {
  const switched = Object.entries(v.settings ?? {}).filter(([k]) => k.startsWith('normaliser.')).map(([k, val]) => [k.slice('normaliser.'.length), val]);
  const names = [...new Set([...(v.normalisers ?? []), ...switched.map(([n]) => n)])];
  const set = (name, state) => async () => {
    if (state === 'off' && !confirm(`Switch normaliser ${name} off for ${c}? Requests it repairs will be refused instead.`)) return;
    await api('PATCH', `/tenants/${enc(t)}/clients/${enc(c)}`, { settings: { [`normaliser.${name}`]: state } });
    say(`Normaliser ${name}: ${state}`);
    route();
  };
  const rows = names.map((name) => {
    const own = switched.find(([n]) => n === name)?.[1];
    const on = (v.normalisers ?? []).includes(name);
    return h(
      'tr',
      {},
      h('th', { scope: 'row' }, name),
      h('td', {}, on ? 'on' : 'off', own ? ` (switched ${own} for this client)` : ' (profile default)'),
      h(
        'td',
        {},
        h('button', { type: 'button', class: 'secondary', onclick: set(name, on ? 'off' : 'on'), 'aria-label': `Switch ${name} ${on ? 'off' : 'on'}` }, on ? 'Switch off' : 'Switch on'),
        own ? [' ', h('button', { type: 'button', class: 'secondary', onclick: set(name, 'default'), 'aria-label': `Restore the default of ${name}` }, 'Default')] : '',
      ),
    );
  });
  return table(`Normalisers of ${c}`, ['Normaliser', 'State', 'Change'], rows);
}

function healthCard(x) {
  const verdict = x.lastRequest ? (x.lastRequest.status < 400 ? h('span', { class: 'ok' }, 'Last request succeeded') : h('span', { class: 'bad' }, 'Last request failed')) : h('span', { class: 'muted' }, 'No request yet');
  return h(
    'div',
    { class: 'card' },
    h('p', {}, verdict),
    h(
      'dl',
      {},
      h('dt', {}, 'Last request'),
      h('dd', {}, x.lastRequest ? `${when(x.lastRequest.at)}: ${x.lastRequest.method} ${x.lastRequest.path} → ${x.lastRequest.status}` : '—'),
      h('dt', {}, 'Last hour'),
      h('dd', {}, `${x.lastHour.requests} requests, ${x.lastHour.errors} errors`),
      h('dt', {}, 'Last day'),
      h('dd', {}, `${x.lastDay.requests} requests, ${x.lastDay.errors} errors`),
      h('dt', {}, 'Most common error'),
      h('dd', {}, x.commonError ? `${x.commonError.status}${x.commonError.scimType ? ` ${x.commonError.scimType}` : ''} × ${x.commonError.count}: ${x.commonError.detail ?? ''}` : 'none'),
      h('dt', {}, 'Normalisers that fired'),
      h('dd', {}, x.normalisers.length ? x.normalisers.map((n) => `${n.name} × ${n.count}`).join(', ') : 'none'),
    ),
  );
}

// ---- Request log ------------------------------------------------------------------------------

async function requestsPage(q) {
  const params = new URLSearchParams();
  for (const k of ['tenant', 'client', 'method', 'status', 'since', 'until', 'before']) if (q.get(k)) params.set(k, q.get(k));
  if (session?.tenant && !params.get('tenant')) params.set('tenant', session.tenant);
  params.set('limit', '50');
  const entries = await api('GET', `/requests?${params}`);
  const rows = entries.map((e) =>
    h(
      'tr',
      {},
      h('td', {}, h('a', { href: `#/requests/${e.id}` }, `#${e.id}`)),
      h('td', {}, when(e.at)),
      h('td', {}, e.tenantName ?? '—'),
      h('td', {}, e.clientName ?? '—'),
      h('td', {}, `${e.method} ${e.path}`),
      h('td', { class: e.status < 400 ? 'ok' : 'bad' }, e.status),
      h('td', {}, (e.notes ?? []).join('; ')),
    ),
  );
  const next = new URLSearchParams(params);
  next.delete('limit');
  const last = entries[entries.length - 1];
  if (last) next.set('before', String(last.id));
  render(
    'Request log',
    form(
      [
        { name: 'tenant', label: 'Tenant', value: q.get('tenant') ?? session?.tenant ?? '' },
        { name: 'client', label: 'Client', value: q.get('client') ?? '' },
        { name: 'method', label: 'Method', options: ['', 'GET', 'POST', 'PUT', 'PATCH', 'DELETE'], value: q.get('method') ?? '' },
        { name: 'status', label: 'Status (4xx, 404, 400-499)', value: q.get('status') ?? '' },
        { name: 'since', label: 'Since (ISO time)', value: q.get('since') ?? '' },
        { name: 'until', label: 'Until (ISO time)', value: q.get('until') ?? '' },
      ],
      'Filter',
      async (v) => {
        const p = new URLSearchParams(Object.entries(v).filter(([, x]) => x));
        location.hash = `#/requests?${p}`;
      },
    ),
    table('SCIM requests, newest first', ['Entry', 'Time', 'Tenant', 'Client', 'Request', 'Status', 'Normaliser notes'], rows),
    entries.length === 50 ? h('p', {}, h('a', { href: `#/requests?${next}` }, 'Older requests →')) : '',
  );
}

const pretty = (body) => {
  if (!body) return '(no body)';
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    return body;
  }
};

/**
 * A line diff of two texts (longest common subsequence of lines): [op, line] with op ' ' (both),
 * '-' (before only) or '+' (after only). Undefined past ~4 million line pairs (a body of thousands
 * of lines), where the page shows both texts instead.
 */
function lineDiff(before, after) {
  const a = before.split('\n');
  const b = after.split('\n');
  if (a.length * b.length > 4_000_000) return undefined;
  const n = a.length;
  const m = b.length;
  // lcs[i][j]: the length of the longest common subsequence of a[i..] and b[j..].
  const lcs = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
  const out = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      out.push([' ', a[i++]]);
      j++;
    } else if (lcs[i + 1][j] >= lcs[i][j + 1]) out.push(['-', a[i++]]);
    else out.push(['+', b[j++]]);
  }
  while (i < n) out.push(['-', a[i++]]);
  while (j < m) out.push(['+', b[j++]]);
  return out;
}

/** What the normalisers changed in the request body: the pretty JSON before and after, line by line. */
function normalisedDiff(e) {
  if (!e.normalisedBody) return '';
  const before = pretty(e.requestBody);
  const after = pretty(e.normalisedBody);
  const diff = lineDiff(before, after);
  const removed = diff ? diff.filter(([op]) => op === '-').length : 0;
  const added = diff ? diff.filter(([op]) => op === '+').length : 0;
  return h(
    'section',
    { 'aria-labelledby': 'diff-heading' },
    h('h2', { id: 'diff-heading' }, 'Body before and after the normalisers'),
    diff
      ? [
          h('p', { class: 'muted' }, `${removed} line${removed === 1 ? '' : 's'} as sent (−), ${added} line${added === 1 ? '' : 's'} as the normalisers left them (+).`),
          h(
            'pre',
            { class: 'diff', id: 'diff', tabindex: '0', 'aria-label': 'Line diff of the request body: − as sent, + after the normalisers' },
            diff.map(([op, line]) => h('span', { class: op === '-' ? 'del' : op === '+' ? 'ins' : 'same' }, `${op === '-' ? '−' : op} ${line}`)),
          ),
        ]
      : h('div', { class: 'side' }, h('pre', { tabindex: '0', 'aria-label': 'As sent' }, before), h('pre', { tabindex: '0', 'aria-label': 'After the normalisers' }, after)),
  );
}

async function requestPage(id) {
  const e = await api('GET', `/requests/${enc(id)}`);
  render(
    `Request #${e.id}`,
    h('p', {}, h('a', { href: '#/requests' }, '← Request log')),
    h(
      'div',
      { class: 'card' },
      h(
        'dl',
        {},
        h('dt', {}, 'Time'),
        h('dd', {}, when(e.at)),
        h('dt', {}, 'Tenant / client'),
        h('dd', {}, `${e.tenantName ?? '—'} / ${e.clientName ?? '—'} (${e.idp ?? 'no profile'})`),
        h('dt', {}, 'Request'),
        h('dd', {}, `${e.method} ${e.path}`),
        h('dt', {}, 'Answer'),
        h('dd', { class: e.status < 400 ? 'ok' : 'bad' }, `${e.status}${e.scimType ? ` ${e.scimType}` : ''} in ${e.durationMs} ms`),
        h('dt', {}, 'Request id'),
        h('dd', {}, e.requestId ?? '—'),
      ),
    ),
    h('h2', {}, 'What the normalisers changed'),
    (e.notes ?? []).length ? h('ul', { id: 'notes' }, e.notes.map((n) => h('li', {}, n))) : h('p', { id: 'notes' }, 'Nothing: the request was taken as sent.'),
    normalisedDiff(e),
    h(
      'div',
      { class: 'side' },
      h('section', { 'aria-label': 'Request body' }, h('h2', {}, 'Request body'), h('pre', { tabindex: '0' }, pretty(e.requestBody))),
      h('section', { 'aria-label': 'Response body' }, h('h2', {}, 'Response body'), h('pre', { tabindex: '0' }, pretty(e.responseBody))),
    ),
  );
}

// ---- Users, groups, events --------------------------------------------------------------------

const PAGE = 25;

async function directoryPage(t, kind, q) {
  const filter = q.get('filter') ?? '';
  const start = Math.max(1, Number(q.get('startIndex') ?? '1') || 1);
  const params = new URLSearchParams({ startIndex: String(start), count: String(PAGE) });
  if (filter) params.set('filter', filter);
  const title = kind === 'users' ? `Users of ${t}` : `Groups of ${t}`;
  let list;
  let problem;
  try {
    list = await api('GET', `/tenants/${enc(t)}/${kind}?${params}`);
  } catch (e) {
    if (e.status === 401) return;
    problem = e;
  }
  const rows = (list?.Resources ?? []).map((r) =>
    kind === 'users'
      ? h('tr', {}, h('td', {}, h('a', { href: `#/tenants/${enc(t)}/users/${enc(r.id)}` }, r.userName)), h('td', {}, r.displayName ?? r.name?.formatted ?? ''), h('td', {}, r.active === false ? 'inactive' : 'active'), h('td', {}, h('code', {}, r.id)))
      : h('tr', {}, h('td', {}, h('a', { href: `#/tenants/${enc(t)}/groups/${enc(r.id)}` }, r.displayName)), h('td', {}, (r.members ?? []).length), h('td', {}, h('code', {}, r.id))),
  );
  const go = (s) => {
    const p = new URLSearchParams({ startIndex: String(s) });
    if (filter) p.set('filter', filter);
    return `#/tenants/${enc(t)}/${kind}?${p}`;
  };
  const total = list?.totalResults ?? 0;
  render(
    title,
    h('p', {}, h('a', { href: `#/tenants/${enc(t)}` }, `← Tenant ${t}`)),
    form([{ name: 'filter', label: 'SCIM filter', value: filter, placeholder: kind === 'users' ? 'userName sw "a"' : 'displayName co "sales"' }], 'Search', async (v) => {
      location.hash = go(1).replace(/filter=[^&]*/, '') + (v.filter ? `&filter=${enc(v.filter)}` : '');
    }),
    problem ? errorBox(problem) : '',
    list ? h('p', {}, `${total} found; showing ${total ? start : 0}–${Math.min(total, start + PAGE - 1)}`) : '',
    table(title, kind === 'users' ? ['userName', 'Name', 'State', 'id'] : ['displayName', 'Members', 'id'], rows),
    h('p', {}, start > 1 ? h('a', { href: go(Math.max(1, start - PAGE)) }, '← Previous page') : '', ' ', start + PAGE <= total ? h('a', { href: go(start + PAGE) }, 'Next page →') : ''),
  );
}

const SCIMD_USER = 'urn:scimd:schemas:extension:2.0:User';

/** A user deleted under deprovision.delete = tombstone: when, and a restore (after a confirmation). */
function deletedUserPage(t, x) {
  const name = x.data?.userName ?? x.id;
  render(
    `Deleted user ${name}`,
    h('p', {}, h('a', { href: `#/tenants/${enc(t)}/tombstones` }, `← Deleted users of ${t}`)),
    h(
      'div',
      { class: 'card' },
      h('p', { class: 'bad' }, `This user was deleted on ${when(x.deletedAt)}. It can be restored under the same id, if its userName is still free (group memberships are not restored).`),
      h('dl', {}, h('dt', {}, 'id'), h('dd', {}, h('code', {}, x.id)), h('dt', {}, 'userName'), h('dd', {}, name)),
      h('p', {}, restoreButton(t, x, () => (location.hash = `#/tenants/${enc(t)}/users/${enc(x.id)}`))),
    ),
  );
}

function restoreButton(t, x, done) {
  const name = x.data?.userName ?? x.id;
  return h(
    'button',
    {
      type: 'button',
      class: 'secondary',
      'aria-label': `Restore ${name}`,
      onclick: () => confirmedPost(`Restore ${name}?`, `/tenants/${enc(t)}/tombstones/${enc(x.id)}/restore`, 'Restored', done),
    },
    'Restore',
  );
}

/** A destructive POST after the operator confirms it: said when done, then `next`; a failure shows its problem (a 401 signs out). */
async function confirmedPost(question, path, doneMessage, next) {
  if (!confirm(question)) return;
  try {
    await api('POST', path, {});
  } catch (e) {
    if (e.status !== 401) main.append(errorBox(e));
    return;
  }
  say(doneMessage);
  next();
}

/** A user's invitation: state, sent and expiry times, and Resend (after a confirmation) while pending. */
function invitationCard(t, r, inv) {
  const state = inv.state === 'pending' ? (inv.expired ? 'pending, but its link has expired' : 'pending: not accepted yet') : inv.state === 'accepted' ? 'accepted' : 'none (this tenant does not invite users: externalId.mode is not email)';
  const mail = inv.mail === 'dropped' ? `dropped: ${inv.mailError ?? 'not sent'}` : inv.mail === 'pending' ? `waiting to be sent${inv.mailError ? ` (last attempt: ${inv.mailError})` : ''}` : inv.mail ?? '—';
  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'invitation-heading' },
    h('h2', { id: 'invitation-heading' }, 'Invitation'),
    h(
      'dl',
      { id: 'invitation' },
      h('dt', {}, 'State'),
      h('dd', { class: inv.state === 'accepted' ? 'ok' : inv.state === 'pending' ? 'bad' : '' }, state),
      inv.email ? [h('dt', {}, 'Sent to'), h('dd', {}, inv.email)] : '',
      inv.issuedAt ? [h('dt', {}, 'Mail'), h('dd', {}, mail)] : '',
      inv.sentAt ? [h('dt', {}, 'Sent'), h('dd', {}, when(inv.sentAt))] : '',
      inv.expiresAt && inv.state === 'pending' ? [h('dt', {}, 'Link expires'), h('dd', {}, when(inv.expiresAt))] : '',
      inv.acceptedAt ? [h('dt', {}, 'Accepted'), h('dd', {}, when(inv.acceptedAt))] : '',
    ),
    inv.state === 'pending'
      ? h(
          'p',
          {},
          h(
            'button',
            {
              type: 'button',
              onclick: () =>
                confirmedPost(
                  `Send ${r.userName} a new invitation${inv.email ? ` at ${inv.email}` : ''}? The links sent before stop working.`,
                  `/tenants/${enc(t)}/invitations/${enc(r.userName)}/resend`,
                  'Invitation sent again',
                  route,
                ),
            },
            'Resend invitation',
          ),
        )
      : '',
  );
}

async function resourcePage(t, kind, id) {
  let r;
  try {
    r = await api('GET', `/tenants/${enc(t)}/${kind}/${enc(id)}`);
  } catch (e) {
    // A deleted user kept as a tombstone: say so, and offer the restore.
    if (e.status !== 404 || kind !== 'users') throw e;
    const stone = await api('GET', `/tenants/${enc(t)}/tombstones/${enc(id)}`).catch(() => undefined);
    if (!stone) throw e;
    return deletedUserPage(t, stone);
  }
  const inv = kind === 'users' ? await api('GET', `/tenants/${enc(t)}/users/${enc(id)}/invitation`) : undefined;
  const name = kind === 'users' ? r.userName : r.displayName;
  const groups = r.groups ?? [];
  const roles = r.roles ?? [];
  const appRoles = r[SCIMD_USER]?.appRoles ?? [];
  const members = r.members ?? [];
  const list = (items, empty) => (items.length ? h('ul', { class: 'inline' }, items.map((x) => h('li', {}, x))) : empty);
  render(
    `${kind === 'users' ? 'User' : 'Group'} ${name}`,
    h('p', {}, h('a', { href: `#/tenants/${enc(t)}/${kind}` }, `← ${kind === 'users' ? 'Users' : 'Groups'} of ${t}`)),
    h(
      'div',
      { class: 'card' },
      h(
        'dl',
        {},
        h('dt', {}, 'id'),
        h('dd', {}, h('code', {}, r.id)),
        kind === 'users' ? [h('dt', {}, 'State'), h('dd', {}, r.active === false ? 'inactive' : 'active')] : '',
        kind === 'users'
          ? [
              h('dt', {}, 'Groups'),
              h('dd', { id: 'user-groups' }, list(groups.map((g) => h('a', { href: `#/tenants/${enc(t)}/groups/${enc(g.value)}` }, g.display ?? g.value)), 'none')),
            ]
          : '',
        kind === 'users' ? [h('dt', {}, 'Roles (from the IdP)'), h('dd', { id: 'user-roles' }, roles.map((x) => x.value ?? x.display).join(', ') || 'none')] : '',
        kind === 'users' ? [h('dt', {}, 'App roles (role rules)'), h('dd', { id: 'user-app-roles' }, appRoles.join(', ') || 'none')] : '',
        kind === 'groups' ? [h('dt', {}, 'Members'), h('dd', {}, String(members.length))] : '',
        h('dt', {}, 'Last modified'),
        h('dd', {}, when(r.meta?.lastModified)),
      ),
    ),
    inv ? invitationCard(t, r, inv) : '',
    h('h2', {}, 'As SCIM serves it'),
    h('pre', { tabindex: '0' }, JSON.stringify(r, null, 2)),
  );
}

/** Deleted users, newest first, one page of the admin API's cursor paging at a time (never all). */
async function tombstonesPage(t, q) {
  const params = new URLSearchParams({ limit: String(PAGE) });
  for (const k of ['before', 'after']) if (q.get(k)) params.set(k, q.get(k));
  const page = await api('GET', `/tenants/${enc(t)}/tombstones?${params}`);
  const rows = page.tombstones.map((x) =>
    h(
      'tr',
      {},
      h('td', {}, h('a', { href: `#/tenants/${enc(t)}/users/${enc(x.id)}` }, x.data?.userName ?? x.id)),
      h('td', {}, when(x.deletedAt)),
      h('td', {}, h('code', {}, x.id)),
      h('td', {}, restoreButton(t, x, route)),
    ),
  );
  const link = (k, cursor) => `#/tenants/${enc(t)}/tombstones?${k}=${enc(cursor)}`;
  const paged = q.get('before') || q.get('after');
  render(
    `Deleted users of ${t}`,
    h('p', {}, h('a', { href: `#/tenants/${enc(t)}` }, `← Tenant ${t}`)),
    table('Deleted users that can be restored, newest first (tenant setting deprovision.delete = tombstone)', ['userName', 'Deleted', 'id', 'Restore'], rows),
    page.tombstones.length ? '' : h('p', {}, paged ? 'No deleted users on this page.' : 'No deleted users.'),
    h(
      'nav',
      { 'aria-label': 'Pages of deleted users', class: 'pages' },
      page.previous ? h('a', { href: link('after', page.previous) }, '← Previous page') : '',
      paged ? h('a', { href: `#/tenants/${enc(t)}/tombstones` }, 'Newest') : '',
      page.next ? h('a', { href: link('before', page.next) }, 'Next page →') : '',
    ),
  );
}

async function webhooksPage(t) {
  const hooks = await api('GET', `/tenants/${enc(t)}/webhooks`);
  const sections = await Promise.all(
    hooks.map(async (w) => {
      const deliveries = await api('GET', `/tenants/${enc(t)}/webhooks/${enc(w.id)}/deliveries?limit=20`);
      return h(
        'section',
        { class: 'card', 'aria-label': `Webhook ${w.url}` },
        h('h2', {}, w.url),
        h('p', { class: w.state === 'active' ? 'ok' : 'bad' }, `${w.state}${w.failedReason ? `: ${w.failedReason}` : ''} · ${w.enabled ? 'enabled' : 'disabled'} · lag ${w.lag} · delivered up to #${w.deliveredSeq}`),
        h(
          'p',
          {},
          h(
            'button',
            {
              type: 'button',
              class: 'secondary',
              onclick: async () => {
                if (!confirm(`Resume deliveries to ${w.url}?`)) return;
                await api('POST', `/tenants/${enc(t)}/webhooks/${enc(w.id)}/replay`, {});
                say('Deliveries resume');
                route();
              },
            },
            'Replay',
          ),
        ),
        table(
          `Last deliveries to ${w.url}`,
          ['Time', 'Event', 'Attempt', 'Status', 'Answer'],
          deliveries.map((d) => h('tr', {}, h('td', {}, when(d.at)), h('td', {}, `${d.eventType} #${d.tenantSeq ?? ''}`), h('td', {}, d.attempt), h('td', { class: d.status && d.status < 300 ? 'ok' : 'bad' }, d.status ?? d.error ?? '—'), h('td', {}, d.responseExcerpt ?? ''))),
        ),
      );
    }),
  );
  render(`Webhooks of ${t}`, h('p', {}, h('a', { href: `#/tenants/${enc(t)}` }, `← Tenant ${t}`)), sections.length ? sections : h('p', {}, 'No webhook endpoint (scimd webhook add, or POST /admin/v1/tenants/{t}/webhooks).'));
}

async function eventsPage(t, q) {
  const after = q.get('after');
  const data = await api('GET', `/tenants/${enc(t)}/events?limit=50${after ? `&after=${enc(after)}` : ''}`);
  const rows = data.events.map((e) => h('tr', {}, h('td', {}, e.tenantSeq), h('td', {}, when(e.at)), h('td', {}, e.type), h('td', {}, `${e.resourceType ?? ''} ${e.resourceId ?? ''}`), h('td', {}, (e.paths ?? []).join(', '))));
  render(
    `Events of ${t}`,
    h('p', {}, h('a', { href: `#/tenants/${enc(t)}` }, `← Tenant ${t}`)),
    table(`Events of ${t}, oldest first`, ['#', 'Time', 'Type', 'Resource', 'Changed'], rows),
    data.hasMore ? h('p', {}, h('a', { href: `#/tenants/${enc(t)}/events?after=${enc(data.cursor)}` }, 'Later events →')) : '',
  );
}

// ---- Routing ----------------------------------------------------------------------------------

async function route() {
  if (!session) return;
  const [path, query = ''] = location.hash.replace(/^#/, '').split('?');
  const q = new URLSearchParams(query);
  const parts = (path || '/tenants').split('/').filter(Boolean).map(decodeURIComponent);
  try {
    if (parts[0] === 'requests' && parts[1]) await requestPage(parts[1]);
    else if (parts[0] === 'requests') await requestsPage(q);
    else if (parts[0] === 'tenants' && parts[1] && parts[2] === 'clients' && parts[3]) await clientPage(parts[1], parts[3]);
    else if (parts[0] === 'tenants' && parts[1] && (parts[2] === 'users' || parts[2] === 'groups') && parts[3]) await resourcePage(parts[1], parts[2], parts[3]);
    else if (parts[0] === 'tenants' && parts[1] && (parts[2] === 'users' || parts[2] === 'groups')) await directoryPage(parts[1], parts[2], q);
    else if (parts[0] === 'tenants' && parts[1] && parts[2] === 'tombstones') await tombstonesPage(parts[1], q);
    else if (parts[0] === 'tenants' && parts[1] && parts[2] === 'webhooks') await webhooksPage(parts[1]);
    else if (parts[0] === 'tenants' && parts[1] && parts[2] === 'events') await eventsPage(parts[1], q);
    else if (parts[0] === 'tenants' && parts[1]) await tenantPage(parts[1]);
    else await tenantsPage(q);
  } catch (e) {
    if (e.status !== 401) render('Something went wrong', errorBox(e), h('p', {}, h('a', { href: '#/tenants' }, 'Back to the tenants')));
  }
}

window.addEventListener('hashchange', route);

(async () => {
  try {
    startSession(await api('GET', '/session'));
    route();
  } catch {
    showSignIn();
  }
})();
