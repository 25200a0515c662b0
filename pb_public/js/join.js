// join.html: its script (a file, not inline: the CSP allows no inline scripts). The
// page speaks the language the person picks (German first), through the shared i18n
// table; the server's refusals come in that language too (api.js).
import { t, lang, setLang, addStrings } from '/js/i18n.js';
import { api, saveAuth, auth as storedAuthRecord } from '/js/api.js';

addStrings({
  de: {
    join_title: 'Einladung', join_pasteHelp: 'Bitte den QR-Code der Einladung mit der Kamera scannen oder den Link hier einfügen.',
    join_link: 'Einladungslink', join_continue: 'Weiter', join_invitesYou: 'lädt Sie ein',
    join_orgName: 'Name Ihrer Organisation', join_orgShort: 'Kurzname (z. B. THW)', join_orgKind: 'Art',
    join_kind_police: 'Polizei', join_kind_fire: 'Feuerwehr', join_kind_ems: 'Rettungsdienst', join_kind_clinic: 'Klinik', join_kind_administration: 'Verwaltung',
    join_kind_utility: 'Versorger', join_kind_military: 'Bundeswehr', join_kind_ngo: 'Hilfsorganisation', join_kind_other: 'Andere',
    join_name: 'Ihr Name', join_username: 'Benutzername (mindestens 3 Buchstaben oder Ziffern)', join_password: 'Passwort, mindestens 10 Zeichen', join_submit: 'Beitreten',
    join_deviceOnce: 'Zugangsdaten des Geräts – sie werden nur dieses eine Mal angezeigt.', join_deviceHelp: 'Tragen Sie die Daten am Gerät ein oder scannen Sie den Code.',
    join_deviceQr: 'QR-Code mit Broker-Adresse und Zugangsdaten',
    join_role_admin: 'Admin', join_role_operator: 'Bediener/in', join_role_member: 'Mitglied', join_role_guest: 'Gast', join_role_readonly: 'nur lesen',
    join_fpOk: '✓ Das Zertifikat stimmt mit dem QR-Code überein.', join_fpBad: '✗ Das Zertifikat stimmt NICHT mit dem QR-Code überein. Bitte nicht fortfahren und die Einladenden fragen.',
    join_fpQr: 'QR-Code:', join_fpServer: 'Server (SHA-256):', join_setupCert: 'Zertifikat einrichten',
    join_fpPlain: '⚠ Unverschlüsselte Verbindung – das Zertifikat wurde nicht geprüft. Bitte die HTTPS-Adresse aus dem QR-Code öffnen:',
    join_noCode: 'Dieser Link enthält keinen gültigen Einladungscode.', join_checking: 'Einladung wird geprüft …',
    join_grantOrg: 'Ihre Organisation bekommt einen eigenen Bereich im Krisenstab; Sie werden ihre erste Admin-Person.',
    join_grantMember: 'Sie werden Mitglied von {org}.', join_grantGuest: 'Gastzugang zum Kanal „{channel}“.', join_grantDevice: 'Ein Gerät wird angemeldet: „{device}“.',
    join_role: 'Rolle: {role}', join_rights: 'Rechte: {rights}', join_guestUntil: 'Zugang bis: {date}', join_function: 'Funktion: {fn}', join_validUntil: 'Einladung gültig bis: {date}',
    join_createCreds: 'Zugangsdaten erzeugen', join_asMe: 'Als {name} beitreten', join_orNew: 'Oder ein neues, eigenes Konto anlegen:',
    join_needName: 'Bitte Name und Benutzername angeben.', join_needPassword: 'Das Passwort braucht mindestens 10 Zeichen.', join_needOrg: 'Bitte den Namen Ihrer Organisation angeben.',
    join_wait: 'Bitte warten …', join_welcome: 'Willkommen! Sie werden angemeldet …', join_enrolled: 'Gerät angemeldet.',
    join_broker: 'Broker', join_user: 'Benutzername', join_pass: 'Passwort', join_prefix: 'Themen-Präfix', join_offline: 'Keine Verbindung zum Server.',
  },
  en: {
    join_title: 'Invitation', join_pasteHelp: 'Scan the invitation\'s QR code with the camera, or paste its link here.',
    join_link: 'Invitation link', join_continue: 'Continue', join_invitesYou: 'invites you',
    join_orgName: 'Your organisation\'s name', join_orgShort: 'Short name (e.g. THW)', join_orgKind: 'Kind',
    join_kind_police: 'Police', join_kind_fire: 'Fire brigade', join_kind_ems: 'Ambulance service', join_kind_clinic: 'Hospital', join_kind_administration: 'Administration',
    join_kind_utility: 'Utility', join_kind_military: 'Armed forces', join_kind_ngo: 'Aid organisation', join_kind_other: 'Other',
    join_name: 'Your name', join_username: 'User name (3 or more letters or digits)', join_password: 'Password, at least 10 characters', join_submit: 'Join',
    join_deviceOnce: 'The device\'s credentials – shown this one time only.', join_deviceHelp: 'Enter the data on the device or scan the code.',
    join_deviceQr: 'QR code with broker address and credentials',
    join_role_admin: 'Admin', join_role_operator: 'Operator', join_role_member: 'Member', join_role_guest: 'Guest', join_role_readonly: 'read only',
    join_fpOk: '✓ The certificate matches the QR code.', join_fpBad: '✗ The certificate does NOT match the QR code. Do not continue; ask the inviter.',
    join_fpQr: 'QR code:', join_fpServer: 'Server (SHA-256):', join_setupCert: 'Set up the certificate',
    join_fpPlain: '⚠ Unencrypted connection – the certificate was not checked. Please open the HTTPS address from the QR code:',
    join_noCode: 'This link holds no valid invitation code.', join_checking: 'Checking the invitation …',
    join_grantOrg: 'Your organisation gets its own area in the crisis staff; you become its first admin.',
    join_grantMember: 'You become a member of {org}.', join_grantGuest: 'Guest access to the channel “{channel}”.', join_grantDevice: 'A device is enrolled: “{device}”.',
    join_role: 'Role: {role}', join_rights: 'Rights: {rights}', join_guestUntil: 'Access until: {date}', join_function: 'Function: {fn}', join_validUntil: 'Invitation valid until: {date}',
    join_createCreds: 'Create credentials', join_asMe: 'Join as {name}', join_orNew: 'Or create a new account of your own:',
    join_needName: 'Please enter name and user name.', join_needPassword: 'The password needs at least 10 characters.', join_needOrg: 'Please enter your organisation\'s name.',
    join_wait: 'Please wait …', join_welcome: 'Welcome! Signing you in …', join_enrolled: 'Device enrolled.',
    join_broker: 'Broker', join_user: 'User name', join_pass: 'Password', join_prefix: 'Topic prefix', join_offline: 'No connection to the server.',
  },
});

