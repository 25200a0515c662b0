// The staff's message flow in the shell: the person's queues in the top bar ("Zu sichten:
// 3", "Zu übermitteln: 1"), the countdown to the next Lagebesprechung, the Blitz banner
// for the next person who must act, reminders of due orders and of the briefing, and
// "Als Vordruck erfassen" in every message's actions. The server decides; this shows
// what GET /api/crisisroom/forms/queues says, asked again when the server pings
// staffwork/queues, every 10 s as a fallback, and after each step.

import { api } from '../api.js';
import { t, addStrings } from '../i18n.js';
import { h, dialog, fmtTime } from '../ui.js';
import { onSignIn, banner, topBarSlots } from '../shell.js';
import { messageActions } from '../messaging/state.js';

addStrings({
  de: {
    fm_sichten: 'Zu sichten: {n}', fm_uebermitteln: 'Zu übermitteln: {n}', fm_eingang: 'Eingang: {n}', fm_zurueck: 'Zurück: {n}',
    fm_auftraege: 'Aufträge: {n}', fm_briefingIn: 'Lage {time} ({left})', fm_briefingNow: 'Lagebesprechung jetzt', fm_min: 'in {n} min',
    fm_h: 'in {h} h {m} min', fm_capture: 'Als Vordruck erfassen', fm_captured: 'Als Eingang {label} erfasst.', fm_open: 'Öffnen',
    fm_blitz: 'BLITZ {label}: {text}', fm_taskDue: 'Auftrag fällig: {text}', fm_taskOverdue: 'Auftrag überfällig: {text}',
    fm_briefingSoon: 'Lagebesprechung {text}', fm_queuesLabel: 'Ihre Vordrucke', fm_q_sichten: 'zu sichten', fm_q_uebermitteln: 'zu übermitteln',
    fm_q_eingang: 'Eingang', fm_q_zurueck: 'zurückgegeben', fm_order: 'Als Auftrag', fm_orderTitle: 'Auftrag aus der Nachricht',
    fm_orderWhat: 'Auftrag', fm_orderOwner: 'Zuständige Funktion', fm_orderDue: 'Fällig', fm_orderGo: 'Auftrag erteilen', fm_orderDone: 'Auftrag erteilt.',
  },
  en: {
    fm_sichten: 'To triage: {n}', fm_uebermitteln: 'To transmit: {n}', fm_eingang: 'Inbox: {n}', fm_zurueck: 'Returned: {n}',
    fm_auftraege: 'Orders: {n}', fm_briefingIn: 'Briefing {time} ({left})', fm_briefingNow: 'Briefing now', fm_min: 'in {n} min',
    fm_h: 'in {h} h {m} min', fm_capture: 'Capture as form', fm_captured: 'Captured as incoming {label}.', fm_open: 'Open',
    fm_blitz: 'FLASH {label}: {text}', fm_taskDue: 'Order due: {text}', fm_taskOverdue: 'Order overdue: {text}',
    fm_briefingSoon: 'Briefing {text}', fm_queuesLabel: 'Your forms', fm_q_sichten: 'to triage', fm_q_uebermitteln: 'to transmit',
    fm_q_eingang: 'inbox', fm_q_zurueck: 'returned', fm_order: 'As an order', fm_orderTitle: 'Order from the message',
    fm_orderWhat: 'Order', fm_orderOwner: 'Owning function', fm_orderDue: 'Due', fm_orderGo: 'Give the order', fm_orderDone: 'Order given.',
  },
});

// state: the last answer of /forms/queues; listeners redraw when it changes.
export const formsState = { q: null, listeners: new Set(), open: '' };
let nav = null;

export function ensureFormStyles() {
  if (!document.getElementById('forms-css')) document.head.append(h('link', { id: 'forms-css', rel: 'stylesheet', href: '/forms.css' }));
}

// refreshQueues asks the server again (after a step, a poll, a reconnect).
let inFlight = null, again = false;
export async function refreshQueues() {
  // one request at a time; a ping during it asks once more afterwards
  if (inFlight) { again = true; return inFlight; }
  inFlight = (async () => {
    try { formsState.q = await api.get('/api/crisisroom/forms/queues'); } catch { return; }
    draw();
    for (const fn of formsState.listeners) { try { fn(formsState.q); } catch (e) { console.error(e); } }
  })();
  try { await inFlight; } finally { inFlight = null; }
  if (again) { again = false; return refreshQueues(); }
  return formsState.q;
}

// openForm opens the forms view on one form.
export function openForm(id) {
  formsState.open = id || '';
  if (nav) nav('forms');
}

// captureAsForm: "als Vordruck erfassen": the message becomes an incoming form (the
// communications post's intake) and opens.
export async function captureAsForm(message, ctx) {
  const toast = (ctx && ctx.toast) || (() => {});
  try {
    const f = await api.post('/api/crisisroom/forms/capture', { message: message.id });
    toast(t('fm_captured', { label: f.label }));
    refreshQueues();
    openForm(f.id);
  } catch (e) { toast(e.message, 'error'); }
}

messageActions.push({
  id: 'form-capture', order: 30,
  label: () => t('fm_capture'),
  visible: () => !!(formsState.q && formsState.q.may_intake),
  run: (rec, ctx) => captureAsForm(rec, ctx),
});

