// crisisroom web app: sign-in, tenant switcher, main navigation and the views.
//
// EXTENSION POINTS (for new screens such as enrolment, devices and sirens, status board)
//
//  1. Write a view module under pb_public/js/views/, e.g. views/devices.js:
//
//       export default {
//         id: 'devices',                                // unique, used in the URL hash (#devices)
//         title: { de: 'Geräte', en: 'Devices' },       // shown in the main navigation
//         icon: 'board',                                 // a name from ICONS in ui.js, or short text
//         visible(ctx) { return ctx.hostOperator; },    // whether this user sees the entry
//         render(el, ctx) { ... return () => {...}; },  // fill el; may return a cleanup function
//       };
//
//  2. Add its path to the array in pb_public/js/views/registry.js. The entry appears in
//     the main navigation next to "Nachrichten"; render runs when it is opened and again
//     after a tenant switch (the cleanup returned by the previous render runs first).
//
//  ctx (a fresh object per render):
//    api        fetch wrapper with the Authorization header: api.get(path), api.post(path, body),
//               api.patch(path, body), api.del(path). Bodies are JSON, or FormData as is.
//               Failures throw an Error with .status (0 = no connection) and the server's
//               message as .message. A 401 signs the user out everywhere on this device.
//    upload(method, path, formData, onProgress(0..1)) multipart upload with real progress.
//    t(key, vars), lang(), addStrings({de:{...}, en:{...}})  from ./i18n.js (call addStrings
//               at module top level for the view's own strings).
//    me         the signed-in user record {id, name, username, ...}
//    tenant     the organisation in view: {id, name, short, kind, color, role, function, expires}
//    tenants    all of the user's organisations (same shape); hostOperator: bool
//    host       the host organisation as far as the user's tenants show it (or null)
//    realtime   { subscribe(topic, cb(event)) -> unsubscribe }: PocketBase realtime topics
//               (e.g. 'devices/*', 'crisisroom/me'); reconnects and resubscribes by itself.
//               realtime.onReconnect(fn) -> unsubscribe, to fetch what was missed.
//    toast(msg, kind)   short notice ('info' | 'error')
//    h(tag, attrs, ...children), dialog(title, body, {actions}), confirmDialog(q) from ./ui.js
//    navigate(viewId)   open another view
//    switchTenant(orgId, viewId?)  show another of the person's organisations (in viewId);
//               resolves to false when orgId is not one of them
//
//  CSS: pb_public/app.css defines .panel, .btn/.primary, table.list, .chip (--c colour),
//  .field, .grid-form; reuse them so every screen looks alike.

import { t, lang, setLang, addStrings } from './i18n.js';
import { api, upload, auth, saveAuth, onSignedOut, signOut } from './api.js';
import { createRealtime } from './realtime.js';
import { h, clear, toast, dialog, confirmDialog, orgChip, fmtTime, icon, iconOrText, labelTables } from './ui.js';
import { createMessaging } from './messaging.js';
import viewPaths from './views/registry.js';
import extensionPaths from './extensions.js';
import { topBarSlots, userMenuItems, onSignIn, redrawBanners } from './shell.js';

const root = document.getElementById('app');
const realtime = createRealtime();
let me = null, tenants = [], tenant = null, hostOperator = false;
let views = [], currentView = 'messages', cleanup = null, unread = {}, messaging = null;
let meUnsub = null, connUnsub = null, extensionsLoaded = null, signInCleanups = [];

if ('serviceWorker' in navigator && window.isSecureContext) {
  navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch(e => console.warn('service worker', e));
}
document.documentElement.lang = lang();

