// The timeline of the open channel: pages of history, live messages in time order, the
// unread line, receipts, edit/delete/reply actions, search in the channel and its files.

import { t, addStrings } from '../i18n.js';
import { fileToken } from '../api.js';
import { h, clear, dialog, confirmDialog, fmtTime, fmtSize, orgChip, guestTag, initials, icon } from '../ui.js';
import {
  S, list, isImage, fileUrl, sortKey, author, prioLabel, myAck, mayWrite, displayName, fileIcon,
  channelTitle, messageActions, messageDecorators, extCtx, events,
} from './state.js';
import { learnMyAcks, ack, flashArrived, flashGone } from './blitz.js';
import { openChannel, loadChannels, renderChannelList } from './channels.js';
import { startReply } from './composer.js';

addStrings({
  de: { editEmpty: 'Eine Nachricht kann nicht leer sein – zum Entfernen „Löschen“ wählen.', waitingOne: '1 neue Nachricht ↓', waitingN: '{n} neue Nachrichten ↓', waitingHint: 'Zu den neuesten Nachrichten, mit den neuen' },
  en: { editEmpty: 'A message cannot be empty – to remove it, choose “Delete”.', waitingOne: '1 new message ↓', waitingN: '{n} new messages ↓', waitingHint: 'To the newest messages, with the new ones' },
});

export function addPage(page, more) {
  page.sort((a, b) => sortKey(a) < sortKey(b) ? -1 : 1);
  S.hasMore = more === undefined ? page.length >= 50 : !!more;
  if (page.length) S.oldest = page[0];
  for (const r of page) upsert(r, { quiet: true, page: true });
  renderMoreButton();
  learnMyAcks(page);
}

function renderMoreButton() {
  const { ui } = S;
  if (!ui) return;
  const old = ui.list.querySelector('.more');
  if (old) old.remove();
  if (S.hasMore && !S.searchQ) ui.list.prepend(h('button.btn.more', { type: 'button', onclick: loadOlder }, t('olderMessages')));
}

async function loadOlder() {
  if (!S.current || !S.oldest) return;
  const c = S.current, ui = S.ui;
  const top = ui.list.scrollHeight - ui.list.scrollTop;
  try {
    const r = await S.deps.api.get(`/api/crisisroom/channels/${c.id}/messages?limit=50&before=${encodeURIComponent(S.oldest.id)}`);
    if (!S.current || S.current.id !== c.id) return;
    addPage(list(r), r.has_more);
    ui.list.scrollTop = ui.list.scrollHeight - top;
  } catch (e) { S.deps.toast(e.message, 'error'); }
}

// After a reconnect: fetch the newest page and merge; what arrived while the
// connection was down appears in order.
export async function loadNewer() {
  const c = S.current;
  if (c && (S.detached || S.searchQ)) { countMissed(c); return; }
  if (!c || S.searchQ || S.detached) return;
  try {
    const page = list(await S.deps.api.get(`/api/crisisroom/channels/${c.id}/messages?limit=50`));
    if (!S.current || S.current.id !== c.id) return;
    for (const r of page) upsert(r);
    markReadSoon();
  } catch { /* next reconnect tries again */ }
}

// placeUnreadMarker draws the line "Neue Nachrichten" above the first message newer than
// lastRead (an ISO time; without it, above the n-th last message of others) and returns it,
// or null when nothing is unread (n = 0) or the first unread is not loaded.
export function placeUnreadMarker(n, lastRead) {
  const { ui } = S;
  if (!ui || (!n && !lastRead)) return null;
  const els = [...ui.list.querySelectorAll('article.msg:not(.own)')];
  let first = null;
  if (lastRead) first = els.find(el => (S.msgs.get(el.dataset.id) || {}).created > lastRead);
  else if (n) first = els[Math.max(0, els.length - n)];
  if (!first || !n) return null;
  const line = h('div.unread-line', { role: 'separator' }, h('span', t('newMessages')));
  first.before(line);
  return line;
}

// ---- rendering messages ----
// page: rec comes from a loaded page (history, search hits, the part around a hit). While
// search hits or an older part of the channel are shown, nothing else enters the list (a
// live message would sit among hits it does not match, or after a gap); what is shown is
// still updated (edits, receipts), and the newest page comes back with the channel.
export function upsert(rec, { quiet = false, page = false } = {}) {
  const { ui, current } = S;
  if (!ui || !current || rec.channel !== current.id) return;
  const prev = S.msgs.get(rec.id);
  if ((S.searchQ || S.detached) && !page && !prev) return;
  if (prev && prev.expand && !rec.expand) rec.expand = prev.expand;
  if (prev && prev.org && !rec.org) rec.org = prev.org;
  if (prev && prev.receipts && !rec.receipts) rec.receipts = prev.receipts;
  if (prev && prev.my_receipt && !rec.my_receipt) rec.my_receipt = prev.my_receipt;
  S.msgs.set(rec.id, rec);
  rememberHistory(rec);
  if (rec.client_key) {
    const pend = ui.list.querySelector(`[data-key="${rec.client_key}"]`);
    if (pend) pend.remove();
  }
  const el = renderMessage(rec);
  const old = ui.list.querySelector(`article.msg[data-id="${rec.id}"]`);
  if (endWatch) endWatch.observe(el);
  if (old) {
    if (endWatch) endWatch.unobserve(old);
    // Drawn again (a receipt, an edit): the message keeps its mark and the focus a jump gave it,
    // and an edit under way keeps its editor with what was typed (someone reading the
    // message must not throw away its author's correction).
    const focused = old.contains(document.activeElement);
    if (old.classList.contains('flashy')) el.classList.add('flashy');
    const editing = old.querySelector('.editbox');
    const area = editing && editing.querySelector('textarea.edit');
    const typing = area && document.activeElement === area ? [area.selectionStart, area.selectionEnd] : null;
    if (editing) el.querySelector('.body')?.replaceWith(editing);
    old.replaceWith(el);
    if (typing) { area.focus({ preventScroll: true }); area.setSelectionRange(typing[0], typing[1]); }
    else if (focused) el.focus({ preventScroll: true });
    return;
  }
  // Insert in time order (live events may overtake a page load).
  const key = sortKey(rec);
  const after = [...ui.list.querySelectorAll('article.msg[data-id]')].find(x => sortKey(S.msgs.get(x.dataset.id) || {}) > key);
  const stick = nearBottom();
  if (after) after.before(el);
  else {
    const firstPending = ui.list.querySelector('article.pending');
    firstPending ? firstPending.before(el) : ui.list.append(el);
  }
  if (!quiet && stick) scrollToEnd();
}

