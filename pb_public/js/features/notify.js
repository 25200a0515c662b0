// Browser notifications for direct messages, mentions and Blitz, shown by the open app
// (through its service worker where there is one, else by the page): no push service and
// no outside server, so they work with the uplink cut. A tone goes with them (unless the
// person turned sound off); a muted channel gives neither, except a Blitz, which always
// does. Also: presence (per tab: "away" when hidden, or unused for five minutes)
// and the notices of the server (mentions, Blitz reminders, the follow-up to a sender).

import { t, addStrings } from '../i18n.js';
import { api } from '../api.js';
import { h, icon } from '../ui.js';
import { alertTone } from '../tone.js';
import { S, events, extCtx, channelTitle, findChannel, author, channelHeaderTools } from '../messaging/state.js';
import { topBarSlots, onSignIn, banner } from '../shell.js';
import { settings, saveSettings, isMuted, loadSettings, onSettings, toggleMute } from './settings.js';
import './style.js';

addStrings({
  de: {
    sr_notifications: 'Benachrichtigungen', sr_notifyOn: 'Benachrichtigungen sind an', sr_notifyOff: 'Benachrichtigungen einschalten',
    sr_notifyBlocked: 'Benachrichtigungen sind im Browser gesperrt. Bitte in den Website-Einstellungen erlauben.',
    sr_notifyEnabled: 'Benachrichtigungen eingeschaltet.', sr_notifyUnsupported: 'Dieser Browser kann keine Benachrichtigungen zeigen.',
    sr_mentionTitle: '{name} erwähnt Sie in {channel}', sr_directTitle: 'Nachricht von {name}', sr_flashTitle: 'BLITZ in {channel}',
    sr_mute: 'Kanal stumm schalten', sr_unmuteChannel: 'Kanal ist stumm – wieder einschalten', sr_mutedNow: 'Kanal stumm: keine Benachrichtigung und kein Ton (außer Blitz).', sr_unmutedNow: 'Kanal wieder laut.',
    sr_reminderTitle: 'Erinnerung: Blitz bitte bestätigen', sr_pendingTitle: 'Noch nicht bestätigt ({n})', sr_pendingNone: 'Alle haben bestätigt.', sr_pendingBanner: 'Ihr Blitz: {n} noch nicht bestätigt – „{body}“', sr_pendingWho: 'Wer?', sr_pendingWhoLabel: 'Wer noch nicht bestätigt hat', sr_pendingOpen: 'Zur Nachricht', sr_pendingDismiss: 'Ausblenden',
  },
  en: {
    sr_notifications: 'Notifications', sr_notifyOn: 'Notifications are on', sr_notifyOff: 'Turn notifications on',
    sr_notifyBlocked: 'Notifications are blocked in the browser. Please allow them in the site settings.',
    sr_notifyEnabled: 'Notifications turned on.', sr_notifyUnsupported: 'This browser cannot show notifications.',
    sr_mentionTitle: '{name} mentions you in {channel}', sr_directTitle: 'Message from {name}', sr_flashTitle: 'FLASH in {channel}',
    sr_mute: 'Mute channel', sr_unmuteChannel: 'Channel is muted – unmute', sr_mutedNow: 'Channel muted: no notification and no sound (except flash).', sr_unmutedNow: 'Channel unmuted.',
    sr_reminderTitle: 'Reminder: please acknowledge the flash message', sr_pendingTitle: 'Not yet acknowledged ({n})', sr_pendingNone: 'Everybody acknowledged.', sr_pendingBanner: 'Your flash message: {n} not yet acknowledged – “{body}”', sr_pendingWho: 'Who?', sr_pendingWhoLabel: 'Who has not acknowledged', sr_pendingOpen: 'Go to the message', sr_pendingDismiss: 'Dismiss',
  },
});

const supported = () => typeof Notification !== 'undefined';
export const permission = () => supported() ? Notification.permission : 'unsupported';

