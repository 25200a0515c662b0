// join.html: its script (a file, not inline: the CSP allows no inline scripts).
const $ = id => document.getElementById(id);
const msg = $('msg');
const say = (text, cls = '') => { msg.className = cls; msg.textContent = text; };

// The fragment holds "<token>&fp=<first 16 hex digits of the certificate fingerprint>";
// it never reaches a server log. Same rules as hooks.ParseJoinLink.
function parseLink(s) {
s = (s || '').trim();
const i = s.indexOf('#');
if (i >= 0) s = s.slice(i + 1);
else if (s.includes('://')) return null;
let token = '', fp = '';
s.split('&').forEach((part, n) => {
  const eq = part.indexOf('=');
  if (n === 0 && eq < 0) token = part;
  else if (eq > 0 && (part.slice(0, eq) === 't' || part.slice(0, eq) === 'token') && !token) token = part.slice(eq + 1);
  else if (eq > 0 && part.slice(0, eq) === 'fp') { try { fp = decodeURIComponent(part.slice(eq + 1)); } catch { fp = ''; } }
});
if (!/^[A-Za-z0-9_-]{22}$/.test(token)) return null;
fp = fp.replace(/:/g, '').toLowerCase();
if (!/^[0-9a-f]{0,64}$/.test(fp)) fp = '';
return { token, fp };
}

const roleWords = {
admin: 'Admin', operator: 'Bediener/in / operator', member: 'Mitglied / member', guest: 'Gast / guest',
readonly: 'nur lesen / read only',
};
const fmt = iso => { const d = new Date((iso || '').replace(' ', 'T')); return isNaN(d) ? '' : d.toLocaleString('de-DE', { dateStyle: 'medium', timeStyle: 'short' }); };

async function getJSON(url, opts) {
const r = await fetch(url, opts);
const data = await r.json().catch(() => ({}));
if (!r.ok) { const e = new Error(data.message || ('Fehler / error ' + r.status)); e.status = r.status; throw e; }
return data;
}

function storedAuth() {
try { const a = JSON.parse(localStorage.getItem('pocketbase_auth') || 'null'); return a && a.token ? a : null; } catch { return null; }
}

async function showTrust(fp) {
const box = $('trust');
try {
  const tr = await getJSON('/api/crisisroom/trust');
  const server = tr.fingerprint.replace(/:/g, '').toLowerCase();
  box.hidden = false;
  box.replaceChildren();
  const add = (tag, text, id) => { const el = document.createElement(tag); el.textContent = text; if (id) el.id = id; box.append(el); };
  if (fp) {
    const ok = fp.length >= 16 && server.startsWith(fp);
    box.classList.add(ok ? 'match' : 'mismatch');
    add('p', ok ? '✓ Das Zertifikat stimmt mit dem QR-Code überein. / The certificate matches the QR code.'
                : '✗ Das Zertifikat stimmt NICHT mit dem QR-Code überein. Bitte nicht fortfahren und die Einladenden fragen. / The certificate does NOT match the QR code. Do not continue; ask the inviter.', 'fp-verdict');
    add('div', 'QR-Code:');
    add('code', fp.match(/../g).join(':').toUpperCase() + ' …', 'fp-url');
  }
  add('div', 'Server (SHA-256):');
  add('code', tr.fingerprint, 'fp-server');
  if (location.protocol !== 'https:') {
    const a = document.createElement('a'); a.href = '/trust.html'; a.textContent = 'Zertifikat einrichten / set up the certificate';
    box.append(document.createElement('br'), a);
  }
} catch { /* the invitation still works; the comparison is a help, not a gate */ }
}

let current = null;