// rememberHistory keeps what was shown of each channel (the newest 200), so that a
// channel read before the connection dropped still shows its history offline.
function rememberHistory(rec) {
  if (S.searchQ || S.detached) return;
  let m = S.history.get(rec.channel);
  if (!m) { m = new Map(); S.history.set(rec.channel, m); }
  m.set(rec.id, rec);
  if (m.size > 200) m.delete(m.keys().next().value);
}

function renderMessage(rec) {
  const { me, api, toast, getTenant } = S.deps;
  const own = rec.author === me.id;
  const prio = rec.priority || 'normal';
  const el = h('article.msg.prio-' + prio + (own ? '.own' : '') + (rec.deleted ? '.deleted' : ''), { dataset: { id: rec.id }, tabindex: '-1', 'aria-label': `${author(rec)}, ${fmtTime(rec.created)}` });
  const src = rec.source && rec.source !== 'web' ? h('span.src', { title: t('source_' + rec.source) }, rec.source === 'fax' ? icon('fax', 14) : rec.source === 'mqtt' ? icon('antenna', 14) : null, ' ', t('source_' + rec.source), rec.device_name ? ': ' + rec.device_name : '') : null;
  el.append(h('div.meta',
    h('span.avatar', { 'aria-hidden': 'true', style: { '--c': (rec.org && rec.org.color) || '#666' } }, initials(author(rec))),
    orgChip(rec.org), h('b.author', author(rec)), guestTag(rec.expand?.author), h('time', { datetime: rec.created }, fmtTime(rec.created)), src,
    prio !== 'normal' ? h('span.prio.prio-' + prio, prioLabel(prio)) : null,
    rec.edited && !rec.deleted ? h('span.muted', t('edited')) : null));
  if (rec.reply_to) {
    const orig = S.msgs.get(rec.reply_to);
    el.append(h('button.replyref', { type: 'button', onclick: () => jumpTo(rec.reply_to) }, '↪ ', orig ? [orgChip(orig.org), ' ', `${author(orig)}: ${(orig.deleted ? t('deletedMessage') : orig.body || '').slice(0, 120)}`] : t('replyToEarlier')));
  }
  if (rec.deleted) { el.append(h('p.body.muted', t('deletedMessage'))); decorate(el, rec); return el; }
  el.append(h('div.body', S.searchQ ? markWords(rec.body || '', S.searchQ) : rec.body || ''));
  const atts = rec.attachments || [];
  if (atts.length) el.append(h('div.atts', atts.map(name => attachmentLink(rec.id, name, (rec.attachment_names || {})[name]))));
  const foot = h('div.foot');
  const r = rec.receipts;
  if (r && r.total && (own || prio === 'flash' || rec.ack_required)) {
    foot.append(h('button.receipts', { type: 'button', onclick: () => showReceipts(rec) },
      t('readBy', { n: r.read || 0, total: r.total }),
      rec.ack_required || prio === 'flash' ? ' · ' + t('ackedBy', { n: r.acked || 0, total: r.total }) : ''));
  }
  const needsAck = !own && (rec.ack_required || prio === 'flash') && !myAck(rec);
  if (needsAck) foot.append(h('button.btn.ack', { type: 'button', onclick: () => ack(rec) }, '✔ ', t('acknowledge')));
  else if (!own && (rec.ack_required || prio === 'flash')) foot.append(h('span.acked', '✔ ', t('youAcked')));
  const actions = h('span.actions');
  // A system notice (someone joined) is no one's word: nothing to answer or to journal.
  const system = rec.source === 'system';
  if (mayWrite() && !system) actions.append(h('button.link', { type: 'button', onclick: () => startReply(rec) }, t('reply')));
  if (own && rec.source !== 'fax') {
    actions.append(h('button.link', { type: 'button', onclick: () => startEdit(rec, el) }, t('edit')));
    actions.append(h('button.link', { type: 'button', onclick: () => removeMessage(rec) }, t('delete')));
  }
  // "Ins ETB": the message into the Einsatztagebuch of the organisation in view (server checks who may);
  // last of the built-in actions, so the buttons before it keep their places.
  if (getTenant() && getTenant().role !== 'guest' && !system) actions.append(h('button.link.into-etb', { type: 'button', onclick: () => api.post('/api/crisisroom/journal/mark', { message: rec.id, organisation: getTenant().id }).then(() => toast(t('intoEtbDone')), e => toast(e.message, 'error')) }, t('intoEtb')));
  // One order everywhere: the extensions load in parallel, so the registry's order is
  // by each action's declared order, not by which module came first.
  for (const a of [...messageActions].sort((x, y) => (x.order ?? 100) - (y.order ?? 100))) {
    try {
      if (a.visible && !a.visible(rec, extCtx)) continue;
      actions.append(h('button.link', { type: 'button', dataset: { action: a.id }, onclick: () => a.run(rec, extCtx) }, a.label(rec, extCtx)));
    } catch (e) { console.error('message action', a.id, e); }
  }
  foot.append(actions);
  el.append(foot);
  decorate(el, rec);
  return el;
}