const $ = id => document.getElementById(id);
const msg = $('msg');
// say keeps the key (and values) of what it shows, so a language switch repaints it.
let said = null;
const say = (text, cls = '') => { said = null; msg.className = cls; msg.textContent = text; };
const sayT = (key, cls = '', vars) => { say(t(key, vars), cls); said = { key, cls, vars }; };

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

const roleWord = r => { const k = 'join_role_' + r; const w = t(k); return w === k ? r : w; };
const fmt = iso => { const d = new Date((iso || '').replace(' ', 'T')); return isNaN(d) ? '' : d.toLocaleString(lang() === 'en' ? 'en-GB' : 'de-DE', { dateStyle: 'medium', timeStyle: 'short', hourCycle: 'h23', timeZone: 'Europe/Berlin' }); };

async function getJSON(path, opts = {}) {
  if (opts.method === 'POST') return api.post(path, opts.body, { headers: opts.headers, noSignout: true });
  return api.get(path, { noSignout: true });
}

function storedAuth() { return storedAuthRecord(); }

async function showTrust(fp) {
const box = $('trust');
try {
  const tr = await getJSON('/api/crisisroom/trust');
  const server = tr.fingerprint.replace(/:/g, '').toLowerCase();
  box.hidden = false;
  box.replaceChildren();
  const add = (tag, text, id) => { const el = document.createElement(tag); el.textContent = text; if (id) el.id = id; box.append(el); };
  // Over plain HTTP no certificate carried this page, so comparing the server's word
  // about its fingerprint with the QR code's proves nothing: say so and lead to HTTPS.
  if (fp && location.protocol !== 'https:') {
    box.classList.add('unchecked');
    add('p', t('join_fpPlain'), 'fp-verdict');
    if (tr.https_port) {
      const a = document.createElement('a');
      a.id = 'fp-https';
      a.href = 'https://' + location.hostname + ':' + tr.https_port + '/join' + location.hash;
      a.textContent = a.href.split('#')[0];
      box.append(a);
    }
  } else if (fp) {
    const ok = fp.length >= 16 && server.startsWith(fp);
    box.classList.add(ok ? 'match' : 'mismatch');
    add('p', ok ? t('join_fpOk') : t('join_fpBad'), 'fp-verdict');
    add('div', t('join_fpQr'));
    add('code', fp.match(/../g).join(':').toUpperCase() + ' …', 'fp-url');
  }
  add('div', t('join_fpServer'));
  add('code', tr.fingerprint, 'fp-server');
  if (location.protocol !== 'https:') {
    const a = document.createElement('a'); a.href = '/trust.html'; a.textContent = t('join_setupCert');
    box.append(document.createElement('br'), a);
  }
} catch { /* the invitation still works; the comparison is a help, not a gate */ }
}

let current = null;