// orderFromMessage: an order (Auftrag) from a message, given by a staff function.
export async function orderFromMessage(message, ctx) {
  const toast = (ctx && ctx.toast) || (() => {});
  let fns;
  try { fns = await api.get('/api/crisisroom/functions'); } catch (e) { toast(e.message, 'error'); return; }
  const title = h('input#fm-msg-order-title', { required: true, maxlength: 300, value: (message.body || '').split('\n')[0].slice(0, 300) });
  const owner = h('select#fm-msg-order-owner', { required: true }, h('option', { value: '' }, '–'), fns.functions.map(x => h('option', { value: x.id }, x.code + ' – ' + x.name)));
  const due = h('input#fm-msg-order-due', { type: 'datetime-local' });
  const go = h('button.btn.primary#fm-msg-order-go', { type: 'submit' }, t('fm_orderGo'));
  const frm = h('form.grid-form', h('label', t('fm_orderWhat'), title), h('label', t('fm_orderOwner'), owner), h('label', t('fm_orderDue'), due), go);
  const d = dialog(t('fm_orderTitle'), frm);
  frm.onsubmit = async ev => {
    ev.preventDefault();
    try {
      await api.post('/api/crisisroom/tasks', { message: message.id, title: title.value, owner: owner.value, due: due.value ? new Date(due.value).toISOString() : '' });
      toast(t('fm_orderDone')); d.close(); refreshQueues();
    } catch (e) { toast(e.message, 'error'); }
  };
}

messageActions.push({
  id: 'form-order', order: 40,
  label: () => t('fm_order'),
  visible: () => !!(formsState.q && (formsState.q.functions || []).some(c => !c.startsWith('VB-'))),
  run: (rec, ctx) => orderFromMessage(rec, ctx),
});

// left: the countdown to a time ("in 28 min"), the same in the top bar and the
// Lagebesprechung tab; null once it is due.
export function left(at) {
  const ms = new Date(at.replace(' ', 'T')) - Date.now();
  if (ms <= 0) return null;
  const m = Math.ceil(ms / 60000);
  return m < 60 ? t('fm_min', { n: m }) : t('fm_h', { h: Math.floor(m / 60), m: m % 60 });
}
// 24-hour time in the staff's zone and the app's language (not the browser's locale)
const hhmm = at => fmtTime(at);

// The top bar: one link per non-empty queue and the countdown; empty for people without
// a function.
const bar = h('span.forms-bar#forms-bar', { 'aria-live': 'polite', 'aria-label': '' });
topBarSlots.push(() => { draw(); return bar; });

function draw() {
  const q = formsState.q;
  bar.replaceChildren();
  bar.setAttribute('aria-label', t('fm_queuesLabel'));
  if (!q) return;
  for (const k of ['sichten', 'uebermitteln', 'eingang', 'zurueck', 'auftraege']) {
    const n = (q.counts || {})[k] || 0;
    if (!n) continue;
    bar.append(h('button.btn.forms-q', { type: 'button', dataset: { queue: k }, onclick: () => { formsState.queue = k; openForm(''); } }, t('fm_' + k, { n })));
  }
  if (q.briefing) {
    const l = left(q.briefing.at);
    bar.append(h('button.btn.forms-brief', { type: 'button', dataset: { at: q.briefing.at }, onclick: () => { formsState.queue = 'briefing'; openForm(''); } },
      l ? t('fm_briefingIn', { time: hhmm(q.briefing.at), left: l }) : t('fm_briefingNow')));
  }
}

const shown = new Set();
function banners() {
  const q = formsState.q;
  const want = new Set();
  for (const a of (q && q.alerts) || []) {
    const id = 'fm-' + a.kind + '-' + a.id;
    want.add(id);
    // In words when drawn: the shell draws it again in the new language.
    const text = () => a.kind === 'form' ? t('fm_blitz', { label: a.label, text: a.text }) + ' — ' + t('fm_q_' + a.queue)
      : a.kind === 'task_due' ? t('fm_taskDue', { text: a.text })
        : a.kind === 'task_overdue' ? t('fm_taskOverdue', { text: a.text }) : t('fm_briefingSoon', { text: a.text });
    if (shown.has(id)) continue;
    shown.add(id);
    ensureFormStyles();
    banner(id, () => h('div.fm-banner', { role: 'alert', dataset: { kind: a.kind, id: a.id } },
      h('span.fm-banner-text', text()),
      h('button.btn.primary', { type: 'button', onclick: () => {
        if (a.kind === 'form') openForm(a.id);
        else { formsState.queue = a.kind === 'briefing' ? 'briefing' : 'auftraege'; openForm(''); }
      } }, t('fm_open'))));
  }
  for (const id of [...shown]) if (!want.has(id)) { banner(id, null); shown.delete(id); }
}
formsState.listeners.add(banners);

onSignIn.push(ctx => {
  nav = ctx.navigate;
  let alive = true;
  const tick = () => { if (alive && document.visibilityState === 'visible') refreshQueues(); };
  const poll = setInterval(tick, 10000);
  const clock = setInterval(draw, 30000);
  const off = ctx.realtime.onReconnect(tick);
  // a ping (no content) when forms, orders or the briefing change: ask again at once
  const un = ctx.realtime.subscribe('staffwork/queues', () => { if (alive) refreshQueues(); });
  refreshQueues();
  return () => { alive = false; clearInterval(poll); clearInterval(clock); off(); un(); formsState.q = null; for (const id of shown) banner(id, null); shown.clear(); draw(); };
});