function decorate(el, rec) {
  for (const d of messageDecorators) { try { d(el, rec, extCtx); } catch (e) { console.error('message decorator', e); } }
}

// sentAs: the name the file had when it was sent (messages.attachment_names), if known.
function attachmentLink(msgId, name, sentAs) {
  const a = h('a.att', { href: fileUrl(msgId, name), target: '_blank', rel: 'noopener', title: sentAs || name, onclick: ev => { ev.preventDefault(); openFile(fileUrl(msgId, name)); } },
    isImage(name) ? null : h('span.fileicon', { 'aria-hidden': 'true' }, fileIcon(name)), h('span.fname', sentAs || displayName(name)));
  if (isImage(name)) fileToken().then(tok => a.prepend(h('img.thumb', { src: fileUrl(msgId, name) + '?token=' + encodeURIComponent(tok), alt: '', loading: 'lazy' }))).catch(() => {});
  return a;
}

// openFile opens an attachment with a file token fetched on the click (a token lives a
// few minutes, a message for days). It asks first whether the file is there, so that a
// refusal is a sentence in the user's language, not the server's raw JSON in a new tab.
export async function openFile(path) {
  const tab = window.open('', '_blank');
  try {
    const tok = await fileToken(true);
    const url = path + '?token=' + encodeURIComponent(tok);
    let status = 0;
    try { status = (await fetch(url, { method: 'HEAD' })).status; } catch { status = 0; }
    if (status >= 200 && status < 300) {
      if (tab) { tab.opener = null; tab.location.href = url; } else window.open(url, '_blank', 'noopener');
      return;
    }
    if (tab) tab.close();
    fileError(status);
  } catch (e) {
    if (tab) tab.close();
    fileError(e.status || 0);
  }
}

function fileError(status) {
  const key = status === 0 ? 'fileOffline' : status === 404 ? 'fileGone' : status === 403 || status === 401 ? 'fileNotAllowed' : 'fileFailed';
  dialog(t('fileOpenTitle'), h('p.file-error', { role: 'alert' }, t(key)));
}

export function renderPending() {
  const { ui, current, sender } = S;
  // Search hits and an older part of the channel show no pending sends: they come back
  // with the newest page.
  if (!ui || !current || S.searchQ || S.detached) return;
  const c = current;
  const { me, realtime } = S.deps;
  sender.pending().then(items => {
    const ui = S.ui;
    if (!ui || !S.current || S.current.id !== c.id) return;
    const keys = new Set();
    for (const item of items.filter(i => i.fields.channel === c.id)) {
      keys.add(item.client_key);
      if (ui.list.querySelector(`[data-key="${item.client_key}"]`)) continue;
      ui.list.append(h('article.msg.own.pending.prio-' + (item.fields.priority || 'normal'), { dataset: { key: item.client_key } },
        h('div.meta', h('b.author', me.name || me.username), h('span.pending-state', navigator.onLine ? t('sending') : t('waitingForConnection'))),
        h('div.body', item.fields.body || ''),
        (item.files || []).length ? h('div.atts', item.files.map(f => h('span.att', h('span.fileicon', fileIcon(f.name)), h('span.fname', f.name), ' ', h('span.muted', fmtSize(f.size))))) : null,
        h('progress', { max: 100, value: 0, hidden: !(item.files || []).length, 'aria-label': t('uploadProgress') })));
      scrollToEnd();
    }
    for (const el of ui.list.querySelectorAll('article.pending')) {
      if (!keys.has(el.dataset.key)) el.remove();
      else {
        const st = el.querySelector('.pending-state');
        if (st && !st.textContent.includes('%')) st.textContent = realtime.state === 'online' && navigator.onLine ? t('sending') : t('waitingForConnection');
      }
    }
  });
}

function nearBottom() { const ui = S.ui; return !ui || S.atBottom || ui.list.scrollHeight - ui.list.scrollTop - ui.list.clientHeight < 120; }
// scrollToEnd keeps the list at its end from now on. "At the end" is said again in the
// frame that scrolls: a scroll event of an earlier change of the list (a page replaced) runs
// before it and would otherwise say "not at the end", and the list, resized by the header
// or the banners in the same frame, would stop short of its newest message.
export function scrollToEnd() {
  S.atBottom = true;
  if (S.ui) requestAnimationFrame(() => { if (S.ui) { S.atBottom = true; S.ui.list.scrollTop = S.ui.list.scrollHeight; watchEnd(); } });
}

// Messages grow after they are drawn (an author's function added, a picture, a receipt; a
// narrow screen wraps them). The browser keeps the message in view in place (scroll
// anchoring), which moves a list at its end away from it, and its scroll event would say
// "not at the end" before endWatch hears of the growth. So a list at its end is not
// anchored (overflow-anchor, set after every scroll), and endWatch, following the sizes of
// the messages drawn since the list last went to its end and of its last ones, keeps it
// at the end. A message drawn again is smaller for a moment (its author's function comes
// later), which pulls a list at its end up: a scroll the person did not make (no wheel,
// touch, pointer or key on the list just before) leaves a list at its end there.
const endWatch = typeof ResizeObserver === 'function'
  ? new ResizeObserver(() => { if (S.ui && S.atBottom) S.ui.list.scrollTop = S.ui.list.scrollHeight; }) : null;
const anchored = new WeakSet();
function watchEnd() {
  if (!endWatch || !S.ui) return;
  const list = S.ui.list;
  if (!anchored.has(list)) {
    anchored.add(list);
    let before = false, input = 0;
    for (const type of ['wheel', 'touchstart', 'touchmove', 'pointerdown', 'keydown']) list.addEventListener(type, () => { input = performance.now(); }, { passive: true });
    // Capture runs before the messenger's own scroll listener, which decides S.atBottom;
    // the second one after it.
    list.addEventListener('scroll', () => { before = S.atBottom; }, { capture: true, passive: true });
    list.addEventListener('scroll', () => {
      if (before && !S.atBottom && performance.now() - input > 1000) { S.atBottom = true; list.scrollTop = list.scrollHeight; }
      list.style.overflowAnchor = S.atBottom ? 'none' : '';
    }, { passive: true });
  }
  list.style.overflowAnchor = S.atBottom ? 'none' : '';
  endWatch.disconnect();
  for (const el of [...S.ui.list.querySelectorAll('article.msg')].slice(-8)) endWatch.observe(el);
}