// A short chime for mentions and direct messages (the Blitz keeps its own alert tone).
let audio = null;
export function chime() {
  try {
    audio = audio || new (window.AudioContext || window.webkitAudioContext)();
    if (audio.state === 'suspended') audio.resume();
    const now = audio.currentTime, g = audio.createGain();
    g.connect(audio.destination);
    g.gain.setValueAtTime(0.0001, now);
    g.gain.exponentialRampToValueAtTime(0.15, now + 0.02);
    g.gain.exponentialRampToValueAtTime(0.0001, now + 0.5);
    for (const [i, f] of [880, 1318].entries()) {
      const o = audio.createOscillator();
      o.frequency.setValueAtTime(f, now + i * 0.12);
      o.connect(g); o.start(now + i * 0.12); o.stop(now + 0.5);
    }
    document.dispatchEvent(new CustomEvent('crisisroom:chime'));
  } catch { /* no audio */ }
}

// requestPermission asks the browser once, from a click (browsers refuse it otherwise).
export async function requestPermission() {
  if (!supported()) { extCtx.toast && extCtx.toast(t('sr_notifyUnsupported'), 'error'); return 'unsupported'; }
  let p = Notification.permission;
  if (p === 'default') p = await Notification.requestPermission();
  if (p === 'granted') { await saveSettings({ notify: true }).catch(() => {}); extCtx.toast && extCtx.toast(t('sr_notifyEnabled')); }
  else if (p === 'denied') extCtx.toast && extCtx.toast(t('sr_notifyBlocked'), 'error');
  document.dispatchEvent(new CustomEvent('crisisroom:notify-permission', { detail: p }));
  return p;
}

// The last notifications shown, for tests and for a person who asks "what was that?".
export const shown = [];

// show puts up one notification; a click opens the channel at the message.
export async function show(title, body, { channel, message, tag, urgent } = {}) {
  shown.push({ title, body, channel, message });
  if (shown.length > 50) shown.shift();
  document.dispatchEvent(new CustomEvent('crisisroom:notification', { detail: { title, body, channel, message } }));
  if (!supported() || Notification.permission !== 'granted' || !settings().notify) return;
  const opts = { body: (body || '').slice(0, 200), tag: tag || message || undefined, icon: '/icons/icon-192.png', badge: '/icons/icon-192.png',
    requireInteraction: !!urgent, data: { channel, message } };
  try {
    const reg = navigator.serviceWorker && await Promise.race([navigator.serviceWorker.getRegistration(), new Promise(r => setTimeout(r, 500))]);
    if (reg && reg.showNotification) { await reg.showNotification(title, opts); return; }
  } catch { /* fall back to the page */ }
  try {
    const n = new Notification(title, opts);
    n.onclick = () => { window.focus(); open(channel, message); n.close(); };
  } catch { /* some browsers allow notifications only through a service worker */ }
}

function open(channel, message) {
  if (!channel) return;
  // At the message: openAt opens the channel there, or, with the messenger not on screen,
  // has the messenger open it there when it renders.
  if (message && extCtx.openAt) {
    extCtx.openAt(channel, message);
    if (location.hash !== '#messages') location.hash = '#messages';
    return;
  }
  if (location.hash !== '#messages') location.hash = '#messages';
  setTimeout(() => { if (extCtx.openChannel) extCtx.openChannel(channel); }, 50);
}

const inView = channel => document.visibilityState === 'visible' && S.current && S.current.id === channel && S.ui;

function onMessage(rec, action) {
  if (action !== 'create' || !rec || rec.deleted || rec.author === S.deps?.me?.id) return;
  const c = findChannel(rec.channel);
  if (rec.priority === 'flash') return; // the 'flash' event below
  if (!c || (c.kind !== 'direct' && c.kind !== 'group')) return; // channels: only mentions (a notice)
  if (isMuted(rec.channel) || inView(rec.channel)) return;
  if (settings().sound) chime();
  show(t('sr_directTitle', { name: author(rec) }), rec.body, { channel: rec.channel, message: rec.id });
}

function onFlash(rec) {
  // The Blitz banner and its alert tone come from the messenger; the notification is for
  // a person looking at another window. A Blitz ignores the mute.
  if (document.visibilityState === 'visible' && document.hasFocus()) return;
  const c = findChannel(rec.channel);
  show(t('sr_flashTitle', { channel: c ? channelTitle(c) : '' }), rec.body, { channel: rec.channel, message: rec.id, urgent: true });
}

