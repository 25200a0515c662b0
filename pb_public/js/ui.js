// Small DOM helpers shared by every view: element builder, dialogs, toasts, formats.

import { t, lang } from './i18n.js';

// h('button.primary', {onclick}, 'text', child...) builds an element. Strings become
// text nodes, never HTML, so nothing a user writes can turn into markup.
export function h(tag, attrs, ...children) {
  const [name, ...classes] = tag.split('.');
  const el = document.createElement(name || 'div');
  if (classes.length) el.className = classes.join(' ');
  if (attrs && (typeof attrs !== 'object' || attrs instanceof Node || Array.isArray(attrs))) {
    children.unshift(attrs);
    attrs = null;
  }
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'style' && typeof v === 'object') Object.assign(el.style, v);
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
    const b = h('button.primary', { type: 'button' }, yes || t('yes'));
    const n = h('button', { type: 'button' }, t('cancel'));
    const d = dialog(question, h('p', question), { actions: [n, b], onclose: () => resolve(ok) });
    b.onclick = () => { ok = true; d.close(); };
    n.onclick = () => d.close();
  });
}

let toastBox;
export function toast(msg, kind = 'info') {
  if (!toastBox) {
    toastBox = h('div.toasts', { role: 'status', 'aria-live': 'polite' });
    document.body.append(toastBox);
  }
  const el = h('div.toast.' + kind, msg);
  toastBox.append(el);
  setTimeout(() => el.remove(), kind === 'error' ? 9000 : 4500);
}

export function fmtTime(iso) {
  if (!iso) return '';
  const d = new Date(iso.replace(' ', 'T'));
  const today = new Date();
  const loc = lang() === 'de' ? 'de-DE' : 'en-GB';
  const time = d.toLocaleTimeString(loc, { hour: '2-digit', minute: '2-digit' });
  if (d.toDateString() === today.toDateString()) return time;
  return d.toLocaleDateString(loc, { day: '2-digit', month: '2-digit' }) + ' ' + time;
}

export function fmtDate(iso) {
  if (!iso) return '';
  return new Date(iso.replace(' ', 'T')).toLocaleDateString(lang() === 'de' ? 'de-DE' : 'en-GB', { day: '2-digit', month: '2-digit', year: 'numeric' });
}

export function fmtSize(n) {
  if (n < 1024) return n + ' B';
  if (n < 1024 * 1024) return (n / 1024).toFixed(0) + ' KB';
  return (n / 1024 / 1024).toFixed(1).replace('.', lang() === 'de' ? ',' : '.') + ' MB';
}

// orgChip: an organisation as a coloured label with its short name, the picture people
// recognise faster than a name.
export function orgChip(org) {
  if (!org) return null;
  const color = org.color || '#555';
  return h('span.chip', { style: { '--c': color }, title: org.name || org.short }, org.short || org.name);
}

export function initials(name) {
  return (name || '?').split(/\s+/).filter(Boolean).slice(0, 2).map(s => s[0].toUpperCase()).join('');
}
