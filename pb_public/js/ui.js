// Small DOM helpers shared by every view: element builder, dialogs, toasts, formats.

import { t, lang } from './i18n.js';

// h('button.primary#id', {onclick}, 'text', child...) builds an element. Strings become
// text nodes, never HTML, so nothing a user writes can turn into markup.
export function h(tag, attrs, ...children) {
  const [head, id] = tag.split('#');
  const [name, ...classes] = head.split('.');
  const el = document.createElement(name || 'div');
  if (classes.length) el.className = classes.join(' ');
  if (id) el.id = id;
  if (attrs && (typeof attrs !== 'object' || attrs instanceof Node || Array.isArray(attrs))) {
    children.unshift(attrs);
    attrs = null;
  }
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'style' && typeof v === 'object') {
      for (const [p, x] of Object.entries(v)) p.startsWith('--') ? el.style.setProperty(p, x) : (el.style[p] = x);
    }
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k in el && typeof v !== 'string') el[k] = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

export function clear(el, ...children) { el.replaceChildren(); append(el, children); return el; }

// dialog opens a modal <dialog>: Esc and the close button end it, focus returns to
// where it was.
export function dialog(title, body, { actions = [], wide = false, onclose } = {}) {
  const before = document.activeElement;
  const close = h('button.icon', { type: 'button', 'aria-label': t('close'), title: t('close') }, '✕');
  const d = h('dialog.dlg' + (wide ? '.wide' : ''), { 'aria-label': title },
    h('header', h('h2', title), close),
    h('div.dlg-body', body),
    actions.length ? h('footer', actions) : null);
  close.onclick = () => d.close();
  d.addEventListener('close', () => { d.remove(); onclose && onclose(); if (before && before.focus) before.focus(); });
  document.body.append(d);
  d.showModal();
  const first = d.querySelector('.dlg-body input, .dlg-body select, .dlg-body textarea, .dlg-body button, footer button');
  if (first) first.focus();
  return d;
}

export function confirmDialog(question, yes) {
  return new Promise(resolve => {
    let ok = false;
    // The question once, in the body; buttons as large as every other button.
    const b = h('button.btn.primary', { type: 'button' }, yes || t('yes'));
    const n = h('button.btn', { type: 'button' }, t('cancel'));
    const d = dialog(t('pleaseConfirm'), h('p', question), { actions: [n, b], onclose: () => resolve(ok) });
    b.onclick = () => { ok = true; d.close(); };
    n.onclick = () => d.close();
  });
}

let toastBox;
// On a phone the toasts sit over the newest messages and the outbox line: compact (app.css),
// two at most, and a tap anywhere else ends them (they were read by then, or are in the way).
const phoneToasts = () => window.matchMedia('(max-width: 760px)').matches;
function raiseToasts() { try { if (toastBox.matches(':popover-open')) toastBox.hidePopover(); if (toastBox.childElementCount) toastBox.showPopover(); } catch { /* no popover API */ } }

// toast shows msg (a sentence) for 4.5 s, an error (kind 'error') for 20 s, on a phone 12 s;
// it returns a function that ends it at once.
export function toast(msg, kind = 'info') {
  if (!toastBox) {
    toastBox = h('div.toasts', { role: 'status', 'aria-live': 'polite', popover: 'manual' });
    document.body.append(toastBox);
    // A tap that came before the toast (the one that caused it) does not end it: 600 ms.
    document.addEventListener('pointerdown', ev => {
      if (!toastBox.childElementCount || !phoneToasts() || toastBox.contains(ev.target)) return;
      const now = performance.now();
      for (const el of [...toastBox.children]) if (now - Number(el.dataset.at || 0) > 600) el.remove();
      if (!toastBox.childElementCount) raiseToasts();
    }, { capture: true, passive: true });
  }
  // A modal dialog sits in the top layer, above any z-index, and makes the rest of the
  // page inert: the toasts live in the topmost open modal dialog (else in the body) and
  // are a popover, shown again after each new toast, so they are the topmost layer (a
  // reminder's confirmation in the receipts dialog is readable, not behind its backdrop).
  const host = [...document.querySelectorAll('dialog[open]')].filter(d => { try { return d.matches(':modal'); } catch { return false; } }).pop() || document.body;
  if (toastBox.parentElement !== host) host.append(toastBox);
  // Above the composer, never over it: a refused send's reason must not hide the text
  // to correct nor the send button (app.css puts the box at the bottom; this lifts it).
  const composer = host === document.body && [...document.querySelectorAll('form.composer')].find(f => !f.hidden && f.getClientRects().length);
  const top = composer ? composer.getBoundingClientRect().top : 0;
  toastBox.style.bottom = composer && top > window.innerHeight / 3 ? Math.round(window.innerHeight - top + 8) + 'px' : '';
  // An error stays long enough to be read twice (20 s), a notice 4.5 s; both can be
  // closed at once (the button's cross is drawn by app.css: the toast's text stays its text).
  const close = h('button.toast-close', { type: 'button', 'aria-label': t('close'), title: t('close') });
  const el = h('div.toast.' + kind, { dataset: { at: String(performance.now()) } }, h('span.toast-text', msg), close);
  const phone = phoneToasts();
  const end = () => { if (!el.isConnected) return; el.remove(); if (!toastBox.childElementCount) raiseToasts(); };
  close.addEventListener('click', end);
  if (phone) while (toastBox.childElementCount >= 2) toastBox.firstElementChild.remove();
  toastBox.append(el);
  raiseToasts();
  setTimeout(end, kind === 'error' ? (phone ? 12000 : 20000) : 4500);
  return end; // closes this toast now (a view whose next try worked ends its own error)
}