// jumpTo scrolls the message into the middle of the list, focuses it and marks it for a
// few seconds (.flashy); false when it is not in the list.
export function jumpTo(id) {
  const el = S.ui && S.ui.list.querySelector(`article.msg[data-id="${CSS.escape(id)}"]`);
  if (!el) return false;
  // Not "at the bottom" any more: a later resize must not scroll the message away.
  S.atBottom = false;
  el.scrollIntoView({ block: 'center' });
  el.focus({ preventScroll: true });
  el.classList.remove('flashy');
  void el.offsetWidth; // restart the animation when the same message is jumped to again
  el.classList.add('flashy');
  // By id: the message may have been drawn again meanwhile.
  setTimeout(() => S.ui?.list.querySelector(`article.msg[data-id="${CSS.escape(id)}"]`)?.classList.remove('flashy'), 4000);
  return true;
}

// reveal shows message id of the open channel: at once when it is loaded; else the page
// around it, found through GET /api/crisisroom/messages/{id}/context (the messages after
// it): when the newest page reaches it, that page, else the part around it with a button
// to the newest messages (S.detached: live messages wait for that, counted on the button).
// Resolves to whether the message is shown.
export async function reveal(id) {
  const c = S.current, ui = S.ui;
  if (!c || !ui) return false;
  if (jumpTo(id)) return true;
  const { api, toast } = S.deps;
  const stale = () => !S.current || S.current.id !== c.id || S.ui !== ui;
  try {
    const ctx = await api.get(`/api/crisisroom/messages/${encodeURIComponent(id)}/context?n=20`);
    if (stale()) return false;
    const items = (ctx && ctx.items) || [];
    const i = items.findIndex(m => m.id === id);
    if (i < 0) return false;
    const newer = items.length - 1 - i;
    const gap = newer >= 20;
    const r = await api.get(gap
      ? `/api/crisisroom/channels/${c.id}/messages?limit=40&before=${encodeURIComponent(items[i + 11].id)}`
      : `/api/crisisroom/channels/${c.id}/messages?limit=${Math.min(200, newer + 26)}`);
    if (stale()) return false;
    // Detaching from the newest page: what is newer than its newest message from now on
    // waits (S.waiting) until the person goes back to the newest messages. Moving from one
    // older part to another keeps what waits.
    if (gap && !S.detached && !S.searchQ) { S.waiting = new Set(); S.liveEnd = newestShown(); }
    if (!gap) S.waiting = new Set();
    S.detached = gap;
    S.msgs.clear(); S.oldest = null;
    clear(ui.list);
    addPage(list(r), r.has_more);
    if (gap) renderDetachedBar();
    else renderPending();
  } catch (e) { if (!stale()) toast(e.message, 'error'); return false; }
  return jumpTo(id);
}

// newestShown: the sortKey of the newest message in the list ('' when none).
const newestShown = () => [...S.msgs.values()].reduce((k, m) => sortKey(m) > k ? sortKey(m) : k, '');

// renderWaiting shows how many messages wait: on the bar below an older part of the
// channel, or in the header of the search hits.
function renderWaiting() { if (S.searchQ) renderSearchHead(); else renderDetachedBar(); }
const waitingText = n => t(n === 1 ? 'waitingOne' : 'waitingN', { n });

// renderDetachedBar draws the bar below an older part of the channel: it says that an
// older part is shown and leads to the newest messages; once messages wait (arrived since),
// it says how many ("3 neue Nachrichten ↓"; the list is a live region, so a screen reader
// hears it too). It sticks to the bottom of the list (app.css).
function renderDetachedBar() {
  const ui = S.ui, c = S.current;
  if (!ui || !c || !S.detached) return;
  let bar = ui.list.querySelector(':scope > .detached-bar');
  if (!bar) {
    // Made once and then changed in place: a focused button keeps the focus.
    bar = h('div.detached-bar', h('span.muted', t('olderPartShown')), ' ',
      h('button.btn.to-newest', { type: 'button', onclick: () => toNewest(c) }));
    ui.list.append(bar);
  }
  const n = S.waiting.size, btn = bar.querySelector('.to-newest');
  const text = n ? waitingText(n) : t('toNewest');
  bar.classList.toggle('has-waiting', n > 0);
  btn.classList.toggle('primary', n > 0);
  btn.title = n ? t('waitingHint') : '';
  if (btn.textContent !== text) btn.textContent = text;
}

// toNewest leaves the older part (or the search hits) for the newest messages. When
// messages waited, the reader lands on the first of them, not at the end: the line "Neue
// Nachrichten" above it at the top of the list, and below the list a button counting the
// new messages still below the view ("4 neue Nachrichten ↓"), fewer while the person
// reads down, gone at the end; it leads to the end. When more came than a page holds, the
// pages back to the first of them are loaded too (up to 1,000 messages), so that the
// reader can read them all downwards.
async function toNewest(c) {
  const waited = S.waiting, liveEnd = S.liveEnd;
  await openChannel(c.id, { force: true, land: false });
  const ui = S.ui;
  const stale = () => S.ui !== ui || !S.current || S.current.id !== c.id;
  if (!ui || stale() || !waited.size) return;
  const isNew = m => !!m && (waited.has(m.id) || (!!liveEnd && sortKey(m) > liveEnd));
  if (!(await loadBackTo(c, isNew, stale))) return;
  const first = [...ui.list.querySelectorAll('article.msg[data-id]')].find(el => isNew(S.msgs.get(el.dataset.id)));
  if (!first) return;
  for (const old of ui.list.querySelectorAll('.unread-line')) old.remove();
  const line = h('div.unread-line', { role: 'separator' }, h('span', t('newMessages')));
  first.before(line);
  landAt(ui, line, stale);
}