async function load(link) {
const parsed = parseLink(link);
if (!parsed) { $('paste').hidden = false; if (link) sayT('join_noCode', 'error'); return; }
$('paste').hidden = true;
showTrust(parsed.fp);
sayT('join_checking');
let info;
try { info = await getJSON('/api/crisisroom/join/info?token=' + encodeURIComponent(parsed.token)); }
catch (e) { say(e.status === 0 ? t('join_offline') : e.message, 'error'); return; }
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
    grants = t('join_grantOrg');
    break;
  case 'member':
    grants = t('join_grantMember', { org: org.name });
    facts.push(t('join_role', { role: roleWord(info.role) }));
    break;
  case 'guest':
    grants = t('join_grantGuest', { channel: (info.channel || {}).name || '' });
    facts.push(t('join_rights', { rights: roleWord(info.channel_role) }));
    facts.push(t('join_guestUntil', { date: fmt(info.member_expires) }));
    break;
  case 'device':
    grants = t('join_grantDevice', { device: (info.device || {}).name || '' });
    break;
}
if (info.function) facts.push(t('join_function', { fn: info.function }));
if (info.label) facts.push(info.label);
facts.push(t('join_validUntil', { date: fmt(info.expires) }));
$('grants').textContent = grants;
$('facts').replaceChildren(...facts.map(f => { const li = document.createElement('li'); li.textContent = f; return li; }));
$('invite').hidden = false;

if (info.kind === 'device') {
  $('form').hidden = false;
  $('person-fields').hidden = true;
  $('join-submit').dataset.t = 'join_createCreds';
  $('join-submit').textContent = t('join_createCreds');
  return;
}
$('form').hidden = false;
$('org-fields').hidden = info.kind !== 'organisation';
const me = storedAuth();
if (me && me.record && info.kind !== 'organisation') {
  const b = $('as-me');
  b.hidden = false;
  b.textContent = t('join_asMe', { name: me.record.name || me.record.username });
  b.onclick = () => submit(me.token);
  // Joining as oneself is what a signed-in person came for: it is the primary button;
  // the form for a second account stays below, quiet, so a hurried hand does not fill it.
  b.classList.remove('secondary');
  $('or-new').hidden = false;
  $('join-submit').classList.add('secondary');
  b.focus();
  return;
}
(info.kind === 'organisation' ? $('org-name-input') : $('name')).focus();
}

async function submit(existingToken) {
const f = $('form');
const body = { token: current.token };
const kind = current.info.kind;
if (kind !== 'device' && !existingToken) {
  for (const k of ['name', 'username', 'password']) body[k] = f.elements[k].value;
  if (!body.name.trim() || !body.username.trim()) return sayT('join_needName', 'error');
  if (body.password.length < 10) return sayT('join_needPassword', 'error');
}
if (kind === 'organisation') {
  body.organisation = f.elements.organisation.value;
  body.short = f.elements.short.value;
  body.kind = f.elements.kind.value;
  if (!body.organisation.trim()) return sayT('join_needOrg', 'error');
}
$('join-submit').disabled = true;
sayT('join_wait');
try {
  const headers = {};
  if (existingToken) headers.Authorization = existingToken;
  const data = await getJSON('/api/crisisroom/join', { method: 'POST', headers, body });
  if (kind === 'device') return showDevice(data);
  saveAuth(data.token, data.record);
  sayT('join_welcome', 'ok');
  location.replace('/');
} catch (e) {
  say(e.status === 0 ? t('join_offline') : e.message, 'error');
  $('join-submit').disabled = false;
}
}

function showDevice(data) {
const d = data.device;
$('form').hidden = true;
$('device').hidden = false;
$('creds').replaceChildren(...[
  [t('join_broker'), d.broker], [t('join_user'), d.username], [t('join_pass'), d.password], [t('join_prefix'), d.topic_prefix],
].map(([k, v]) => { const p = document.createElement('div'); p.textContent = k + ': ' + (v || '–'); return p; }));
if (data.qr) $('device-qr').src = data.qr; else $('device-qr').hidden = true;
sayT('join_enrolled', 'ok');
// Not in history: going back must not show the password to the next person.
history.replaceState(null, '', location.pathname);
}

// paint puts every data-t text of the page into the language in use; a language switch
// reloads the invitation so that its sentences follow.
function paint() {
  document.documentElement.lang = lang();
  document.title = 'crisisroom – ' + t('join_title');
  for (const el of document.querySelectorAll('[data-t]')) el.textContent = t(el.dataset.t);
  $('device-qr').alt = t('join_deviceQr');
  const lb = $('lang');
  lb.textContent = lang() === 'de' ? 'English' : 'Deutsch';
  lb.lang = lang() === 'de' ? 'en' : 'de';
  if (said) sayT(said.key, said.cls, said.vars);
}
$('lang').onclick = () => { setLang(lang() === 'de' ? 'en' : 'de'); paint(); if (current) load(location.hash || $('link').value); };
paint();

$('form').addEventListener('submit', ev => { ev.preventDefault(); submit(); });
$('use-link').onclick = () => load($('link').value);
window.addEventListener('hashchange', () => load(location.hash));
load(location.hash);
