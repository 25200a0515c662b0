// The kiosk status board: signed in once with its board device's credentials, it polls
// GET /api/crisisroom/board every few seconds and shows the situation in large type.
// Its sign-in is kept under its own key, apart from a person's sign-in in the main app.

import { t, lang, setLang, addStrings } from '/js/i18n.js';
import { api } from '/js/api.js';
// The board shows the staff's time (Europe/Berlin, 24 h) whatever zone the kiosk box is set to.
const TZ = 'Europe/Berlin';

addStrings({
  de: {
    brd_signinTitle: 'Lagetafel anmelden', brd_signinHelp: 'Melden Sie die Lagetafel mit den Zugangsdaten an, die beim Anlegen des Geräts gezeigt wurden.',
    brd_user: 'Gerätename', brd_pass: 'Passwort', brd_signIn: 'Anmelden', brd_wrong: 'Gerätename oder Passwort stimmt nicht.',
    brd_notBoard: 'Dieses Gerät ist keine Lagetafel.', brd_offline: 'Keine Verbindung zum Server.', brd_expired: 'Die Anmeldung der Tafel gilt nicht mehr.',
    brd_noItems: 'Keine Lagemeldungen.',
  },
  en: {
    brd_signinTitle: 'Sign in the status board', brd_signinHelp: 'Sign in the status board with the device credentials shown when it was added.',
    brd_user: 'Device name', brd_pass: 'Password', brd_signIn: 'Sign in', brd_wrong: 'Wrong device name or password.',
    brd_notBoard: 'This device is not a status board.', brd_offline: 'No connection to the server.', brd_expired: 'The board\'s sign-in is no longer valid.',
    brd_noItems: 'No situation items.',
  },
});

// The sign-in form speaks the language picked with its button (German first).
function paintSignIn() {
  for (const e of document.querySelectorAll('#signin [data-t]')) e.textContent = t(e.dataset.t);
  const b = document.getElementById('b-lang');
  b.textContent = lang() === 'de' ? 'English' : 'Deutsch';
  b.lang = lang() === 'de' ? 'en' : 'de';
}
document.getElementById('b-lang').onclick = () => { setLang(lang() === 'de' ? 'en' : 'de'); paintSignIn(); };
paintSignIn();

const KEY = 'crisisroom_board_auth';
const POLL_MS = 3000;
const $ = id => document.getElementById(id);

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined && text !== null) e.textContent = text;
  return e;
}