// loadBackTo loads older pages (200 at a time, up to 1,000 messages) while the oldest loaded
// message is still one of the new ones (isNew), so that the reader can read them all
// downwards from the first. Resolves to false when the channel was left meanwhile.
export async function loadBackTo(c, isNew, stale) {
  for (let i = 0; i < 5 && S.hasMore && S.oldest && isNew(S.oldest); i++) {
    try {
      const r = await S.deps.api.get(`/api/crisisroom/channels/${c.id}/messages?limit=200&before=${encodeURIComponent(S.oldest.id)}`);
      if (stale()) return false;
      addPage(list(r), r.has_more);
    } catch { break; /* what is loaded is read; "Ältere Nachrichten laden" stays */ }
  }
  return !stale();
}

// landAt puts the line "Neue Nachrichten" (line, in ui.list) at the top of the list, with
// the button below the list counting the new messages still below the view (countBelow).
// stale() says that the channel was left meanwhile.
export function landAt(ui, line, stale) {
  // After the opening's move to the end (a frame later): the line to the top of the list.
  // It is held there for two seconds while the list and the messages above it still change
  // size (banners, receipts, pictures), until the person moves the list: by wheel, touch or
  // key, or by a scroll that is not the hold's own and takes the line from where it was put
  // (the browser's correction for a size change above keeps it there; a message above
  // grown after the hold's scroll moves the line without a scroll). A layout in passing
  // (the window resized, hidden or captured, the list then without height or width) is no
  // place to measure: the line is put back once the list has its size again, not moved by
  // a distance measured in it, which scrolled the list to its end and counted every new
  // message as read.
  S.atBottom = false;
  requestAnimationFrame(() => requestAnimationFrame(() => {
    if (stale() || !line.isConnected) return;
    let moved = false, at = null, top = null;
    const offset = () => line.getBoundingClientRect().top - ui.list.getBoundingClientRect().top;
    const place = () => {
      if (moved || S.atBottom || !line.isConnected || S.ui !== ui || !laidOut(ui.list, line)) return;
      ui.list.scrollTop += offset() - 4;
      at = offset(); top = ui.list.scrollTop;
    };
    // The opening's scrollToEnd said "at the end" once more in its frame.
    S.atBottom = false;
    place();
    const mark = () => { moved = true; };
    const scrolled = () => {
      if (at === null || !laidOut(ui.list, line) || Math.abs(ui.list.scrollTop - top) <= 2) return;
      if (Math.abs(offset() - at) > 2) moved = true; else top = ui.list.scrollTop;
    };
    const inputs = ['wheel', 'touchstart', 'pointerdown', 'keydown'];
    for (const ty of inputs) ui.list.addEventListener(ty, mark, { passive: true });
    ui.list.addEventListener('scroll', scrolled, { passive: true });
    const hold = new ResizeObserver(() => place());
    hold.observe(ui.list);
    for (let el = line.previousElementSibling, i = 0; el && i < 60; el = el.previousElementSibling, i++) hold.observe(el);
    setTimeout(() => {
      hold.disconnect();
      for (const ty of inputs) ui.list.removeEventListener(ty, mark);
      ui.list.removeEventListener('scroll', scrolled);
    }, 2000);
    countBelow(ui, line);
    markReadSoon();
  }));
}

// laidOut: the list shows a part of itself with el drawn in it, so positions measured in it
// mean what the person sees (not so for a moment while the window is resized, hidden or
// captured: the list may then be without height or width).
const laidOut = (list, el) => list.clientHeight >= 40 && list.clientWidth >= 100 && el.getClientRects().length > 0;

// countBelow keeps the button below the list that counts the messages after the line "Neue
// Nachrichten" not yet read (never yet wholly above the list's bottom edge), live messages
// that arrive meanwhile included; it goes once all are read, or with the list.
function countBelow(ui, line) {
  ui.list.parentElement.querySelector(':scope > .new-below-wrap')?.remove();
  const btn = h('button.btn.primary.new-below', { type: 'button', title: t('waitingHint'), onclick: () => { scrollToEnd(); } });
  const wrap = h('div.new-below-wrap', { hidden: true }, btn);
  ui.list.after(wrap);
  let frame = 0;
  const count = () => {
    frame = 0;
    if (S.ui !== ui || !line.isConnected || !wrap.isConnected) { stop(); return; }
    // Nothing is read in a layout in passing (see laidOut): counted again on the next change.
    if (!laidOut(ui.list, line)) return;
    const bottom = ui.list.getBoundingClientRect().bottom + 1;
    let n = 0;
    for (let el = line.nextElementSibling; el; el = el.nextElementSibling) {
      if (!el.matches('article.msg[data-id]') || read.has(el.dataset.id)) continue;
      if (el.getBoundingClientRect().bottom > bottom) n++; else read.add(el.dataset.id);
    }
    // All read: the button's work is done (the list follows new messages at its end again).
    if (!n) { stop(); return; }
    wrap.hidden = false;
    const text = waitingText(n);
    if (btn.textContent !== text) btn.textContent = text;
  };
  const read = new Set();
  const soon = () => { if (!frame) frame = requestAnimationFrame(count); };
  // Counted again when the list scrolls, when messages come or go, and when it changes size
  // (a banner gone shows more of it).
  const seen = new MutationObserver(soon), sized = new ResizeObserver(soon);
  const stop = () => { ui.list.removeEventListener('scroll', soon); seen.disconnect(); sized.disconnect(); wrap.remove(); };
  ui.list.addEventListener('scroll', soon, { passive: true });
  seen.observe(ui.list, { childList: true });
  sized.observe(ui.list);
  count();
}