addStrings({
  de: {
    signInLastTry: 'Noch 1 Versuch, dann ist die Anmeldung für 15 Minuten gesperrt.',
    signInWhom: 'Ihre Verwaltung (Admin Ihrer Organisation) kann das Passwort zurücksetzen.',
    fieldRequired: 'Bitte dieses Feld ausfüllen.', fieldInvalid: 'Bitte eine gültige Eingabe machen.',
    dateHint: 'Eingabe: {format}',
  },
  en: {
    signInLastTry: '1 more try, then signing in is locked for 15 minutes.',
    signInWhom: 'Your administration (an admin of your organisation) can reset the password.',
    fieldRequired: 'Please fill in this field.', fieldInvalid: 'Please enter a valid value.',
    dateHint: 'Format: {format}',
  },
});

// The browser's own checks of a form speak the browser's language, not the app's: a
// required field left empty says so in the language chosen here (every form of the app).
document.addEventListener('invalid', ev => {
  const el = ev.target;
  if (!el || typeof el.setCustomValidity !== 'function' || !el.validity) return;
  if (el.validity.customError && !el.dataset.appValidity) return; // a view's own message
  el.setCustomValidity(''); // judge the value anew, not the message set last time
  if (el.validity.valid) return;
  el.dataset.appValidity = '1';
  el.setCustomValidity(el.validity.valueMissing ? t('fieldRequired') : t('fieldInvalid'));
}, true);
document.addEventListener('input', ev => {
  const el = ev.target;
  if (el && el.dataset && el.dataset.appValidity) { el.setCustomValidity(''); delete el.dataset.appValidity; }
}, true);

// Date and time fields are drawn by the browser in its own language's order (mm/dd/yyyy
// with AM/PM in an English browser): a hint under each says what to type, in the words
// of the app's language.
function dateFormat(type) {
  const d = new Date(2026, 10, 22, 15, 4);
  const opts = type === 'time' ? { hour: 'numeric', minute: '2-digit' } : type === 'date' ? { year: 'numeric', month: '2-digit', day: '2-digit' }
    : { year: 'numeric', month: '2-digit', day: '2-digit', hour: 'numeric', minute: '2-digit' };
  const en = lang() === 'en';
  const words = { year: en ? 'yyyy' : 'JJJJ', month: en ? 'mm' : 'MM', day: en ? 'dd' : 'TT', hour: en ? 'hh' : 'hh', minute: 'mm', dayPeriod: 'AM/PM' };
  try {
    return new Intl.DateTimeFormat(navigator.language || 'de-DE', opts).formatToParts(d).map(p => words[p.type] || p.value).join('');
  } catch { return ''; }
}
let hintQueued = false;
function hintDates() {
  hintQueued = false;
  for (const el of document.querySelectorAll('input[type=date]:not([data-hinted]), input[type=datetime-local]:not([data-hinted]), input[type=time]:not([data-hinted])')) {
    el.dataset.hinted = '1';
    const f = dateFormat(el.type);
    if (!f) continue;
    const hint = h('small.datehint', t('dateHint', { format: f }));
    el.after(hint);
    if (!el.getAttribute('aria-describedby')) { hint.id = 'dh-' + Math.random().toString(36).slice(2, 9); el.setAttribute('aria-describedby', hint.id); }
  }
}
new MutationObserver(() => { if (!hintQueued) { hintQueued = true; requestAnimationFrame(hintDates); } }).observe(document.body, { childList: true, subtree: true });

onSignedOut(() => {
  for (const f of signInCleanups) { try { f(); } catch (e) { console.error(e); } }
  signInCleanups = [];
  realtime.stop();
  if (messaging) messaging.stop();
  messaging = null; me = null;
  showSignIn(t('signedOutNotice'));
});

async function loadViews() {
  const out = [];
  for (const p of viewPaths) {
    try {
      const mod = await import(new URL(p, new URL('./views/', import.meta.url)).href);
      if (mod.default && mod.default.id) out.push(mod.default);
    } catch (e) { console.error('view', p, e); }
  }
  return out;
}

// loadExtensions imports the modules of extensions.js once (they register with shell.js
// and messaging/state.js at load).
function loadExtensions() {
  if (!extensionsLoaded) {
    extensionsLoaded = Promise.all(extensionPaths.map(p => import(new URL(p, import.meta.url).href).catch(e => console.error('extension', p, e))));
  }
  return extensionsLoaded;
}