function wanted() {
  const fromHash = decodeURIComponent(location.hash.replace(/^#/, ''));
  const fromPath = location.pathname.startsWith('/board/') ? decodeURIComponent(location.pathname.slice(7)) : '';
  return (fromHash || fromPath).trim().toLowerCase();
}

function stored() {
  try {
    const a = JSON.parse(localStorage.getItem(KEY) || 'null');
    if (!a || !a.token) return null;
    const w = wanted();
    if (w && a.record && a.record.username !== w) return null; // this screen is meant for another board
    return a;
  } catch { return null; }
}

function showSignIn(msg) {
  $('board').hidden = true;
  $('signin').hidden = false;
  $('b-user').value = wanted() || $('b-user').value;
  const err = $('b-error');
  err.hidden = !msg;
  err.textContent = msg || '';
  ($('b-user').value ? $('b-pass') : $('b-user')).focus();
}

$('signin').querySelector('form').addEventListener('submit', async ev => {
  ev.preventDefault();
  const identity = $('b-user').value.trim().toLowerCase();
  try {
    let body;
    try { body = await api.post('/api/collections/devices/auth-with-password', { identity, password: $('b-pass').value }, { noSignout: true }); }
    catch (e) { throw new Error(e.status === 0 ? t('brd_offline') : t('brd_wrong')); }
    if (body.record.kind !== 'board') throw new Error(t('brd_notBoard'));
    localStorage.setItem(KEY, JSON.stringify({ token: body.token, record: body.record, at: Date.now() }));
    $('b-pass').value = '';
    start();
  } catch (e) {
    showSignIn(e.message);
  }
});

// --- clock ---
function tick() {
  const now = new Date();
  $('clock').textContent = now.toLocaleTimeString('de-DE', { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23', timeZone: TZ });
  $('date').textContent = now.toLocaleDateString('de-DE', { weekday: 'long', day: '2-digit', month: 'long', year: 'numeric', timeZone: TZ });
}

const signals = { warning: 'WARNUNG', all_clear: 'ENTWARNUNG', test: 'PROBEALARM', room_alarm: 'RAUMALARM' };
const hhmm = iso => iso ? new Date(iso).toLocaleTimeString('de-DE', { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: TZ }) : '';

function render(v) {
  $('title').textContent = v.device.name || v.device.username;
  document.title = (v.device.name || v.device.username) + ' – Lagetafel';

  const sirens = $('sirens');
  sirens.replaceChildren(...v.sirens.filter(s => s.state === 'on' || s.state === 'pending').map(s => {
    const d = el('div', 'siren' + (s.state === 'pending' ? ' pending' : ''));
    d.dataset.zone = s.zone;
    d.append(el('span', null, (s.state === 'pending' ? 'Wartet auf Freigabe: ' : '') + 'Sirene ' + s.name + ': ' + (signals[s.signal] || s.signal || '')));
    if (s.state === 'on') d.append(el('small', null, 'bis ' + hhmm(s.until) + (s.confirmed ? ' · vom Gerät bestätigt' : ' · unbestätigt')));
    return d;
  }));

  const items = $('items');
  if (!v.items.length) items.replaceChildren(el('p', 'empty', t('brd_noItems')));
  else items.replaceChildren(...v.items.map(it => {
    const c = el('article', 'card ' + (it.severity || 'info'));
    c.dataset.id = it.id;
    c.append(el('h3', null, it.title));
    if (it.body) c.append(el('p', null, it.body));
    c.append(el('div', 'meta', [it.source, it.time ? 'Stand ' + hhmm(it.time) : '', it.expires ? 'gilt bis ' + hhmm(it.expires) : ''].filter(Boolean).join(' · ')));
    return c;
  }));

  const msgs = $('messages');
  if (!v.messages.length) msgs.replaceChildren(el('p', 'empty', 'Keine.'));
  else msgs.replaceChildren(...v.messages.slice(0, 5).map(m => {
    const c = el('article', 'card msg ' + m.severity);
    c.dataset.id = m.id;
    c.append(el('h3', null, m.title + ' · ' + hhmm(m.time)));
    c.append(el('p', null, m.body));
    if (m.source) c.append(el('div', 'meta', m.source));
    return c;
  }));

  $('devices').replaceChildren(...v.devices.map(d => el('span', 'dev' + (d.online ? ' on' : ''), d.name + (d.online ? '' : ' (offline)'))));
}

// --- polling ---
let timer = 0, lastOk = 0, lastRefresh = 0;

async function poll() {
  clearTimeout(timer);
  const a = stored();
  if (!a) { showSignIn(); return; }
  try {
    const r = await fetch('/api/crisisroom/board', { headers: { Authorization: a.token }, cache: 'no-store' });
    if (r.status === 401 || r.status === 403) {
      localStorage.removeItem(KEY);
      showSignIn(t('brd_expired'));
      return;
    }
    if (!r.ok) throw new Error('HTTP ' + r.status);
    render(await r.json());
    lastOk = Date.now();
    if (Date.now() - (a.at || 0) > 6 * 3600 * 1000 && Date.now() - lastRefresh > 600000) refresh(a);
  } catch { /* shown as stale below; the next poll tries again */ }
  const stale = Date.now() - lastOk > 3 * POLL_MS;
  $('conn').className = stale ? 'stale' : '';
  $('conn').textContent = stale ? 'Keine Verbindung – Stand ' + (lastOk ? new Date(lastOk).toLocaleTimeString('de-DE', { hourCycle: 'h23', timeZone: TZ }) : '–') : '';
  timer = setTimeout(poll, POLL_MS);
}

// A board runs for weeks: renew its token long before it runs out.
async function refresh(a) {
  lastRefresh = Date.now();
  try {
    const r = await fetch('/api/collections/devices/auth-refresh', { method: 'POST', headers: { Authorization: a.token } });
    if (r.ok) {
      const body = await r.json();
      localStorage.setItem(KEY, JSON.stringify({ token: body.token, record: body.record, at: Date.now() }));
    }
  } catch { /* try again later */ }
}

function start() {
  $('signin').hidden = true;
  $('board').hidden = false;
  tick();
  poll();
}

setInterval(tick, 1000);
window.addEventListener('hashchange', () => { if (!stored()) showSignIn(); else poll(); });
if (stored()) start(); else showSignIn();