async function load(link) {
const parsed = parseLink(link);
if (!parsed) { $('paste').hidden = false; if (link) say('Dieser Link enthält keinen gültigen Einladungscode. / This link holds no valid invitation code.', 'error'); return; }
$('paste').hidden = true;
showTrust(parsed.fp);
say('Einladung wird geprüft … / Checking the invitation …');
let info;
try { info = await getJSON('/api/crisisroom/join/info?token=' + encodeURIComponent(parsed.token)); }
catch (e) { say(e.message, 'error'); return; }
current = { token: parsed.token, info };
say('');
const org = info.organisation || {};
$('org-chip').textContent = org.short || '?';
$('org-chip').style.setProperty('--c', org.color || '#555');
$('org-name').textContent = org.name || '';
const facts = [];
let grants = '';
switch (info.kind) {
  case 'organisation':
    grants = 'Ihre Organisation bekommt einen eigenen Bereich im Krisenstab; Sie werden ihre erste Admin-Person. / Your organisation gets its own area in the crisis staff; you become its first admin.';
    break;
  case 'member':
    grants = 'Sie werden Mitglied von ' + org.name + '. / You become a member of ' + org.name + '.';
    facts.push('Rolle / role: ' + (roleWords[info.role] || info.role));
    break;
  case 'guest':
    grants = 'Gastzugang zum Kanal „' + ((info.channel || {}).name || '') + '“. / Guest access to the channel “' + ((info.channel || {}).name || '') + '”.';
    facts.push('Rechte / rights: ' + (roleWords[info.channel_role] || info.channel_role));
    facts.push('Zugang bis / access until: ' + fmt(info.member_expires));
    break;
  case 'device':
    grants = 'Ein Gerät wird angemeldet: „' + ((info.device || {}).name || '') + '“. / A device is enrolled: “' + ((info.device || {}).name || '') + '”.';
    break;
}
if (info.function) facts.push('Funktion / function: ' + info.function);
if (info.label) facts.push(info.label);
facts.push('Einladung gültig bis / invitation valid until: ' + fmt(info.expires));
$('grants').textContent = grants;
$('facts').replaceChildren(...facts.map(f => { const li = document.createElement('li'); li.textContent = f; return li; }));
$('invite').hidden = false;

if (info.kind === 'device') {
  $('form').hidden = false;
  $('person-fields').hidden = true;
  $('join-submit').textContent = 'Zugangsdaten erzeugen / Create credentials';
  return;
}
$('form').hidden = false;
$('org-fields').hidden = info.kind !== 'organisation';
const me = storedAuth();
if (me && me.record && info.kind !== 'organisation') {
  const b = $('as-me');
  b.hidden = false;
  b.textContent = 'Als ' + (me.record.name || me.record.username) + ' beitreten / Join as ' + (me.record.name || me.record.username);
  b.onclick = () => submit(me.token);
}
(info.kind === 'organisation' ? $('org-name-input') : $('name')).focus();
}

async function submit(existingToken) {
const f = $('form');
const body = { token: current.token };
const kind = current.info.kind;
if (kind !== 'device' && !existingToken) {
  for (const k of ['name', 'username', 'password']) body[k] = f.elements[k].value;
  if (!body.name.trim() || !body.username.trim()) return say('Bitte Name und Benutzername angeben. / Please enter name and user name.', 'error');
  if (body.password.length < 10) return say('Das Passwort braucht mindestens 10 Zeichen. / The password needs at least 10 characters.', 'error');
}
if (kind === 'organisation') {
  body.organisation = f.elements.organisation.value;
  body.short = f.elements.short.value;
  body.kind = f.elements.kind.value;
  if (!body.organisation.trim()) return say('Bitte den Namen Ihrer Organisation angeben. / Please enter your organisation\'s name.', 'error');
}
$('join-submit').disabled = true;
say('Bitte warten … / Please wait …');
try {
  const headers = { 'Content-Type': 'application/json' };
  if (existingToken) headers.Authorization = existingToken;
  const data = await getJSON('/api/crisisroom/join', { method: 'POST', headers, body: JSON.stringify(body) });
  if (kind === 'device') return showDevice(data);
  localStorage.setItem('pocketbase_auth', JSON.stringify({ token: data.token, record: data.record }));
  say('Willkommen! Sie werden angemeldet … / Welcome! Signing you in …', 'ok');
  location.replace('/');
} catch (e) {
  say(e.message, 'error');
  $('join-submit').disabled = false;
}
}

function showDevice(data) {
const d = data.device;
$('form').hidden = true;
$('device').hidden = false;
$('creds').replaceChildren(...[
  ['Broker', d.broker], ['Benutzername / user name', d.username], ['Passwort / password', d.password], ['Themen-Präfix / topic prefix', d.topic_prefix],
].map(([k, v]) => { const p = document.createElement('div'); p.textContent = k + ': ' + (v || '–'); return p; }));
if (data.qr) $('device-qr').src = data.qr; else $('device-qr').hidden = true;
say('Gerät angemeldet. / Device enrolled.', 'ok');
// Not in history: going back must not show the password to the next person.
history.replaceState(null, '', location.pathname);
}

$('form').addEventListener('submit', ev => { ev.preventDefault(); submit(); });
$('use-link').onclick = () => load($('link').value);
window.addEventListener('hashchange', () => load(location.hash));
load(location.hash);