function slots(list) {
  const c = ctxFor();
  return list.map(f => { try { return f(c); } catch (e) { console.error(e); return null; } }).filter(Boolean);
}

function langButton() {
  return h('button.btn.lang', { lang: lang() === 'de' ? 'en' : 'de',
    type: 'button', title: t('switchLanguage'), 'aria-label': t('switchLanguage'),
    onclick: () => { setLang(lang() === 'de' ? 'en' : 'de'); document.documentElement.lang = lang(); me ? renderShell() : showSignIn(); },
  }, lang() === 'de' ? 'English' : 'Deutsch');
}

function showSignIn(notice) {
  if (cleanup) { try { cleanup(); } catch { /* view gone */ } cleanup = null; }
  document.title = t('appTitle');
  const err = h('p.error', { role: 'alert', id: 'signin-error' });
  const id = h('input', { name: 'identity', id: 'identity', required: true, autocomplete: 'username', autocapitalize: 'none', spellcheck: false });
  const pw = h('input', { name: 'password', id: 'password', type: 'password', required: true, autocomplete: 'current-password' });
  const btn = h('button.primary.big', { type: 'submit' }, t('signIn'));
  const setup = h('p', { hidden: true }, h('a.btn', { href: '/setup.html' }, t('firstSetup')));
  const form = h('form.signin.panel', { 'aria-labelledby': 'signin-title' },
    h('div.brand-big', h('img', { src: '/icons/icon.svg', alt: '', width: 56, height: 56 }), h('div', h('h1#signin-title', t('appName')), h('p.muted', t('tagline')))),
    notice ? h('p.notice', { role: 'status' }, notice) : null,
    h('label.field', { for: 'identity' }, t('identity')), id,
    h('label.field', { for: 'password' }, t('password')), pw,
    btn, err, setup,
    h('div.signin-foot', langButton()));
  form.onsubmit = async ev => {
    ev.preventDefault();
    err.textContent = '';
    btn.disabled = true; btn.textContent = t('pleaseWait');
    try {
      const r = await api.post('/api/collections/users/auth-with-password', { identity: id.value.trim(), password: pw.value }, { noSignout: true });
      saveAuth(r.token, r.record);
      await start();
    } catch (e) {
      // The server tells how many tries are left (the same for every name typed): warn
      // before the last one, and when locked say whom to ask.
      const left = e.data && typeof e.data.attempts_left === 'number' ? e.data.attempts_left : -1;
      err.textContent = e.status === 429 ? e.message + ' ' + t('signInWhom')
        : e.status === 400 && left === 0 ? t('signInFailed') + ' ' + t('signInWhom')
        : e.status === 400 ? t('signInFailed') + (left === 1 ? ' ' + t('signInLastTry') : '')
        : e.status === 0 ? t('offlineSignIn') : e.message;
      btn.disabled = false; btn.textContent = t('signIn');
      pw.select();
    }
  };
  clear(root, h('div.signin-wrap', form));
  id.focus();
  api.get('/api/crisisroom/setup').then(r => { if (r && r.needed) setup.hidden = false; }).catch(() => {});
}

function ctxFor() {
  return {
    api, upload, t, lang, me, tenant, tenants, hostOperator, realtime, toast, h, dialog, confirmDialog,
    host: tenants.find(x => x.kind === 'host') || null,
    navigate: id => openView(id),
    switchTenant: (id, view) => switchTenant(id, view),
  };
}

function tenantButton(x) {
  const n = unread[x.id] || 0;
  const active = tenant && x.id === tenant.id;
  return h('button.tenant', {
    type: 'button', style: { '--c': x.color || '#555' }, 'aria-pressed': active ? 'true' : 'false',
    title: x.name, dataset: { org: x.id },
    'aria-label': x.name + (n ? ', ' + t('unreadN', { n }) : ''),
    onclick: () => switchTenant(x.id),
  }, h('span.tenant-short', x.short || x.name), n ? h('span.badge', { 'aria-hidden': 'true' }, n > 99 ? '99+' : String(n)) : null);
}

