// The page behind a setup link: choose the IdP, get the SCIM URL and a token for a new connection
// pinned to that IdP, follow that IdP's steps (with the field names its screens use), then watch
// its first requests arrive. It calls only this link's own endpoints (/setup/<token>/…).

const base = location.pathname.replace(/\/+$/, '');
const $ = (id) => document.getElementById(id);

function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat(2)) if (c !== undefined && c !== null && c !== false) el.append(c instanceof Node ? c : String(c));
  return el;
}

async function call(method, path, body) {
  const r = await fetch(base + path, { method, headers: body ? { 'content-type': 'application/json' } : {}, body: body ? JSON.stringify(body) : undefined, credentials: 'omit' });
  const data = await r.json().catch(() => ({}));
  if (!r.ok) throw Object.assign(new Error(data.detail ?? `HTTP ${r.status}`), { status: r.status });
  return data;
}

const F = (name) => h('span', { class: 'field' }, `“${name}”`);

/** Each IdP: its name and its steps; `url` and `token` are the values to paste. */
const IDPS = [
  {
    id: 'entra',
    name: 'Microsoft Entra ID',
    steps: (u) => [
      ['In the Microsoft Entra admin center, open ', F('Enterprise applications'), ' → ', F('New application'), ' → ', F('Create your own application'), ' and choose ', F('Integrate any other application you don’t find in the gallery (Non-gallery)'), '.'],
      ['Open ', F('Provisioning'), ', set ', F('Provisioning Mode'), ' to ', F('Automatic'), '.'],
      ['Under ', F('Admin Credentials'), ': ', F('Tenant URL'), ' = ', h('code', {}, u), ' and ', F('Secret Token'), ' = the token above.'],
      ['Press ', F('Test Connection'), ', then ', F('Save'), '.'],
      ['Assign users and groups under ', F('Users and groups'), ', then ', F('Start provisioning'), ' (or ', F('Provision on demand'), ' for one user).'],
    ],
  },
  {
    id: 'okta',
    name: 'Okta',
    steps: (u) => [
      ['In the Okta Admin Console: ', F('Applications'), ' → ', F('Create App Integration'), ' (SAML 2.0 or SWA). On its ', F('General'), ' tab, ', F('App Settings'), ' → ', F('Edit'), ', tick ', F('Enable SCIM provisioning'), ', save.'],
      ['On the ', F('Provisioning'), ' tab → ', F('Integration'), ' → ', F('Edit'), ': ', F('SCIM connector base URL'), ' = ', h('code', {}, u), '.'],
      [F('Unique identifier field for users'), ' = ', h('code', {}, 'userName'), '.'],
      [F('Supported provisioning actions'), ': ', F('Push New Users'), ', ', F('Push Profile Updates'), ', ', F('Push Groups'), '.'],
      [F('Authentication Mode'), ': ', F('HTTP Header'), '; ', F('Authorization'), ' = the token above.'],
      ['Press ', F('Test Connector Configuration'), ', then ', F('Save'), '. Under ', F('To App'), ', enable ', F('Create Users'), ', ', F('Update User Attributes'), ' and ', F('Deactivate Users'), '.'],
    ],
  },
  { id: 'google', name: 'Google Workspace', unsupported: 'Google Workspace does not send users to other applications over SCIM (it provisions only to the applications in its own catalogue). Use another identity provider, or ask the person who sent you this link for another way.' },
  {
    id: 'onelogin',
    name: 'OneLogin',
    steps: (u) => [
      [F('Applications'), ' → ', F('Add App'), ' → ', F('SCIM Provisioner with SAML (SCIM v2 Enterprise)'), '.'],
      ['On ', F('Configuration'), ': ', F('SCIM Base URL'), ' = ', h('code', {}, u), ', ', F('SCIM Bearer Token'), ' = the token above; press ', F('Enable'), '.'],
      ['On ', F('Provisioning'), ': tick ', F('Enable provisioning'), ', save, and assign users.'],
    ],
  },
  {
    id: 'jumpcloud',
    name: 'JumpCloud',
    steps: (u) => [
      [F('SSO Applications'), ' → ', F('Add New Application'), ' → ', F('Custom Application'), ', with ', F('Identity Management'), ' enabled.'],
      ['On the ', F('Identity Management'), ' tab: ', F('SCIM Version'), ' = SCIM 2.0, ', F('Base URL'), ' = ', h('code', {}, u), ', ', F('Token Key'), ' = the token above.'],
      ['Fill ', F('Test User Email'), ', press ', F('Test Connection'), ', then ', F('Activate'), ' and bind user groups.'],
    ],
  },
  {
    id: 'pingone',
    name: 'PingOne',
    steps: (u) => [
      [F('Integrations'), ' → ', F('Provisioning'), ' → ', F('New Connection'), ' → ', F('Identity Store'), ' → ', F('SCIM Outbound'), '.'],
      [F('SCIM BASE URL'), ' = ', h('code', {}, u), '; ', F('Authentication Method'), ' = ', F('OAuth 2 Bearer Token'), '; ', F('Oauth Access Token'), ' = the token above.'],
      ['Press ', F('Test Connection'), ', save, enable it, and add a ', F('New Rule'), ' for the users to provision.'],
    ],
  },
  {
    id: 'authentik',
    name: 'authentik',
    steps: (u) => [
      [F('Applications'), ' → ', F('Providers'), ' → ', F('Create'), ' → ', F('SCIM Provider'), '.'],
      [F('URL'), ' = ', h('code', {}, u), ', ', F('Token'), ' = the token above; save.'],
      ['Add the provider to your application as a ', F('Backchannel Provider'), '; it syncs at once and then on every change.'],
    ],
  },
  {
    id: 'keycloak',
    name: 'Keycloak',
    steps: (u) => [
      ['Keycloak needs a SCIM client extension (for example scim-for-keycloak) installed in the server.'],
      ['In the realm, add a SCIM endpoint to the extension: base URL ', h('code', {}, u), ', authentication ', F('Bearer'), ' with the token above.'],
      ['Enable user (and group) propagation, then create or update a user to send the first request.'],
    ],
  },
  {
    id: 'other',
    name: 'Another SCIM 2.0 client',
    steps: (u) => [
      ['Set the SCIM 2.0 base URL to ', h('code', {}, u), '.'],
      ['Authenticate with the header ', h('code', {}, 'Authorization: Bearer <token>'), ' and the token above.'],
      ['Match users on ', h('code', {}, 'userName'), '. The server recognises the client from its requests.'],
    ],
  },
];