function onNotice(ev) {
  if (!ev || ev.action !== 'create' || !ev.record) return;
  const n = ev.record, d = n.data || {};
  const c = findChannel(n.channel);
  const channel = c ? channelTitle(c) : '';
  if (n.kind === 'mention') {
    document.dispatchEvent(new CustomEvent('crisisroom:mention', { detail: n }));
    if (isMuted(n.channel) || inView(n.channel)) return;
    if (settings().sound) chime();
    show(t('sr_mentionTitle', { name: (d.author && d.author.name) || '', channel }), d.body, { channel: n.channel, message: n.message });
  } else if (n.kind === 'blitz_reminder') {
    if (settings().sound) alertTone();
    show(t('sr_reminderTitle'), d.body, { channel: n.channel, message: n.message, urgent: true });
  } else if (n.kind === 'blitz_pending') {
    const names = (d.pending || []).map(p => p.name + (p.function ? ` (${p.function})` : ''));
    const title = names.length ? t('sr_pendingTitle', { n: names.length }) : t('sr_pendingNone');
    pendingBanner(n);
    show(title, names.join(', '), { channel: n.channel, message: n.message });
  }
}

// The Blitz sender's follow-up ("who has not acknowledged") as a banner in the open app,
// whatever the notification permission, until dismissed (remembered per person on this
// device) or the people have acknowledged; notices of the last 12 h are shown at sign-in.
const seenKey = () => 'crisisroom_pending_seen_' + ((S.deps && S.deps.me && S.deps.me.id) || '');
const seen = () => { try { return JSON.parse(localStorage.getItem(seenKey()) || '[]'); } catch { return []; } };
function pendingBanner(n) {
  const d = n.data || {};
  const names = (d.pending || []).map(p => p.name + (p.function ? ` (${p.function})` : ''));
  if (!names.length || seen().includes(n.id)) return;
  const id = 'blitz-pending-' + n.id;
  const dismiss = () => { localStorage.setItem(seenKey(), JSON.stringify([...seen(), n.id].slice(-50))); banner(id, null); };
  // One line with its buttons, like the other banners (on a phone too): the names are a
  // tap away ("Wer?"), the quote ends at a word.
  let body = d.body || '';
  if (body.length > 60) body = body.slice(0, 60).replace(/\s+\S*$/, '') + ' …';
  // A function: the shell draws it again in the new language when the language changes;
  // whether the names were open is kept.
  let namesOpen = false;
  banner(id, () => {
    const names_ = h('div.pending-names', { hidden: !namesOpen, id: id + '-names' }, names.join(', '));
    const who = h('button.btn.pending-who', { type: 'button', 'aria-expanded': String(namesOpen), 'aria-controls': id + '-names', 'aria-label': t('sr_pendingWhoLabel'),
      onclick: () => { namesOpen = names_.hidden; names_.hidden = !namesOpen; who.setAttribute('aria-expanded', String(namesOpen)); who.closest('.pending-banner').classList.toggle('open', namesOpen); } }, t('sr_pendingWho'));
    return h('div.release-banner.pending-banner' + (namesOpen ? '.open' : ''), { role: 'alert', dataset: { notice: n.id, message: n.message } },
      h('span.pending-text', { title: d.body || '' }, icon('bolt', 18), ' ', t('sr_pendingBanner', { body, n: names.length })),
      h('span.actions', who,
        h('button.btn.release', { type: 'button', onclick: () => { dismiss(); open(n.channel, n.message); } }, t('sr_pendingOpen')),
        h('button.btn', { type: 'button', 'aria-label': t('sr_pendingDismiss'), onclick: dismiss }, h('span.lbl-long', t('sr_pendingDismiss')), h('span.lbl-short', '✕'))),
      names_);
  });
}
async function loadPending(ctx) {
  const since = new Date(Date.now() - 12 * 3600 * 1000).toISOString().replace('T', ' ');
  try {
    const r = await ctx.api.get(`/api/collections/notices/records?perPage=10&sort=-created&filter=${encodeURIComponent(`kind = 'blitz_pending' && created > '${since}'`)}`);
    for (const n of (r && r.items) || []) pendingBanner(n);
  } catch { /* offline: the next notice comes by realtime */ }
}