function renderTenants() {
  const nav = document.getElementById('tenants');
  if (nav) clear(nav, tenants.map(tenantButton));
}

// Areas whose icon another area shares (a siren for Sirenen and Stab alarmieren, a
// screen for Lage and ZeMAG, a speech bubble for Nachrichten and Beschwerden) get one of
// their own in the top bar; long names a short word (the full name stays the tooltip).
const NAV_ICON = { callout: 'megaphone', situation: 'map', zemag: 'shield', complaints: 'flag' };
const NAV_SHORT = { journal: 'nav_journal', callout: 'nav_callout' };
// The top bar's order: what a person in the staff room does most and in a hurry first
// (the call-out and the search for an operator), administration last, so that on a
// narrow bar "Mehr ▾" takes the rarely used ones. Areas not named keep their place
// from registry.js before the administration.
const NAV_ORDER = ['messages', 'callout', 'search', 'situation', 'journal', 'forms', 'fax', 'roster', 'sirens', 'devices', 'zemag', 'complaints'];
const NAV_LAST = ['invitations', 'admin'];
// Never folded into "Mehr ▾": the messages and, for those who may alarm (the view is only
// in their bar), the staff call-out, their most urgent action: one tap on a phone too.
const NAV_KEEP = new Set(['messages', 'callout']);
const navRank = id => { const i = NAV_ORDER.indexOf(id); if (i >= 0) return i; const j = NAV_LAST.indexOf(id); return j >= 0 ? 1000 + j : 500; };

function renderNav() {
  const nav = document.getElementById('views');
  if (!nav) return;
  const c = ctxFor();
  const entries = [{ id: 'messages', title: { de: t('messages'), en: t('messages') }, icon: 'chat' }, ...views.filter(v => { try { return v.visible ? v.visible(c) : true; } catch { return false; } })]
    .map((v, i) => [v, i]).sort((a, b) => navRank(a[0].id) - navRank(b[0].id) || a[1] - b[1]).map(x => x[0]);
  const title = v => v.title[lang()] || v.title.de;
  const more = h('button.navmore#nav-more', { type: 'button', hidden: true, 'aria-haspopup': 'menu', 'aria-expanded': 'false', onclick: ev => { ev.stopPropagation(); toggleNavMenu(); } }, t('navMore'), ' ▾');
  clear(nav, entries.map(v => h('button.navbtn', {
    type: 'button', 'aria-current': v.id === currentView ? 'page' : 'false', dataset: { view: v.id },
    onclick: () => openView(v.id),
    title: title(v), 'aria-label': title(v),
  }, iconOrText(NAV_ICON[v.id] || v.icon), h('span.navlbl', NAV_SHORT[v.id] ? t(NAV_SHORT[v.id]) : title(v)))), more);
  fitNav();
  if (!navWatch && window.ResizeObserver) {
    // The room the areas have changes with the window and with the chips in the tools
    // (a queue count, the briefing countdown): measured again whenever the nav's width does.
    let last = -1;
    navWatch = new ResizeObserver(() => { const n = document.getElementById('views'); if (n && n.clientWidth !== last) { last = n.clientWidth; fitNav(); } });
  }
  if (navWatch) { navWatch.disconnect(); navWatch.observe(nav); }
}
let navWatch = null;