let lastId = 0;
let polling;

function say(text, ok) {
  const v = $('verdict');
  v.textContent = text;
  v.className = ok === undefined ? '' : ok ? 'ok' : 'bad';
}

function showArrival(r) {
  const li = h(
    'li',
    {},
    h('span', { class: r.ok ? 'ok' : 'bad' }, r.ok ? '✔ ' : '✘ ', `${r.method} ${r.path} → ${r.status}`),
    r.detail ? h('div', {}, 'Detail: ', r.detail) : '',
    r.hint ? h('div', {}, 'Fix: ', r.hint) : '',
    (r.notes ?? []).length ? h('div', { class: 'muted' }, 'Adjusted for this IdP: ', r.notes.join('; ')) : '',
  );
  $('arrivals').append(li);
}

async function poll() {
  try {
    const { requests } = await call('GET', `/requests?after=${lastId}`);
    for (const r of requests) {
      lastId = Math.max(lastId, r.id);
      showArrival(r);
    }
    const last = requests[requests.length - 1];
    if (last) say(last.ok ? 'Connected: the last request succeeded.' : `The last request failed (${last.status}): see the fix below it.`, last.ok);
  } catch (e) {
    say(e.message, false);
    clearInterval(polling);
  }
}

function chosen(idp, issued) {
  const url = issued.scimEndpoint;
  $('credentials').hidden = false;
  const tokenCode = h('code', { id: 'token' }, issued.token);
  $('credentials-body').replaceChildren(
    h('dl', {}, h('dt', {}, 'SCIM URL (Tenant URL)'), h('dd', {}, h('code', { id: 'scim-url' }, url)), h('dt', {}, 'Token (shown only now)'), h('dd', {}, tokenCode)),
    h(
      'button',
      {
        type: 'button',
        class: 'secondary',
        onclick: async () => {
          try {
            await navigator.clipboard.writeText(issued.token);
            say('Token copied.');
          } catch {
            getSelection().selectAllChildren(tokenCode);
          }
        },
      },
      'Copy token',
    ),
  );
  $('steps').hidden = false;
  $('steps-list').replaceChildren(...idp.steps(url, issued.token).map((parts) => h('li', {}, parts)));
  $('test').hidden = false;
}

async function start() {
  let link;
  try {
    link = await call('GET', '/link');
  } catch (e) {
    $('intro').textContent = e.message;
    return;
  }
  $('intro').textContent = `This page connects your identity provider to ${link.tenant}: users and groups you assign there are created, updated and removed here. The link works until ${new Date(link.expiresAt).toLocaleString()}.`;
  $('choices').replaceChildren(...IDPS.map((i, n) => h('label', {}, h('input', { type: 'radio', name: 'idp', value: i.id, required: true, checked: n === 0 }), i.name)));
  $('choose').hidden = false;
  $('idp-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const id = new FormData(ev.target).get('idp');
    const idp = IDPS.find((i) => i.id === id);
    $('idp-form').querySelector('.notice')?.remove();
    if (!idp) return;
    if (idp.unsupported) {
      $('idp-form').append(h('p', { class: 'notice', role: 'alert' }, `${idp.name} is not supported. ${idp.unsupported}`));
      return;
    }
    try {
      chosen(idp, await call('POST', '/client', { idp: idp.id }));
      $('credentials').scrollIntoView();
      $('token').setAttribute('tabindex', '0');
      $('token').focus();
    } catch (e) {
      $('idp-form').append(h('p', { class: 'notice', role: 'alert' }, e.message));
    }
  });
  $('test-button').addEventListener('click', () => {
    say('Waiting for the first request from your identity provider…');
    clearInterval(polling);
    polling = setInterval(poll, 1000);
    void poll();
  });
}

void start();