// countMissed: after a reconnect, the messages of the newest page newer than the live end
// the older part or the search was left at wait too (their events were lost with the
// connection). A search hit that is also new is counted too: the count is of messages
// the newest page will show again.
async function countMissed(c) {
  if (!S.liveEnd) return;
  try {
    const page = list(await S.deps.api.get(`/api/crisisroom/channels/${c.id}/messages?limit=50`));
    if (!S.current || S.current.id !== c.id || !(S.detached || S.searchQ)) return;
    const before = S.waiting.size;
    for (const r of page) if (sortKey(r) > S.liveEnd && !r.deleted) S.waiting.add(r.id);
    if (S.waiting.size !== before) renderWaiting();
  } catch { /* next reconnect tries again */ }
}

// ---- realtime ----
export function onEvent(channelId, ev) {
  if (!ev || !ev.record) return;
  const { me, refreshUnread } = S.deps;
  if (ev.collection === 'receipts') { onReceipt(channelId, ev.record); return; }
  if (ev.collection !== 'messages') {
    // The channel itself changed (renamed, archived, participants): refresh the list.
    if (ev.record.kind) loadChannels(true);
    return;
  }
  const rec = ev.record;
  if (!rec.channel) rec.channel = channelId;
  const isOpen = S.current && S.current.id === channelId && S.ui;
  if (rec.priority === 'flash' && rec.author !== me.id && !rec.deleted && !myAck(rec)) flashArrived(rec, ev.action === 'create');
  if (rec.deleted) flashGone(rec.id);
  if (isOpen) {
    // An older part of the channel or search hits are shown: a new message waits, counted once.
    if ((S.detached || S.searchQ) && ev.action === 'create' && !S.msgs.has(rec.id) && !S.waiting.has(rec.id)) {
      S.waiting.add(rec.id);
      renderWaiting();
    }
    upsert(rec);
    if (ev.action === 'create') markReadSoon();
  }
  events.emit('message', rec, ev.action);
  if (ev.action === 'create' && rec.author !== me.id && !(isOpen && onScreen())) {
    const c = S.channels.find(x => x.id === channelId);
    // The first message missed in the open channel (the tab hidden, or the phone's list of
    // channels over it) gets the line "Neue Nachrichten": the reader lands there on return.
    if (c && isOpen && !c.unread && !S.searchQ && !S.detached) {
      const el = S.ui.list.querySelector(`article.msg[data-id="${CSS.escape(rec.id)}"]`);
      if (el) {
        for (const old of S.ui.list.querySelectorAll('.unread-line')) old.remove();
        el.before(h('div.unread-line', { role: 'separator' }, h('span', t('newMessages'))));
      }
    }
    if (c) { c.unread = (c.unread || 0) + 1; renderChannelList(); }
    refreshUnread();
  }
}

// A receipts event names who read (up to "until") or acknowledged ("message"), and
// carries the new counts of the messages concerned.
function onReceipt(channelId, r) {
  const uid = r.user && (r.user.id || r.user);
  if (uid === S.deps.me.id && r.acked_at && r.message) {
    S.acked.add(r.message);
    flashGone(r.message);
  }
  if (!S.current || S.current.id !== channelId) return;
  for (const m of r.messages || []) {
    const rec = S.msgs.get(m.id);
    if (!rec) continue;
    rec.receipts = { read: m.read, acked: m.acked, total: m.total };
    upsert(rec);
  }
  if (uid === S.deps.me.id && r.message && S.msgs.has(r.message)) upsert(S.msgs.get(r.message));
}

// ---- read state ----
export function markReadSoon() {
  clearTimeout(S.readTimer);
  S.readTimer = setTimeout(markRead, 400);
}
// landOnUnread: back in a tab that was hidden, the open channel shows its first message
// missed (landAt its line "Neue Nachrichten") when the line is above the view; false when
// nothing was missed or the line is in view.
export function landOnUnread() {
  const ui = S.ui, c = S.current;
  if (!ui || !c || !c.unread || S.searchQ || S.detached || !onScreen()) return false;
  const line = ui.list.querySelector('.unread-line');
  if (!line || line.getBoundingClientRect().top >= ui.list.getBoundingClientRect().top) return false;
  landAt(ui, line, () => S.ui !== ui || S.current !== c);
  return true;
}

// onScreen: the open channel's messages are what the person sees: the tab or window
// visible and the list laid out (on a phone the list of channels covers it after "←").
export function onScreen() {
  const ui = S.ui;
  return !!ui && document.visibilityState === 'visible' && laidOut(ui.list, ui.list);
}

// markRead marks the messages read up to the last one wholly above the list's bottom edge
// (POST /api/crisisroom/channels/{id}/read), never more: what is below the view, or arrived
// while the channel list or another tab covered it, stays unread and counted on the
// channel's badge (c.unread: the messages of others after it).
async function markRead() {
  const { ui, current } = S;
  if (!ui || !current || S.searchQ || S.detached || !onScreen()) return;
  const els = [...ui.list.querySelectorAll('article.msg[data-id]')];
  const bottom = ui.list.getBoundingClientRect().bottom + 1;
  let i = els.length - 1;
  while (i >= 0 && els[i].getBoundingClientRect().bottom > bottom) i--;
  const last = els[i], rec = last && S.msgs.get(last.dataset.id);
  if (!rec) return;
  const c = current;
  const left = els.slice(i + 1).filter(el => !el.classList.contains('own')).length;
  const done = () => { if ((c.unread || 0) !== left) { c.unread = left; renderChannelList(); } };
  // Already marked that far: only the count may change (a message arrived below the view).
  if (c.last_read && rec.created && rec.created <= c.last_read) { done(); return; }
  try {
    await S.deps.api.post(`/api/crisisroom/channels/${c.id}/read`, { until: rec.id });
    if (rec.created && (!c.last_read || rec.created > c.last_read)) c.last_read = rec.created;
    done();
    S.deps.refreshUnread();
  } catch { /* read state follows next time */ }
}