// fitNav shows the areas that fit in the bar, in order, and puts the rest in the
// "Mehr ▾" menu: measured, not guessed from the window's width. Which view is open does
// not change what is shown where (a bar that rearranges under the hand is a bar one
// cannot learn); an open view from the menu marks "Mehr" as the current place.
function fitNav() {
  const nav = document.getElementById('views');
  if (!nav) return;
  closeNavMenu();
  const more = nav.querySelector('#nav-more');
  const items = [...nav.querySelectorAll('button.navbtn[data-view]')];
  for (const b of items) b.hidden = false;
  more.hidden = true;
  more.classList.remove('current');
  // On a narrow bar only the open area shows its word: measure as if the one of the
  // shown areas whose word is widest were open, so that opening another never pushes an
  // area out or pulls one in.
  const closedW = [], openW = [];
  for (const b of items) {
    const was = b.getAttribute('aria-current');
    b.setAttribute('aria-current', 'false'); closedW.push(b.offsetWidth);
    b.setAttribute('aria-current', 'page'); openW.push(b.offsetWidth);
    b.setAttribute('aria-current', was);
  }
  const curI = items.findIndex(b => b.getAttribute('aria-current') === 'page');
  const worst = () => {
    let grow = 0;
    items.forEach((b, i) => { if (!b.hidden) grow = Math.max(grow, openW[i] - closedW[i]); });
    return grow - (curI >= 0 && !items[curI].hidden ? openW[curI] - closedW[curI] : 0);
  };
  // The content's own width (scrollWidth is the box's while the content is narrower).
  const used = () => { const shown = [...nav.children].filter(c => !c.hidden); return shown.length ? shown[shown.length - 1].getBoundingClientRect().right - nav.getBoundingClientRect().left : 0; };
  const fits = () => used() + worst() <= nav.clientWidth + 1;
  if (fits()) return;
  more.hidden = false;
  for (let i = items.length - 1; i > 0 && !fits(); i--) if (!NAV_KEEP.has(items[i].dataset.view)) items[i].hidden = true;
  if (items.some(b => b.hidden && b.getAttribute('aria-current') === 'page')) more.classList.add('current');
}

function closeNavMenu() {
  document.getElementById('nav-menu')?.remove();
  document.getElementById('nav-more')?.setAttribute('aria-expanded', 'false');
}

function toggleNavMenu() {
  const more = document.getElementById('nav-more');
  if (!more) return;
  if (document.getElementById('nav-menu')) { closeNavMenu(); return; }
  const hidden = [...document.querySelectorAll('#views button.navbtn[data-view][hidden]')];
  const r = more.getBoundingClientRect();
  const menu = h('div.navmenu#nav-menu', { role: 'menu', 'aria-label': t('navMore') }, hidden.map(b => h('button.navmenu-item', {
    type: 'button', role: 'menuitem', dataset: { view: b.dataset.view }, onclick: () => { closeNavMenu(); openView(b.dataset.view); },
  }, b.querySelector('svg')?.cloneNode(true) || '', h('span', b.title))));
  menu.style.top = Math.round(r.bottom + 4) + 'px';
  menu.style.left = Math.round(Math.max(4, Math.min(r.left, window.innerWidth - 260))) + 'px';
  document.body.append(menu);
  more.setAttribute('aria-expanded', 'true');
  menu.querySelector('button')?.focus();
  const away = ev => { if (!menu.isConnected) { document.removeEventListener('click', away, true); return; } if (!menu.contains(ev.target) && !more.contains(ev.target)) { closeNavMenu(); document.removeEventListener('click', away, true); } };
  const esc = ev => { if (ev.key === 'Escape') { closeNavMenu(); more.focus(); document.removeEventListener('keydown', esc); } };
  setTimeout(() => { document.addEventListener('click', away, true); document.addEventListener('keydown', esc); });
}