// Times are shown in the staff's zone (as the server writes them into the ETB), not the
// PC's: a room PC set to a wrong zone would otherwise show an hour apart.
export const TZ = 'Europe/Berlin';

export function fmtTime(iso) {
  if (!iso) return '';
  const d = new Date(iso.replace(' ', 'T'));
  const loc = lang() === 'de' ? 'de-DE' : 'en-GB';
  const time = d.toLocaleTimeString(loc, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: TZ });
  const day = x => x.toLocaleDateString(loc, { day: '2-digit', month: '2-digit', timeZone: TZ });
  if (day(d) === day(new Date())) return time;
  return day(d) + ' ' + time;
}

// fmtDateTime always gives date and time ("30.11.2026, 16:05"): a record such as the
// Einsatztagebuch is read days later, when "today" means something else.
export function fmtDateTime(iso) {
  if (!iso) return '';
  const d = new Date(iso.replace(' ', 'T'));
  const loc = lang() === 'de' ? 'de-DE' : 'en-GB';
  return d.toLocaleDateString(loc, { day: '2-digit', month: '2-digit', year: 'numeric', timeZone: TZ }) + ', ' + d.toLocaleTimeString(loc, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: TZ });
}

export function fmtDate(iso) {
  if (!iso) return '';
  return new Date(iso.replace(' ', 'T')).toLocaleDateString(lang() === 'de' ? 'de-DE' : 'en-GB', { day: '2-digit', month: '2-digit', year: 'numeric', timeZone: TZ });
}

export function fmtSize(n) {
  if (n < 1024) return n + ' B';
  if (n < 1024 * 1024) return (n / 1024).toFixed(0) + ' KB';
  return (n / 1024 / 1024).toFixed(1).replace('.', lang() === 'de' ? ',' : '.') + ' MB';
}

// orgChip: an organisation as a coloured label with its short name, the picture people
// recognise faster than a name.
// guestTag marks a person who came as a guest (person.guest from the server): their
// messages carry the inviting organisation's chip, so the tag tells them from its staff.
export function guestTag(person) {
  return person && person.guest ? h('span.guest-tag', { title: t('guestAuthorHint') }, t('role_guest')) : null;
}

export function orgChip(org) {
  if (!org) return null;
  const color = org.color || '#555';
  return h('span.chip', { style: { '--c': color }, title: org.name || org.short }, org.short || org.name);
}

export function initials(name) {
  return (name || '?').split(/\s+/).filter(Boolean).slice(0, 2).map(s => s[0].toUpperCase()).join('');
}