// ---- receipts dialog ----
// Who has read and acknowledged: those still missing first (not read, then read but not
// acknowledged), then by organisation and name; a filter shows only those missing, and the
// author reminds them (POST /api/crisisroom/messages/{id}/remind, the Blitz follow-up).
const receiptRank = (i, needsAck) => i.acked_at ? 2 : i.read_at ? (needsAck ? 1 : 2) : 0;
export async function showReceipts(rec) {
  const body = h('div', h('p', t('loading')));
  const needsAck = !!(rec.ack_required || rec.priority === 'flash');
  const own = rec.author === S.deps.me.id;
  const remind = h('button.btn#remind', { type: 'button', hidden: true }, t('remindMissing'));
  dialog(t('receiptsTitle'), body, { wide: true, actions: own && needsAck ? [remind] : [] });
  try {
    const r = await S.deps.api.get(`/api/crisisroom/messages/${rec.id}/receipts`);
    const name = i => (i.user && (i.user.name || i.user.username)) || '?';
    const items = (r.items || []).slice().sort((a, b) => receiptRank(a, needsAck) - receiptRank(b, needsAck) ||
      ((a.org && a.org.short) || '').localeCompare((b.org && b.org.short) || '') || name(a).localeCompare(name(b)));
    const missing = items.filter(i => needsAck ? !i.acked_at : !i.read_at);
    const onlyMissing = h('input#receipts-missing', { type: 'checkbox' });
    const fn = i => i.function || (i.user && i.user.function) || '';
    const rows = items.map(i => h('tr.' + (i.acked_at ? 'is-acked' : i.read_at ? 'is-read' : 'is-unread'), { dataset: { missing: missing.includes(i) ? '1' : '0' } },
      h('td', orgChip(i.org), ' ', name(i), fn(i) ? h('span.muted.small.fn', ' · ', fn(i)) : null),
      h('td', i.read_at ? fmtTime(i.read_at) : h('span.muted', t('notYet'))),
      h('td', i.acked_at ? fmtTime(i.acked_at) : h('span.muted', needsAck ? t('notYet') : '–'))));
    const apply = () => { for (const tr of rows) tr.hidden = onlyMissing.checked && tr.dataset.missing !== '1'; };
    onlyMissing.addEventListener('change', apply);
    clear(body,
      h('p.summary', t('readBy', { n: r.read, total: r.total }), needsAck ? ' · ' + t('ackedBy', { n: r.acked, total: r.total }) : ''),
      h('label.ackopt.receipts-filter', onlyMissing, ' ', t(needsAck ? 'onlyNotAcked' : 'onlyNotRead', { n: missing.length })),
      h('table.list.receipts', h('thead', h('tr', h('th', t('person')), h('th', t('readAt')), h('th', t('ackedAt')))), h('tbody', rows)));
    if (own && needsAck && missing.length) {
      remind.hidden = false;
      remind.onclick = async () => {
        remind.disabled = true;
        try {
          const res = await S.deps.api.post(`/api/crisisroom/messages/${rec.id}/remind`);
          S.deps.toast(t('remindDone', { n: ((res && res.pending) || []).length }));
        } catch (e) { S.deps.toast(e.message, 'error'); remind.disabled = false; }
      };
    }
  } catch (e) { clear(body, h('p.error', e.message)); }
}

// ---- edit, delete, search, files ----
function startEdit(rec, el) {
  const { api, toast } = S.deps;
  const body = el.querySelector('.body');
  const area = h('textarea.edit', { 'aria-label': t('editMessage'), rows: 3 }, rec.body || '');
  const why = h('p.error.edit-empty', { role: 'alert', hidden: true }, t('editEmpty'));
  area.addEventListener('input', () => { if (area.value.trim()) why.hidden = true; });
  // The editor outlives the message being drawn again meanwhile (upsert keeps it); it
  // ends when it is saved or cancelled, drawing the message as it now is.
  let box = null;
  const close = r => { box.remove(); upsert(S.msgs.get(r.id) && r === rec ? S.msgs.get(r.id) : r); };
  const save = async () => {
    const text = area.value.trim();
    // An emptied message is not saved; saying nothing would look as if it were gone.
    if (!text) { why.hidden = false; area.focus(); return; }
    if (text === rec.body) { close(rec); return; }
    try { close(await api.patch(`/api/collections/messages/records/${rec.id}`, { body: text })); }
    catch (e) { toast(e.message, 'error'); }
  };
  area.addEventListener('keydown', ev => {
    if (ev.key === 'Enter' && !ev.shiftKey) { ev.preventDefault(); save(); }
    if (ev.key === 'Escape') { ev.preventDefault(); close(rec); }
  });
  box = h('div.editbox', area, why, h('div', h('button.btn.primary', { type: 'button', onclick: save }, t('save')), ' ', h('button.btn', { type: 'button', onclick: () => close(rec) }, t('cancel')), h('span.muted.small', ' ', t('editHint'))));
  body.replaceWith(box);
  area.focus();
}

async function removeMessage(rec) {
  // The server deletes (blanks) the message; a Blitz or Sofort message was journaled when
  // sent, and the Einsatztagebuch is append-only: its entry stays. The question says so.
  const journaled = rec.priority === 'flash' || rec.priority === 'immediate';
  if (!(await confirmDialog(t(journaled ? 'deleteQuestionEtb' : 'deleteQuestion'), t('delete')))) return;
  try { upsert(await S.deps.api.patch(`/api/collections/messages/records/${rec.id}`, { deleted: true })); }
  catch (e) { S.deps.toast(e.message, 'error'); }
}