function renderShell() {
  document.title = t('appTitle');
  const conn = h('span.conn', { id: 'conn', role: 'status' });
  showConn = s => { conn.className = 'conn ' + s; conn.textContent = s === 'online' ? '' : t(s === 'connecting' ? 'connecting' : 'offline'); };
  if (connShown) showConn(connShown); // a shell drawn anew keeps what was shown
  setConn();
  if (connUnsub) connUnsub();
  connUnsub = realtime.onState(setConn);
  const menu = h('button.btn.user', { type: 'button', 'aria-haspopup': 'dialog', id: 'usermenu', onclick: userMenu }, h('span.avatar', { 'aria-hidden': 'true' }, (me.name || me.username || '?').slice(0, 1).toUpperCase()), h('span.user-name', me.name || me.username));
  clear(root,
    h('header.top',
      h('a.brand', { href: '#messages', 'aria-label': t('appName') }, h('img', { src: '/icons/icon.svg', alt: '', width: 28, height: 28 }), h('span', 'crisisroom')),
      h('nav.tenants#tenants', { 'aria-label': t('organisations') }),
      h('nav.views#views', { 'aria-label': t('areas') }),
      h('div.tools', conn, slots(topBarSlots), langButton(), menu)),
    // A click on a banner's text shows it whole (the banners are one line each, app.css).
    h('div#banners', { 'aria-live': 'assertive', onclick: ev => { const b = ev.target.closest('.flash-body'); if (b && b.parentElement) b.parentElement.classList.toggle('expanded'); } }),
    h('main#view', { tabindex: '-1' }));
  renderTenants();
  renderNav();
  renderView();
  // The banners shown (an open call-out, a siren to release) outlive the shell drawn anew.
  redrawBanners();
  labelTables(document.body);
}

function userMenu() {
  const sessionsBtn = h('button.btn.wide', { type: 'button', onclick: () => { d.close(); showSessions(); } }, icon('phone'), ' ', t('signedInDevices'));
  const outBtn = h('button.btn.wide', { type: 'button', onclick: () => { d.close(); signOut('user'); } }, t('signOut'));
  // The language switch here too: on a phone the top bar has no room for it.
  const langBtn = h('button.btn.wide#menu-lang', { type: 'button', lang: lang() === 'de' ? 'en' : 'de', onclick: () => { d.close(); setLang(lang() === 'de' ? 'en' : 'de'); document.documentElement.lang = lang(); renderShell(); } }, lang() === 'de' ? 'English' : 'Deutsch');
  // Quiet like the others (it asks before it acts): a person who opens the menu to change
  // the language must not have the destructive choice as the one that stands out.
  const allBtn = h('button.btn.wide', { type: 'button', onclick: () => { d.close(); signOutEverywhere(); } }, t('signOutEverywhere'));
  const d = dialog(me.name || me.username, [
    h('p', h('b', me.name), ' · ', me.username),
    h('ul.plain', tenants.map(x => h('li', orgChip(x), ' ', x.name, ' – ', t('role_' + x.role), x.function ? ' · ' + x.function : '', x.expires ? ' · ' + t('until', { date: fmtTime(x.expires) }) : ''))),
    slots(userMenuItems),
    langBtn, sessionsBtn, outBtn, allBtn,
  ]);
}

async function signOutEverywhere() {
  if (!(await confirmDialog(t('signOutEverywhereQ'), t('signOutEverywhere')))) return;
  try { await api.post(`/api/crisisroom/users/${me.id}/signout`); } catch (e) { if (e.status !== 401) { toast(e.message, 'error'); return; } }
  signOut('user');
}

async function showSessions() {
  const body = h('div', h('p', t('loading')));
  const all = h('button.btn.danger', { type: 'button', onclick: () => { d.close(); signOutEverywhere(); } }, t('signOutEverywhere'));
  const d = dialog(t('signedInDevices'), body, { wide: true, actions: [all] });
  try {
    const r = await api.get('/api/crisisroom/sessions');
    const items = Array.isArray(r) ? r : (r.items || []);
    clear(body,
      h('p.muted', t('sessionsHelp')),
      items.length ? h('table.list', h('thead', h('tr', h('th', t('device')), h('th', t('signedInAt')), h('th', t('lastSeen')))),
        h('tbody', items.map(s => h('tr', h('td', s.current ? h('b', describeDevice(s), ' (', t('thisDevice'), ')') : describeDevice(s)), h('td', fmtTime(s.created || s.signed_in)), h('td', fmtTime(s.last_seen || s.updated)))))) : h('p', t('noSessions')));
  } catch (e) { clear(body, h('p.error', e.message)); }
}