// Presence (POST /api/crisisroom/presence, per tab): "online" when the page is used, and
// once a minute while it is visible and was used within five minutes; "away" when it is
// hidden. The server counts a person as away when none of their tabs said "online" within
// five minutes, so a tab closed without a word, or left untouched, goes "away" by itself,
// and a hidden second tab does not hide the one in use.
const presenceBeat = 60 * 1000, presenceIdle = 5 * 60 * 1000;
function watchPresence() {
  const tab = Math.random().toString(36).slice(2) + Date.now().toString(36);
  let said = '', saidAt = 0, usedAt = Date.now();
  const say = s => {
    const now = Date.now();
    if (s === said && (s === 'away' || now - saidAt < presenceBeat)) return;
    said = s; saidAt = now;
    api.post('/api/crisisroom/presence', { state: s, tab }).catch(() => { said = ''; });
  };
  const visible = () => document.visibilityState === 'visible';
  const use = () => { usedAt = Date.now(); if (visible()) say('online'); };
  const beat = setInterval(() => { if (visible() && Date.now() - usedAt < presenceIdle) say('online'); }, presenceBeat / 2);
  const vis = () => visible() ? use() : say('away');
  const evs = ['pointerdown', 'keydown', 'input', 'wheel', 'touchstart', 'focus'];
  for (const e of evs) window.addEventListener(e, use, { passive: true, capture: true });
  document.addEventListener('visibilitychange', vis);
  use();
  return () => { clearInterval(beat); for (const e of evs) window.removeEventListener(e, use, { capture: true }); document.removeEventListener('visibilitychange', vis); };
}

// The bell in the top bar: shows whether notifications are on and asks for them.
topBarSlots.push(() => {
  const b = h('button.btn.bell', { type: 'button', id: 'notify-toggle' });
  const draw = () => {
    const on = permission() === 'granted' && settings().notify;
    b.replaceChildren(icon('sound', 20));
    b.classList.toggle('off', !on);
    b.title = on ? t('sr_notifyOn') : t('sr_notifyOff');
    b.setAttribute('aria-label', b.title);
    b.setAttribute('aria-pressed', on ? 'true' : 'false');
  };
  // The click acts on what the bell shows (the browser's permission may have changed
  // since it was drawn).
  b.onclick = async () => {
    if (b.getAttribute('aria-pressed') === 'true') await saveSettings({ notify: false }).catch(() => {});
    else await requestPermission();
    draw();
  };
  document.addEventListener('crisisroom:notify-permission', draw);
  onSettings(draw);
  draw();
  return b;
});

// Mute per channel: the bell in the channel header.
channelHeaderTools.push(c => {
  const b = h('button.btn.ghost.mute#mute-channel', { type: 'button' });
  const draw = () => {
    const m = isMuted(c.id);
    b.replaceChildren(icon('sound', 18));
    b.classList.toggle('off', m);
    b.title = m ? t('sr_unmuteChannel') : t('sr_mute');
    b.setAttribute('aria-label', b.title);
    b.setAttribute('aria-pressed', m ? 'true' : 'false');
  };
  b.onclick = async () => {
    try { await toggleMute(c.id); extCtx.toast(isMuted(c.id) ? t('sr_mutedNow') : t('sr_unmutedNow')); } catch (e) { extCtx.toast(e.message, 'error'); }
    draw();
  };
  draw();
  return b;
});

onSignIn.push(ctx => {
  loadSettings(ctx.me.id);
  const offs = [events.on('message', onMessage), events.on('flash', onFlash), ctx.realtime.subscribe('notices/*', onNotice), watchPresence()];
  loadPending(ctx);
  // A click on a notification the service worker showed comes back as a message.
  const fromSW = ev => { if (ev.data && ev.data.type === 'crisisroom:open') open(ev.data.channel, ev.data.message); };
  if (navigator.serviceWorker) navigator.serviceWorker.addEventListener('message', fromSW);
  return () => { for (const f of offs) { try { f(); } catch { /* gone */ } } if (navigator.serviceWorker) navigator.serviceWorker.removeEventListener('message', fromSW); };
});