// ---- search in the channel ----
// The route answers the newest hits first, 50 at a time, with has_more; older hits come
// with its before paging ("ältere laden"). The header sticks to the top of the list, so the
// number of hits stays in view while the hits scroll.
export async function search(q) {
  if (!S.current) return;
  // Searching from the newest page: what arrives from now on waits (as below an older part).
  if (!S.searchQ && !S.detached) { S.waiting = new Set(); S.liveEnd = newestShown(); }
  S.searchQ = q.trim();
  if (!S.searchQ) { openChannel(S.current.id, { force: true }); return; }
  const c = S.current, ui = S.ui, qq = S.searchQ;
  clear(ui.list, h('p.muted.center', t('searching')));
  try {
    const r = await S.deps.api.get(`/api/crisisroom/channels/${c.id}/messages?limit=50&q=${encodeURIComponent(qq)}`);
    if (!S.current || S.current.id !== c.id || S.searchQ !== qq) return;
    S.msgs.clear(); S.searchCount = 0; S.searchOldest = null;
    clear(ui.list, S.searchHead = h('div.searchinfo', { role: 'status' }));
    addHits(list(r), r.has_more);
    scrollToEnd();
  } catch (e) { clear(ui.list, h('p.error', e.message)); }
}

function addHits(page, more) {
  page.sort((a, b) => sortKey(a) < sortKey(b) ? -1 : 1);
  if (page.length) S.searchOldest = page[0];
  S.searchCount += page.length;
  S.searchMore = !!more;
  for (const r of page) upsert(r, { quiet: true, page: true });
  renderSearchHead();
}

function renderSearchHead() {
  const head = S.searchHead, ui = S.ui;
  if (!head || !ui) return;
  const q = S.searchQ, n = S.searchCount;
  clear(head,
    h('span.searchcount', S.searchMore ? t('searchResultsMore', { n, q }) : t('searchResults', { n, q })),
    S.searchMore ? [' – ', h('button.btn.search-older', { type: 'button', onclick: loadOlderHits }, t('searchOlder'))] : null,
    ' ', h('button.btn.end-search', { type: 'button', onclick: () => { ui.search.value = ''; search(''); } }, t('endSearch')),
    // Messages that came since the search: ending it shows them.
    S.waiting.size ? [' ', h('button.btn.primary.search-waiting', { type: 'button', title: t('waitingHint'), onclick: () => toNewest(S.current) }, waitingText(S.waiting.size))] : null);
}

async function loadOlderHits() {
  const c = S.current, ui = S.ui, qq = S.searchQ;
  if (!c || !ui || !qq || !S.searchOldest) return;
  const btn = ui.list.querySelector('.search-older');
  if (btn) btn.disabled = true;
  const fromEnd = ui.list.scrollHeight - ui.list.scrollTop;
  try {
    const r = await S.deps.api.get(`/api/crisisroom/channels/${c.id}/messages?limit=50&q=${encodeURIComponent(qq)}&before=${encodeURIComponent(S.searchOldest.id)}`);
    if (!S.current || S.current.id !== c.id || S.searchQ !== qq) return;
    addHits(list(r), r.has_more);
    // The hits seen so far stay where they were; the older ones come in above them.
    ui.list.scrollTop = ui.list.scrollHeight - fromEnd;
  } catch (e) { if (btn) btn.disabled = false; S.deps.toast(e.message, 'error'); }
}

// fold: lower case without diacritics, as the server's search compares.
const fold = s => s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();

// markWords returns text as strings and <mark> nodes around the beginnings of its words
// that a word of q begins (the way the search matched them); never HTML.
export function markWords(text, q) {
  const terms = fold(q).match(/[\p{L}\p{N}]+/gu) || [];
  if (!terms.length || !text) return [text];
  const out = [];
  let last = 0;
  for (const m of text.matchAll(/[\p{L}\p{N}]+/gu)) {
    let best = 0;
    for (const term of terms) {
      let f = '', used = 0;
      for (const ch of m[0]) { if (f.length >= term.length) break; f += fold(ch); used += ch.length; }
      if (f.startsWith(term) && used > best) best = used;
    }
    if (!best) continue;
    if (m.index > last) out.push(text.slice(last, m.index));
    out.push(h('mark.hit', text.slice(m.index, m.index + best)));
    last = m.index + best;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

export async function showFiles() {
  const { current } = S;
  if (!current) return;
  const body = h('div', h('p', t('loading')));
  dialog(t('filesOf', { name: channelTitle(current) }), body, { wide: true });
  try {
    const r = await S.deps.api.get(`/api/crisisroom/channels/${current.id}/files`);
    const items = list(r);
    const tok = items.length ? await fileToken() : '';
    clear(body, items.length ? h('ul.files', items.map(f => {
      const url = (f.url_path || fileUrl(f.message, f.name)) + (tok ? '?token=' + encodeURIComponent(tok) : '');
      const img = (f.mime || '').startsWith('image/') || isImage(f.name);
      const path = f.url_path || fileUrl(f.message, f.name);
      return h('li.file', h('a', { href: url, target: '_blank', rel: 'noopener', onclick: ev => { ev.preventDefault(); openFile(path); } },
        img ? h('img.preview', { src: url, alt: '', loading: 'lazy' }) : h('span.preview.fileicon', { 'aria-hidden': 'true' }, fileIcon(f.name, f.mime)),
        h('span.fname', displayName(f.name))),
      h('span.muted.small', f.org ? [orgChip(f.org), ' '] : null, [fmtSize(f.size || 0), fmtTime(f.created), f.author && (f.author.name || f.author)].filter(Boolean).join(' · ')),
      f.message ? h('button.link', { type: 'button', onclick: () => { document.querySelector('dialog[open]')?.close(); jumpTo(f.message); } }, t('showMessage')) : null);
    })) : h('p', t('noFiles')));
  } catch (e) { clear(body, h('p.error', e.message)); }
}