// describeDevice turns a user agent into words people recognise ("Chrome auf Android").
function describeDevice(s) {
  const ua = s.user_agent || '';
  const os = /Android/.test(ua) ? 'Android' : /iPhone|iPad/.test(ua) ? 'iPhone/iPad' : /Windows/.test(ua) ? 'Windows' : /Mac OS/.test(ua) ? 'Mac' : /Linux/.test(ua) ? 'Linux' : '';
  const br = /Edg\//.test(ua) ? 'Edge' : /Firefox\//.test(ua) ? 'Firefox' : /Chrom(e|ium)\//.test(ua) ? 'Chrome' : /Safari\//.test(ua) ? 'Safari' : '';
  const what = br && os ? t('browserOn', { browser: br, os }) : (br || os || ua.slice(0, 60) || t('unknownDevice'));
  return [what, s.ip].filter(Boolean).join(' · ');
}

// switchTenant shows the organisation id, in view (when given) or the current one;
// false when id is none of the person's organisations.
async function switchTenant(id, view) {
  const x = tenants.find(y => y.id === id);
  if (!x) return false;
  if (tenant && tenant.id === id) { if (view && view !== currentView) openView(view); return true; }
  tenant = x;
  localStorage.setItem('crisisroom_tenant', id);
  document.documentElement.style.setProperty('--org', tenant.color || '#1f4e8c');
  if (view) { currentView = view; if (location.hash !== '#' + view) history.replaceState(null, '', '#' + view); }
  renderTenants();
  renderNav();
  if (currentView !== 'messages' && !viewShown(currentView)) { currentView = 'messages'; history.replaceState(null, '', '#messages'); renderNav(); }
  renderView();
  return true;
}

// viewShown: whether the view is in the top bar for the organisation in view (a view
// the person's role there does not allow is left for the messages).
function viewShown(id) {
  const v = views.find(x => x.id === id);
  if (!v) return false;
  try { return v.visible ? !!v.visible(ctxFor()) : true; } catch { return false; }
}

function openView(id) {
  if (id !== 'messages' && !views.some(v => v.id === id)) id = 'messages';
  currentView = id;
  if (location.hash !== '#' + id) history.replaceState(null, '', '#' + id);
  renderNav();
  renderView();
}

function renderView() {
  const el = document.getElementById('view');
  if (!el) return;
  if (cleanup) { try { cleanup(); } catch (e) { console.error(e); } cleanup = null; }
  clear(el);
  el.className = 'view-' + currentView;
  if (!tenant) { el.append(h('div.panel', h('p', t('noTenant')))); return; }
  const c = ctxFor();
  if (currentView === 'messages') { cleanup = messaging.render(el, c); return; }
  const v = views.find(x => x.id === currentView);
  try {
    const r = v.render(el, c);
    if (typeof r === 'function') cleanup = r;
    else if (r && typeof r.then === 'function') r.then(f => { if (typeof f === 'function') cleanup = f; }).catch(e => toast(e.message, 'error'));
  } catch (e) { el.append(h('p.error', e.message)); }
}

export async function refreshUnread() {
  try {
    unread = await api.get('/api/crisisroom/unread') || {};
    renderTenants();
    // The tab shows the count too, for those who keep crisisroom in a background tab.
    const n = Object.values(unread).reduce((a, b) => a + (b || 0), 0);
    document.title = (n ? `(${n}) ` : '') + t('appTitle');
  } catch { /* keep the last counts */ }
}