// Line icons drawn inline: emoji fonts are missing on many office PCs and kiosks, and
// nothing may be downloaded. icon('clip') returns an <svg> that takes the text colour.
const ICONS = {
  chat: '<path d="M4 5h16v11H10l-6 4z"/>',
  user: '<circle cx="12" cy="8" r="4"/><path d="M4 21c0-4 3.6-6 8-6s8 2 8 6"/>',
  users: '<circle cx="9" cy="8" r="3.5"/><path d="M2 20c0-3.5 3-5.5 7-5.5s7 2 7 5.5"/><circle cx="17" cy="8.5" r="2.8"/><path d="M17.5 14c2.8.2 4.5 2 4.5 4.5"/>',
  share: '<circle cx="9" cy="12" r="6"/><circle cx="15" cy="12" r="6"/>',
  hash: '<path d="M10 3 8 21M16 3l-2 18M4 9h17M3 15h17"/>',
  clip: '<path d="M20 11.5l-8.2 8.2a5 5 0 0 1-7.1-7.1L13 4.3a3.4 3.4 0 0 1 4.8 4.8l-8.2 8.2a1.8 1.8 0 0 1-2.6-2.6L14.5 7"/>',
  phone: '<rect x="7" y="2" width="10" height="20" rx="2"/><path d="M11 18h2"/>',
  file: '<path d="M6 2h8l5 5v15H6z"/><path d="M14 2v5h5"/>',
  image: '<rect x="3" y="4" width="18" height="16" rx="2"/><circle cx="9" cy="10" r="2"/><path d="M21 16l-5-5-9 9"/>',
  fax: '<rect x="6" y="3" width="12" height="6"/><rect x="3" y="9" width="18" height="9" rx="1"/><path d="M7 21h10v-5H7z"/>',
  antenna: '<path d="M12 12v9M8.5 8.5a5 5 0 0 1 7 0M5.5 5.5a9.2 9.2 0 0 1 13 0"/><circle cx="12" cy="11" r="1.3"/>',
  gear: '<circle cx="12" cy="12" r="3.2"/><path d="M12 2v3M12 19v3M2 12h3M19 12h3M4.9 4.9 7 7M17 17l2.1 2.1M4.9 19.1 7 17M17 7l2.1-2.1"/>',
  bolt: '<path d="M13 2 4 14h7l-1 8 9-12h-7z"/>',
  search: '<circle cx="11" cy="11" r="7"/><path d="M21 21l-5-5"/>',
  sheet: '<rect x="4" y="3" width="16" height="18" rx="1"/><path d="M4 9h16M4 15h16M10 3v18"/>',
  film: '<rect x="3" y="5" width="18" height="14" rx="1"/><path d="M3 9h18M3 15h18M8 5v14M16 5v14"/>',
  sound: '<path d="M4 9h4l5-4v14l-5-4H4z"/><path d="M16 9a4 4 0 0 1 0 6M18.5 6.5a8 8 0 0 1 0 11"/>',
  box: '<path d="M3 7l9-4 9 4v10l-9 4-9-4z"/><path d="M3 7l9 4 9-4M12 11v10"/>',
  signal: '<path d="M4 20h2v-4H4zM10 20h2v-8h-2zM16 20h2V6h-2z"/>',
  board: '<rect x="3" y="4" width="18" height="12" rx="1"/><path d="M12 16v4M8 20h8"/>',
  siren: '<path d="M6 18v-6a6 6 0 0 1 12 0v6z"/><path d="M4 21h16M12 2v2M3.5 6l1.5 1.3M20.5 6 19 7.3"/>',
  qr: '<path d="M3 3h7v7H3zM14 3h7v7h-7zM3 14h7v7H3zM14 14h3v3h-3zM18 18h3v3h-3z"/>',
  megaphone: '<path d="M3 10v4h3l9 5V5L6 10z"/><path d="M6 14l1.5 6h3L9 15.5M18 9.5a3.5 3.5 0 0 1 0 5"/>',
  map: '<path d="M3 6l6-3 6 3 6-3v15l-6 3-6-3-6 3z"/><path d="M9 3v15M15 6v15"/>',
  shield: '<path d="M12 2l8 3v6c0 5-3.5 9-8 11-4.5-2-8-6-8-11V5z"/>',
  flag: '<path d="M5 21V3M5 4h12l-2.5 4L17 12H5"/>',
};

export function icon(name, size = 20) {
  const s = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  s.setAttribute('viewBox', '0 0 24 24');
  s.setAttribute('width', size);
  s.setAttribute('height', size);
  s.setAttribute('fill', 'none');
  s.setAttribute('stroke', 'currentColor');
  s.setAttribute('stroke-width', '2');
  s.setAttribute('stroke-linecap', 'round');
  s.setAttribute('stroke-linejoin', 'round');
  s.setAttribute('aria-hidden', 'true');
  s.setAttribute('class', 'ico');
  s.innerHTML = ICONS[name] || ICONS.file;
  return s;
}

// iconOrText: a view's icon may name one of the icons above or be a short text.
export function iconOrText(v) { return ICONS[v] ? icon(v) : h('span', { 'aria-hidden': 'true' }, v || ''); }

// labelTables gives every cell of a table.list the heading of its column (data-label), so
// that on a phone, where the stylesheet shows each row as a card, no column is cut off.
// It watches root for tables drawn later (views, dialogs).
let tableWatch = null;
export function labelTables(root) {
  const label = () => {
    for (const tb of root.querySelectorAll('table.list')) {
      const heads = [...tb.querySelectorAll('thead th')].map(th => th.textContent.trim());
      if (!heads.length) continue;
      for (const tr of tb.querySelectorAll('tbody tr')) {
        [...tr.children].forEach((td, i) => { if (heads[i] && td.dataset.label !== heads[i]) td.dataset.label = heads[i]; });
      }
    }
  };
  label();
  if (tableWatch) return;
  let queued = false;
  tableWatch = new MutationObserver(() => { if (!queued) { queued = true; requestAnimationFrame(() => { queued = false; label(); }); } });
  tableWatch.observe(root, { childList: true, subtree: true });
}