async function start() {
  const a = auth();
  if (!a) { showSignIn(); return; }
  let info;
  try {
    info = await api.get('/api/crisisroom/me');
  } catch (e) {
    if (e.status === 401) return; // signOut already shows the sign-in
    // No connection: work from what we know, the outbox still collects messages.
    info = { user: a.record, tenants: JSON.parse(localStorage.getItem('crisisroom_tenants') || '[]'), host_operator: false };
  }
  me = info.user || a.record;
  // A shift can last longer than a token: renew it whenever the app starts online.
  if (info.user) api.post('/api/collections/users/auth-refresh').then(r => { if (r && r.token && auth()) saveAuth(r.token, r.record); }).catch(() => {});
  tenants = info.tenants || [];
  hostOperator = !!info.host_operator;
  localStorage.setItem('crisisroom_tenants', JSON.stringify(tenants));
  const last = localStorage.getItem('crisisroom_tenant');
  tenant = tenants.find(x => x.id === last) || tenants.find(x => x.kind !== 'host' && x.role !== 'guest') || tenants[0] || null;
  if (tenant) document.documentElement.style.setProperty('--org', tenant.color || '#1f4e8c');
  views = await loadViews();
  await loadExtensions();
  const hashView = location.hash.slice(1);
  currentView = views.some(v => v.id === hashView) ? hashView : 'messages';
  messaging = createMessaging({ api, me, realtime, toast, refreshUnread, getTenant: () => tenant, getTenants: () => tenants });
  realtime.start();
  if (meUnsub) meUnsub();
  meUnsub = realtime.subscribe('crisisroom/me', ev => {
    if (!ev) return;
    if (ev.action === 'signout') signOut('remote');
    else if (ev.action === 'membership_changed') reloadTenants();
    else if (ev.action === 'channel_added' || ev.action === 'channel_removed') { if (messaging) messaging.channelsChanged(ev); }
  });
  renderShell();
  refreshUnread();
  for (const f of signInCleanups) { try { f(); } catch (e) { console.error(e); } }
  signInCleanups = [];
  const c = ctxFor();
  for (const f of onSignIn) { try { const r = f(c); if (typeof r === 'function') signInCleanups.push(r); } catch (e) { console.error('onSignIn', e); } }
}

// reloadTenants follows a change of the person's organisations or roles without a reload:
// a removed tenant disappears from the switcher, a new role changes what is offered.
async function reloadTenants() {
  let info;
  try { info = await api.get('/api/crisisroom/me'); } catch { return; }
  const before = tenant && tenants.find(x => x.id === tenant.id);
  tenants = info.tenants || [];
  hostOperator = !!info.host_operator;
  localStorage.setItem('crisisroom_tenants', JSON.stringify(tenants));
  const now = tenant && tenants.find(x => x.id === tenant.id);
  if (!now) {
    tenant = null;
    const next = tenants[0];
    if (next) { switchTenant(next.id); return; }
    renderTenants(); renderNav(); renderView();
    return;
  }
  tenant = now;
  renderTenants();
  if (currentView !== 'messages' && !viewShown(currentView)) { currentView = 'messages'; history.replaceState(null, '', '#messages'); }
  renderNav();
  if (!before || before.role !== now.role) renderView();
  refreshUnread();
}

// The connection state in the top bar. The browser's word that the network is gone
// shows at once (an event stream may stay silent for half a minute before it errs);
// a lost stream shows after 2 s still without one, so a short reconnect (PocketBase
// closes every connection after 30 minutes) does not flicker.
let showConn = () => {}, connShown = '', connTimer = 0;
function setConn() {
  const s = navigator.onLine === false ? 'offline' : realtime.state;
  clearTimeout(connTimer);
  if (s === 'online' || s === 'offline' && navigator.onLine === false || connShown && connShown !== 'online') {
    connShown = s; showConn(s);
    return;
  }
  connTimer = setTimeout(() => { connShown = realtime.state; showConn(connShown); }, 2000);
}
window.addEventListener('online', () => { setConn(); realtime.now(); });
window.addEventListener('offline', () => { realtime.lost(); setConn(); });
window.addEventListener('hashchange', () => { const v = location.hash.slice(1); if (me && v && v !== currentView) openView(v); });
setInterval(() => { if (me && document.visibilityState === 'visible') refreshUnread(); }, 60000);

start();
