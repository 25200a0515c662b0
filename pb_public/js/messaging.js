// Messaging: channel list, message view, composer, read state, acknowledgements, the
// Blitz banner and the outbox. One instance lives as long as the sign-in; render() draws
// the "Nachrichten" view for the tenant in view and returns its cleanup.

import { t } from './i18n.js';
import { fileToken, newClientKey, ApiError } from './api.js';
import { createSender } from './outbox.js';
import { h, clear, dialog, confirmDialog, fmtTime, fmtSize, orgChip, initials, icon } from './ui.js';
import { alertTone } from './tone.js';

export const MAX_FILE = 25 * 1024 * 1024;
// Refused at once in the browser for a quick answer; the server checks again.
const FORBIDDEN_EXT = /\.(exe|com|bat|cmd|scr|pif|msi|msp|vbs|vbe|js|jse|wsf|wsh|ps1|psm1|jar|apk|app|dll|sys|cpl|lnk|reg|hta|sh|bash|dmg|iso)$/i;
const FORBIDDEN_MIME = /^(application\/(x-msdownload|x-msdos-program|x-ms-installer|x-sh|java-archive|vnd\.android\.package-archive|x-executable)|text\/javascript)$/i;

export function fileProblem(f) {
  if (f.size > MAX_FILE) return t('fileTooBig', { name: f.name, size: fmtSize(f.size) });
  if (FORBIDDEN_EXT.test(f.name) || FORBIDDEN_MIME.test(f.type || '')) return t('fileForbidden', { name: f.name });
  if (f.size === 0) return t('fileEmpty', { name: f.name });
  return '';
}

const list = r => Array.isArray(r) ? r : (r && (r.items || r.channels || r.messages)) || [];
const isImage = name => /\.(png|jpe?g|gif|webp|bmp|svg)$/i.test(name);
const fileUrl = (msgId, name) => `/api/files/messages/${encodeURIComponent(msgId)}/${encodeURIComponent(name)}`;

export function createMessaging({ api, me, realtime, toast, refreshUnread: refreshNow, getTenant }) {
  // Many messages at once must not mean as many unread queries.
  let unreadTimer = 0;
  const refreshUnread = () => { clearTimeout(unreadTimer); unreadTimer = setTimeout(refreshNow, 300); };
  // channels: the list of the tenant in view; allChannels: every channel of the person,
  // all of them subscribed, so a Blitz reaches them whichever tenant they look at.
  let channels = [], allChannels = [], channelsFor = '', current = null;
  const subs = new Map();              // channel id -> unsubscribe
  const msgs = new Map();              // message id -> record (open channel)
  const flashes = new Map();           // message id -> record waiting for my acknowledgement
  let flashesExpanded = false;         // all Blitz banners shown, or only the newest under a summary bar
  const acked = new Set();             // acknowledged here (before the server echoes it)
  let ui = null;                       // elements of the rendered view, null when not shown
  let oldest = null, hasMore = false, searchQ = '', replyTo = null, stagedFiles = [];
  let readTimer = 0, toneTimer = 0, ended = false;

  const sender = createSender({
    onChange: () => renderPending(),
    onProgress: (item, p) => {
      const el = ui && ui.list.querySelector(`[data-key="${item.client_key}"]`);
      if (!el) return;
      const bar = el.querySelector('progress');
      if (bar) { bar.value = Math.round(p * 100); bar.hidden = false; }
      const st = el.querySelector('.pending-state');
      if (st) st.textContent = t('uploading', { p: Math.round(p * 100) });
    },
    onSent: (item, rec) => {
      const el = ui && ui.list.querySelector(`[data-key="${item.client_key}"]`);
      if (el) el.remove();
      if (rec && current && rec.channel === current.id) upsert(rec);
    },
    onFailed: (item, e) => {
      const el = ui && ui.list.querySelector(`[data-key="${item.client_key}"]`);
      if (el) el.remove();
      toast(t('sendRefused', { msg: e.message }), 'error');
      if (ui && item.fields.channel === (current && current.id) && !ui.text.value) ui.text.value = item.fields.body || '';
    },
  });
  const flushTimer = setInterval(() => { sender.pending().then(p => { if (p.length) sender.flush(); }); }, 4000);
  const offReconnect = realtime.onReconnect(() => {
    sender.flush();
    refreshUnread();
    if (current) loadNewer();
    if (ui) loadChannels(true);
    loadAll();
  });
  // Opened without a connection (history and channel list from the cache): load for real
  // as soon as the realtime connection stands.
  let staleView = false;
  const offState = realtime.onState(s => {
    if (s !== 'online' || !staleView) return;
    staleView = false;
    loadChannels(true).then(() => { if (current) openChannel(current.id, { focus: false, force: true }); });
  });
  const onOnline = () => sender.flush();
  window.addEventListener('online', onOnline);
  sender.flush();
  loadAll();

  // ---- channels ----------------------------------------------------------------
  async function loadChannels(keepCurrent) {
    const tenant = getTenant();
    if (!tenant) return;
    try {
      channels = list(await api.get('/api/crisisroom/channels?org=' + encodeURIComponent(tenant.id)));
      channelsFor = tenant.id;
      localStorage.setItem('crisisroom_channels_' + tenant.id, JSON.stringify(channels));
    } catch (e) {
      if (e.status !== 0) { toast(e.message, 'error'); return; }
      staleView = true;
      channels = JSON.parse(localStorage.getItem('crisisroom_channels_' + tenant.id) || '[]');
      channelsFor = tenant.id;
    }
    subscribeAll();
    renderChannelList();
    if (keepCurrent && current) {
      const fresh = channels.find(c => c.id === current.id);
      if (fresh) { current = fresh; renderHeader(); updateComposerRights(); }
    }
  }

  async function loadAll() {
    try { allChannels = list(await api.get('/api/crisisroom/channels')); } catch { return; }
    subscribeAll();
    checkFlashes();
  }
  const findChannel = id => channels.find(x => x.id === id) || allChannels.find(x => x.id === id);

  function subscribeAll() {
    if (ended) return;
    const want = new Set([...channels, ...allChannels].map(c => c.id));
    for (const [id, un] of subs) if (!want.has(id)) { un(); subs.delete(id); }
    for (const id of want) if (!subs.has(id)) subs.set(id, realtime.subscribe('channels/' + id, ev => onEvent(id, ev)));
  }

  function channelTitle(c) {
    if (!c) return '';
    if (c.kind === 'direct') return (c.peer && (c.peer.name || c.peer.username)) || c.title || peerName(c) || t('direct');
    return c.title || c.name || t('unnamed');
  }
  function peerName(c) {
    const others = (c.members || []).filter(m => (m.id || m.user) !== me.id);
    return others.map(m => m.name || m.username).join(', ');
  }
  function channelOrgs(c) {
    const o = c.organisations || c.orgs || [];
    return Array.isArray(o) ? o.filter(x => x && typeof x === 'object') : [];
  }

  function renderChannelList() {
    if (!ui) return;
    const groups = [
      ['org', t('orgChannels')], ['shared', t('sharedChannels')], ['conv', t('conversations')],
    ];
    const items = kind => channels.filter(c => kind === 'conv' ? (c.kind === 'direct' || c.kind === 'group') : c.kind === kind).filter(c => !c.archived);
    clear(ui.chanList, groups.map(([k, label]) => {
      const cs = items(k);
      return h('section.chgroup', { 'aria-label': label },
        h('h3', label),
        cs.length ? h('ul', cs.map(c => h('li', h('button.chan', {
          type: 'button', dataset: { channel: c.id, kind: c.kind }, 'aria-current': current && current.id === c.id ? 'true' : 'false',
          onclick: () => openChannel(c.id),
        },
          h('span.chan-icon', icon(c.kind === 'shared' ? 'share' : c.kind === 'direct' ? 'user' : c.kind === 'group' ? 'users' : 'hash', 18)),
          h('span.chan-name', channelTitle(c)),
          c.unread ? h('span.badge', { 'aria-label': t('unreadN', { n: c.unread }) }, c.unread > 99 ? '99+' : String(c.unread)) : null,
          c.kind === 'shared' ? h('span.chips', channelOrgs(c).map(orgChip)) : c.kind === 'direct' && c.peer && c.peer.org ? h('span.chips', orgChip(c.peer.org)) : null)))) :
          h('p.muted.small', k === 'conv' ? t('noConversations') : t('noChannels')));
    }));
  }

  // ---- opening a channel and its history ----------------------------------------
  async function openChannel(id, { focus = true, force = false } = {}) {
    const c = channels.find(x => x.id === id);
    if (!c || !ui) return;
    if (!force && current && current.id === id && !searchQ) {
      // Already open: keep the view (and its unread line), just bring it forward.
      ui.layout.classList.add('show-channel');
      if (focus) ui.text.focus();
      return;
    }
    current = c;
    sessionStorage.setItem('crisisroom_channel_' + channelsFor, id);
    msgs.clear(); oldest = null; hasMore = false; searchQ = ''; replyTo = null;
    ui.layout.classList.add('show-channel');
    renderChannelList();
    renderHeader();
    renderReply();
    clear(ui.list, h('p.muted.center', t('loading')));
    ui.composer.hidden = false;
    const unreadBefore = c.unread || 0;
    const lastRead = c.last_read || '';
    try {
      const r = await api.get(`/api/crisisroom/channels/${id}/messages?limit=50`);
      if (!current || current.id !== c.id) return;
      clear(ui.list);
      addPage(list(r), r.has_more);
      placeUnreadMarker(unreadBefore, lastRead);
    } catch (e) {
      if (!current || current.id !== c.id) return;
      if (e.status === 0) staleView = true;
      clear(ui.list, e.status === 0 ? h('p.notice', t('offlineHistory')) : h('p.error', e.message));
    }
    renderPending();
    updateComposerRights();
    scrollToEnd();
    if (focus && window.matchMedia('(min-width: 761px)').matches) ui.text.focus();
    markReadSoon();
  }

  function sortKey(r) { return (r.created || '') + r.id; }

  function addPage(page, more) {
    page.sort((a, b) => sortKey(a) < sortKey(b) ? -1 : 1);
    hasMore = more === undefined ? page.length >= 50 : !!more;
    if (page.length) oldest = page[0];
    for (const r of page) upsert(r, { quiet: true });
    renderMoreButton();
    learnMyAcks(page);
  }

  // Messages do not say whether I acknowledged them: ask for the receipts of those that
  // wait for my acknowledgement, so the button and the Blitz banner show only when due.
  async function learnMyAcks(page) {
    const relevant = page.filter(r => !r.deleted && r.author !== me.id && (r.priority === 'flash' || r.ack_required));
    const unknown = relevant.filter(r => r.my_receipt === undefined && !acked.has(r.id)).slice(-20);
    await Promise.all(unknown.map(async r => {
      try {
        const s = await api.get(`/api/crisisroom/messages/${r.id}/receipts`);
        r.my_receipt = (s.items || []).find(i => i.user && i.user.id === me.id) || null;
      } catch { /* the button stays; acknowledging twice is harmless */ }
    }));
    for (const r of relevant) {
      if (myAck(r)) { acked.add(r.id); flashes.delete(r.id); }
      else if (r.priority === 'flash' && r.my_receipt) flashes.set(r.id, r);
      if (unknown.includes(r) && msgs.get(r.id) === r) upsert(r);
    }
    renderBanners(false);
  }

  // A Blitz may wait in a channel that is not open: look at channels that report one.
  async function checkFlashes() {
    for (const c of allChannels.filter(c => c.flash_unacked > 0)) {
      try {
        const r = await api.get(`/api/crisisroom/channels/${c.id}/messages?limit=50`);
        await learnMyAcks(list(r).map(m => ({ ...m, channel: m.channel || c.id })));
      } catch { /* next time */ }
    }
  }

  function renderMoreButton() {
    if (!ui) return;
    const old = ui.list.querySelector('.more');
    if (old) old.remove();
    if (hasMore && !searchQ) ui.list.prepend(h('button.btn.more', { type: 'button', onclick: loadOlder }, t('olderMessages')));
  }

  async function loadOlder() {
    if (!current || !oldest) return;
    const c = current;
    const top = ui.list.scrollHeight - ui.list.scrollTop;
    try {
      const r = await api.get(`/api/crisisroom/channels/${c.id}/messages?limit=50&before=${encodeURIComponent(oldest.id)}`);
      if (!current || current.id !== c.id) return;
      addPage(list(r), r.has_more);
      ui.list.scrollTop = ui.list.scrollHeight - top;
    } catch (e) { toast(e.message, 'error'); }
  }

  // After a reconnect: fetch the newest page and merge; what arrived while the
  // connection was down appears in order.
  async function loadNewer() {
    const c = current;
    if (!c || searchQ) return;
    try {
      const page = list(await api.get(`/api/crisisroom/channels/${c.id}/messages?limit=50`));
      if (!current || current.id !== c.id) return;
      for (const r of page) upsert(r);
      markReadSoon();
    } catch { /* next reconnect tries again */ }
  }

  function placeUnreadMarker(n, lastRead) {
    if (!ui || (!n && !lastRead)) return;
    const els = [...ui.list.querySelectorAll('article.msg:not(.own)')];
    let first = null;
    if (lastRead) first = els.find(el => (msgs.get(el.dataset.id) || {}).created > lastRead);
    else if (n) first = els[Math.max(0, els.length - n)];
    if (!first || !n) return;
    first.before(h('div.unread-line', { role: 'separator' }, h('span', t('newMessages'))));
  }

  // ---- rendering messages ---------------------------------------------------------
  function upsert(rec, { quiet = false } = {}) {
    if (!ui || !current || rec.channel !== current.id) return;
    const prev = msgs.get(rec.id);
    if (prev && prev.expand && !rec.expand) rec.expand = prev.expand;
    if (prev && prev.org && !rec.org) rec.org = prev.org;
    if (prev && prev.receipts && !rec.receipts) rec.receipts = prev.receipts;
    if (prev && prev.my_receipt && !rec.my_receipt) rec.my_receipt = prev.my_receipt;
    msgs.set(rec.id, rec);
    if (rec.client_key) {
      const pend = ui.list.querySelector(`[data-key="${rec.client_key}"]`);
      if (pend) pend.remove();
    }
    const el = renderMessage(rec);
    const old = ui.list.querySelector(`article.msg[data-id="${rec.id}"]`);
    if (old) { old.replaceWith(el); return; }
    // Insert in time order (live events may overtake a page load).
    const key = sortKey(rec);
    const after = [...ui.list.querySelectorAll('article.msg[data-id]')].find(x => sortKey(msgs.get(x.dataset.id) || {}) > key);
    const stick = nearBottom();
    if (after) after.before(el);
    else {
      const firstPending = ui.list.querySelector('article.pending');
      firstPending ? firstPending.before(el) : ui.list.append(el);
    }
    if (!quiet && stick) scrollToEnd();
  }

  function author(rec) {
    const a = (rec.expand && rec.expand.author) || null;
    if (a) return a.name || a.username;
    if (rec.author === me.id) return me.name || me.username;
    if (rec.device_name) return rec.device_name;
    return rec.source === 'system' ? t('system') : t('unknownAuthor');
  }

  function prioLabel(p) { return p === 'flash' ? t('prioFlash') : p === 'immediate' ? t('prioImmediate') : ''; }

  function renderMessage(rec) {
    const own = rec.author === me.id;
    const prio = rec.priority || 'normal';
    const el = h('article.msg.prio-' + prio + (own ? '.own' : '') + (rec.deleted ? '.deleted' : ''), { dataset: { id: rec.id }, tabindex: '-1', 'aria-label': `${author(rec)}, ${fmtTime(rec.created)}` });
    const src = rec.source && rec.source !== 'web' ? h('span.src', { title: t('source_' + rec.source) }, rec.source === 'fax' ? icon('fax', 14) : rec.source === 'mqtt' ? icon('antenna', 14) : null, ' ', t('source_' + rec.source), rec.device_name ? ': ' + rec.device_name : '') : null;
    el.append(h('div.meta',
      h('span.avatar', { 'aria-hidden': 'true', style: { '--c': (rec.org && rec.org.color) || '#666' } }, initials(author(rec))),
      orgChip(rec.org), h('b.author', author(rec)), h('time', { datetime: rec.created }, fmtTime(rec.created)), src,
      prio !== 'normal' ? h('span.prio.prio-' + prio, prioLabel(prio)) : null,
      rec.edited && !rec.deleted ? h('span.muted', t('edited')) : null));
    if (rec.reply_to) {
      const orig = msgs.get(rec.reply_to);
      el.append(h('button.replyref', { type: 'button', onclick: () => jumpTo(rec.reply_to) }, '↪ ', orig ? [orgChip(orig.org), ' ', `${author(orig)}: ${(orig.deleted ? t('deletedMessage') : orig.body || '').slice(0, 120)}`] : t('replyToEarlier')));
    }
    if (rec.deleted) { el.append(h('p.body.muted', t('deletedMessage'))); return el; }
    el.append(h('div.body', rec.body || ''));
    const atts = rec.attachments || [];
    if (atts.length) el.append(h('div.atts', atts.map(name => attachmentLink(rec.id, name))));
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
    if (mayWrite()) actions.append(h('button.link', { type: 'button', onclick: () => startReply(rec) }, t('reply')));
    if (own && rec.source !== 'fax') {
      actions.append(h('button.link', { type: 'button', onclick: () => startEdit(rec, el) }, t('edit')));
      actions.append(h('button.link', { type: 'button', onclick: () => removeMessage(rec) }, t('delete')));
    }
    // "Ins ETB": the message into the Einsatztagebuch of the organisation in view (server checks who may);
    // last, so the buttons before it keep their places.
    if (getTenant() && getTenant().role !== 'guest') actions.append(h('button.link.into-etb', { type: 'button', onclick: () => api.post('/api/crisisroom/journal/mark', { message: rec.id, organisation: getTenant().id }).then(() => toast(t('intoEtbDone')), e => toast(e.message, 'error')) }, t('intoEtb')));
    foot.append(actions);
    el.append(foot);
    return el;
  }

  function myAck(rec) {
    if (acked.has(rec.id)) return true;
    const mine = rec.my_receipt || rec.mine || null;
    return !!(mine && mine.acked_at);
  }

  function attachmentLink(msgId, name) {
    const a = h('a.att', { href: '#', target: '_blank', rel: 'noopener', title: name }, isImage(name) ? null : h('span.fileicon', { 'aria-hidden': 'true' }, fileIcon(name)), h('span.fname', displayName(name)));
    fileToken().then(tok => {
      a.href = fileUrl(msgId, name) + '?token=' + encodeURIComponent(tok);
      if (isImage(name)) a.prepend(h('img.thumb', { src: a.href, alt: '', loading: 'lazy' }));
    }).catch(() => {});
    return a;
  }

  function renderPending() {
    if (!ui || !current) return;
    const c = current;
    sender.pending().then(items => {
      if (!ui || !current || current.id !== c.id) return;
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

  let atBottom = true;
  function nearBottom() { return !ui || atBottom || ui.list.scrollHeight - ui.list.scrollTop - ui.list.clientHeight < 120; }
  function scrollToEnd() { atBottom = true; if (ui) requestAnimationFrame(() => { if (ui) ui.list.scrollTop = ui.list.scrollHeight; }); }

  function jumpTo(id) {
    const el = ui && ui.list.querySelector(`article.msg[data-id="${id}"]`);
    if (el) { el.scrollIntoView({ block: 'center' }); el.focus(); el.classList.add('flashy'); setTimeout(() => el.classList.remove('flashy'), 1500); }
  }

  // ---- realtime -----------------------------------------------------------------
  function onEvent(channelId, ev) {
    if (!ev || !ev.record) return;
    if (ev.collection === 'receipts') { onReceipt(channelId, ev.record); return; }
    if (ev.collection !== 'messages') {
      // The channel itself changed (renamed, archived, participants): refresh the list.
      if (ev.record.kind) loadChannels(true);
      return;
    }
    const rec = ev.record;
    if (!rec.channel) rec.channel = channelId;
    const isOpen = current && current.id === channelId && ui;
    if (rec.priority === 'flash' && rec.author !== me.id && !rec.deleted && !myAck(rec)) { flashes.set(rec.id, rec); renderBanners(ev.action === 'create'); }
    if (rec.deleted && flashes.has(rec.id)) { flashes.delete(rec.id); renderBanners(false); }
    if (isOpen) {
      upsert(rec);
      if (ev.action === 'create') markReadSoon();
    }
    if (ev.action === 'create' && rec.author !== me.id && !(isOpen && document.visibilityState === 'visible')) {
      const c = channels.find(x => x.id === channelId);
      if (c) { c.unread = (c.unread || 0) + 1; renderChannelList(); }
      refreshUnread();
    }
  }

  // A receipts event names who read (up to "until") or acknowledged ("message"), and
  // carries the new counts of the messages concerned.
  function onReceipt(channelId, r) {
    const uid = r.user && (r.user.id || r.user);
    if (uid === me.id && r.acked_at && r.message) {
      acked.add(r.message);
      if (flashes.delete(r.message)) renderBanners(false);
    }
    if (!current || current.id !== channelId) return;
    for (const m of r.messages || []) {
      const rec = msgs.get(m.id);
      if (!rec) continue;
      rec.receipts = { read: m.read, acked: m.acked, total: m.total };
      upsert(rec);
    }
    if (uid === me.id && r.message && msgs.has(r.message)) upsert(msgs.get(r.message));
  }

  // ---- read state, acknowledgement, Blitz banner -------------------------------------
  function markReadSoon() {
    clearTimeout(readTimer);
    readTimer = setTimeout(markRead, 400);
  }
  async function markRead() {
    if (!ui || !current || searchQ || document.visibilityState !== 'visible') return;
    const els = ui.list.querySelectorAll('article.msg[data-id]');
    const last = els[els.length - 1];
    if (!last) return;
    const c = current;
    try {
      await api.post(`/api/crisisroom/channels/${c.id}/read`, { until: last.dataset.id });
      if (c.unread) { c.unread = 0; renderChannelList(); }
      refreshUnread();
    } catch { /* read state follows next time */ }
  }

  async function ack(rec) {
    try {
      await api.post(`/api/crisisroom/messages/${rec.id}/ack`);
      acked.add(rec.id);
      flashes.delete(rec.id);
      renderBanners(false);
      if (msgs.has(rec.id)) upsert(msgs.get(rec.id));
    } catch (e) { toast(e.status === 0 ? t('offlineAck') : e.message, 'error'); }
  }

  function renderBanners(sound) {
    const box = document.getElementById('banners');
    if (!box) return;
    // Several open Blitz messages must not push the channel off the screen: the newest is
    // shown in full, the others behind one summary bar that expands (and then scrolls).
    if (flashes.size < 2) flashesExpanded = false;
    box.classList.toggle('collapsed', flashes.size > 1 && !flashesExpanded);
    const summary = flashes.size > 1 ? h('div.flash-summary', { role: 'status' },
      h('span.flash-tag', icon('bolt', 16), ' ', t('flashOpen', { n: flashes.size })),
      h('button.btn.ghost#flash-toggle', { type: 'button', 'aria-expanded': String(flashesExpanded),
        onclick: () => { flashesExpanded = !flashesExpanded; renderBanners(false); } }, t(flashesExpanded ? 'flashCollapse' : 'flashShowAll'))) : null;
    clear(box, summary, [...flashes.values()].reverse().map(rec => {
      const c = findChannel(rec.channel);
      const here = channels.some(x => x.id === rec.channel);
      return h('div.flash-banner', { role: 'alertdialog', 'aria-label': t('flashMessage'), dataset: { id: rec.id } },
        h('div.flash-head', h('span.flash-tag', icon('bolt', 16), ' ', t('prioFlash')), orgChip(rec.org), h('b', author(rec)), h('span', fmtTime(rec.created)), c ? h('span', '· ', channelTitle(c)) : null),
        h('div.flash-body', rec.body || ''),
        h('div.flash-actions',
          h('button.btn.ack-big', { type: 'button', onclick: () => ack(rec) }, '✔ ', t('ackFlash')),
          c && here && ui ? h('button.btn.ghost', { type: 'button', onclick: () => { openChannel(c.id); setTimeout(() => jumpTo(rec.id), 300); } }, t('showInChannel')) : null));
    }));
    clearInterval(toneTimer);
    if (flashes.size) {
      if (sound) alertTone();
      // Repeat until acknowledged: a Blitz must not be missed by someone who looked away.
      toneTimer = setInterval(() => { if (flashes.size) alertTone(); }, 20000);
      const b = box.querySelector('.ack-big');
      if (b && sound && !document.querySelector('dialog[open]')) b.focus();
    }
  }

  async function showReceipts(rec) {
    const body = h('div', h('p', t('loading')));
    dialog(t('receiptsTitle'), body, { wide: true });
    try {
      const r = await api.get(`/api/crisisroom/messages/${rec.id}/receipts`);
      const items = r.items || [];
      clear(body,
        h('p.summary', t('readBy', { n: r.read, total: r.total }), rec.ack_required || rec.priority === 'flash' ? ' · ' + t('ackedBy', { n: r.acked, total: r.total }) : ''),
        h('table.list', h('thead', h('tr', h('th', t('person')), h('th', t('readAt')), h('th', t('ackedAt')))),
          h('tbody', items.map(i => h('tr.' + (i.acked_at ? 'is-acked' : i.read_at ? 'is-read' : 'is-unread'),
            h('td', orgChip(i.org), ' ', (i.user && (i.user.name || i.user.username)) || '?'),
            h('td', i.read_at ? fmtTime(i.read_at) : h('span.muted', t('notYet'))),
            h('td', i.acked_at ? fmtTime(i.acked_at) : h('span.muted', rec.ack_required || rec.priority === 'flash' ? t('notYet') : '–')))))));
    } catch (e) { clear(body, h('p.error', e.message)); }
  }

  // ---- edit, delete, reply, search, files ---------------------------------------------
  function startEdit(rec, el) {
    const body = el.querySelector('.body');
    const area = h('textarea.edit', { 'aria-label': t('editMessage'), rows: 3 }, rec.body || '');
    const save = async () => {
      const text = area.value.trim();
      if (!text || text === rec.body) { upsert(rec); return; }
      try { upsert(await api.patch(`/api/collections/messages/records/${rec.id}`, { body: text })); }
      catch (e) { toast(e.message, 'error'); }
    };
    area.addEventListener('keydown', ev => {
      if (ev.key === 'Enter' && !ev.shiftKey) { ev.preventDefault(); save(); }
      if (ev.key === 'Escape') { ev.preventDefault(); upsert(rec); }
    });
    body.replaceWith(h('div.editbox', area, h('div', h('button.btn.primary', { type: 'button', onclick: save }, t('save')), ' ', h('button.btn', { type: 'button', onclick: () => upsert(rec) }, t('cancel')), h('span.muted.small', ' ', t('editHint')))));
    area.focus();
  }

  async function removeMessage(rec) {
    if (!(await confirmDialog(t('deleteQuestion'), t('delete')))) return;
    try { upsert(await api.patch(`/api/collections/messages/records/${rec.id}`, { deleted: true })); }
    catch (e) { toast(e.message, 'error'); }
  }

  function startReply(rec) { replyTo = rec; renderReply(); ui.text.focus(); }
  function renderReply() {
    if (!ui) return;
    clear(ui.replyBox, replyTo ? [h('span', '↪ ', orgChip(replyTo.org), ' ', t('replyingTo', { name: author(replyTo) }), ': ', (replyTo.body || '').slice(0, 80)), h('button.icon', { type: 'button', 'aria-label': t('cancelReply'), onclick: () => { replyTo = null; renderReply(); } }, '✕')] : []);
    ui.replyBox.hidden = !replyTo;
  }

  async function search(q) {
    if (!current) return;
    searchQ = q.trim();
    if (!searchQ) { openChannel(current.id, { force: true }); return; }
    const c = current;
    clear(ui.list, h('p.muted.center', t('searching')));
    try {
      const page = list(await api.get(`/api/crisisroom/channels/${c.id}/messages?limit=50&q=${encodeURIComponent(searchQ)}`));
      if (!current || current.id !== c.id) return;
      msgs.clear();
      clear(ui.list, h('div.searchinfo', t('searchResults', { n: page.length, q: searchQ }), ' ', h('button.btn', { type: 'button', onclick: () => { ui.search.value = ''; search(''); } }, t('endSearch'))));
      page.sort((a, b) => sortKey(a) < sortKey(b) ? -1 : 1);
      for (const r of page) upsert(r, { quiet: true });
    } catch (e) { clear(ui.list, h('p.error', e.message)); }
  }

  async function showFiles() {
    if (!current) return;
    const body = h('div', h('p', t('loading')));
    dialog(t('filesOf', { name: channelTitle(current) }), body, { wide: true });
    try {
      const r = await api.get(`/api/crisisroom/channels/${current.id}/files`);
      const items = list(r);
      const tok = items.length ? await fileToken() : '';
      clear(body, items.length ? h('ul.files', items.map(f => {
        const url = (f.url_path || fileUrl(f.message, f.name)) + (tok ? '?token=' + encodeURIComponent(tok) : '');
        const img = (f.mime || '').startsWith('image/') || isImage(f.name);
        return h('li.file', h('a', { href: url, target: '_blank', rel: 'noopener' },
          img ? h('img.preview', { src: url, alt: '', loading: 'lazy' }) : h('span.preview.fileicon', { 'aria-hidden': 'true' }, fileIcon(f.name, f.mime)),
          h('span.fname', displayName(f.name))),
        h('span.muted.small', f.org ? [orgChip(f.org), ' '] : null, [fmtSize(f.size || 0), fmtTime(f.created), f.author && (f.author.name || f.author)].filter(Boolean).join(' · ')),
        f.message ? h('button.link', { type: 'button', onclick: () => { document.querySelector('dialog[open]')?.close(); jumpTo(f.message); } }, t('showMessage')) : null);
      })) : h('p', t('noFiles')));
    } catch (e) { clear(body, h('p.error', e.message)); }
  }

  // ---- composer ----------------------------------------------------------------------
  function mayWrite() {
    if (!current) return false;
    if (current.my_role) return current.my_role !== 'readonly';
    if (current.role) return current.role !== 'readonly';
    return true;
  }
  function updateComposerRights() {
    if (!ui) return;
    const w = mayWrite() && !current.archived;
    ui.composerInner.hidden = !w;
    ui.readonlyNote.hidden = w;
  }

  function stageFiles(files) {
    for (const f of files) {
      const why = fileProblem(f);
      if (why) { toast(why, 'error'); continue; }
      stagedFiles.push(f);
    }
    renderStaged();
  }
  function renderStaged() {
    clear(ui.staged, stagedFiles.map((f, i) => h('span.staged-file', h('span.fileicon', { 'aria-hidden': 'true' }, fileIcon(f.name, f.type)), f.name, ' ', h('span.muted', fmtSize(f.size)),
      h('button.icon', { type: 'button', 'aria-label': t('removeFile', { name: f.name }), onclick: () => { stagedFiles.splice(i, 1); renderStaged(); } }, '✕'))));
    ui.staged.hidden = !stagedFiles.length;
  }

  async function send() {
    if (!current || !ui) return;
    const body = ui.text.value.trim();
    if (!body && !stagedFiles.length) { ui.text.focus(); return; }
    const prio = ui.form.querySelector('input[name=prio]:checked').value;
    const fields = { channel: current.id, author: me.id, body, priority: prio, ack_required: ui.ackBox.checked ? 'true' : 'false', source: 'web' };
    const key = newClientKey();
    fields.client_key = key;
    if (replyTo) fields.reply_to = replyTo.id;
    const item = { client_key: key, fields, files: stagedFiles.slice(), queued: Date.now() };
    ui.text.value = '';
    stagedFiles = []; renderStaged();
    replyTo = null; renderReply();
    ui.form.querySelector('input[name=prio][value=normal]').checked = true;
    ui.ackBox.checked = false;
    updatePrioStyle();
    await sender.send(item);
  }

  function updatePrioStyle() {
    if (!ui) return;
    const p = ui.form.querySelector('input[name=prio]:checked').value;
    ui.form.dataset.prio = p;
    // A Blitz is always confirmed by everyone; the box shows it.
    if (p === 'flash') { ui.ackBox.checked = true; ui.ackBox.disabled = true; } else ui.ackBox.disabled = false;
  }

  function renderHeader() {
    if (!ui) return;
    if (!current) { clear(ui.head, h('p.muted', t('chooseChannel'))); return; }
    const orgs = channelOrgs(current);
    clear(ui.head,
      h('button.btn.back', { type: 'button', 'aria-label': t('backToChannels'), onclick: () => { ui.layout.classList.remove('show-channel'); ui.chanList.querySelector('[aria-current=true]')?.focus(); } }, '←'),
      h('div.chead-title',
        h('h2#channel-title', channelTitle(current)),
        h('div.chead-sub', current.kind === 'shared' ? [h('span.muted', t('sharedWith')), ' ', orgs.map(orgChip)] : null, current.topic ? h('span.muted.topic', current.topic) : null)),
      h('form.search', { role: 'search', onsubmit: ev => { ev.preventDefault(); search(ui.search.value); } },
        ui.search = h('input', { type: 'search', placeholder: t('searchPlaceholder'), 'aria-label': t('searchInChannel'), value: searchQ })),
      h('button.btn', { type: 'button', onclick: showFiles, id: 'files-button', 'aria-label': t('files') }, icon('clip'), h('span.lbl', t('files'))));
  }

  function peopleSearch(onPick, { multi = false } = {}) {
    const results = h('ul.people', { role: 'listbox', 'aria-label': t('people') });
    const chosen = new Map();
    const q = h('input', { type: 'search', placeholder: t('searchPeople'), 'aria-label': t('searchPeople') });
    let timer = 0;
    const run = async () => {
      try {
        const r = list(await api.get('/api/crisisroom/people?q=' + encodeURIComponent(q.value.trim())));
        clear(results, r.filter(p => p.id !== me.id).map(p => {
          const orgs = p.orgs || p.organisations || [];
          const label = [p.name || p.username, ...(Array.isArray(orgs) ? orgs.map(o => o.short || '') : [])].join(' ');
          if (multi) {
            const cb = h('input', { type: 'checkbox', checked: chosen.has(p.id), onchange: () => { cb.checked ? chosen.set(p.id, p) : chosen.delete(p.id); } });
            return h('li', h('label.person', cb, h('span.avatar', initials(p.name || p.username)), h('span', p.name || p.username), h('span.chips', Array.isArray(orgs) ? orgs.map(orgChip) : null)));
          }
          return h('li', h('button.person', { type: 'button', 'aria-label': label, onclick: () => onPick(p) }, h('span.avatar', initials(p.name || p.username)), h('span', p.name || p.username, ' ', h('span.muted', p.username || '')), h('span.chips', Array.isArray(orgs) ? orgs.map(orgChip) : null)));
        }));
        if (!results.children.length) results.append(h('li.muted', t('nobodyFound')));
      } catch (e) { clear(results, h('li.error', e.message)); }
    };
    q.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(run, 200); });
    run();
    return { el: h('div.peoplesearch', q, results), chosen };
  }

  function newDirect() {
    let d;
    const ps = peopleSearch(async p => {
      try {
        const ch = await api.post('/api/crisisroom/direct', { user: p.id });
        d.close();
        await loadChannels();
        const id = (ch && (ch.id || (ch.channel && ch.channel.id) || ch.channel)) || '';
        if (id) openChannel(id);
      } catch (e) { toast(e.message, 'error'); }
    });
    d = dialog(t('newDirect'), [h('p.muted', t('newDirectHelp')), ps.el]);
  }

  function newGroup() {
    const name = h('input', { id: 'group-name', required: true, maxlength: 80 });
    const ps = peopleSearch(null, { multi: true });
    const err = h('p.error', { role: 'alert' });
    const ok = h('button.btn.primary', { type: 'button' }, t('createGroup'));
    const d = dialog(t('newGroup'), [h('label.field', { for: 'group-name' }, t('groupName')), name, h('p.field', t('groupMembers')), ps.el, err], { actions: [ok] });
    ok.onclick = async () => {
      const tenant = getTenant();
      if (!name.value.trim()) { err.textContent = t('nameNeeded'); name.focus(); return; }
      ok.disabled = true;
      try {
        const ch = await api.post('/api/collections/channels/records', { organisation: tenant.id, kind: 'group', name: name.value.trim() });
        const failed = [];
        for (const p of ps.chosen.values()) {
          try { await api.post('/api/collections/channel_members/records', { channel: ch.id, user: p.id, role: 'member' }); }
          catch (e) { failed.push(`${p.name}: ${e.message}`); }
        }
        d.close();
        if (failed.length) toast(t('someNotAdded') + ' ' + failed.join('; '), 'error');
        await loadChannels();
        openChannel(ch.id);
      } catch (e) { err.textContent = e.message; ok.disabled = false; }
    };
  }

  // ---- the view --------------------------------------------------------------------------
  function render(el) {
    const text = h('textarea#composer-text', { rows: 2, placeholder: t('writePlaceholder'), 'aria-label': t('message'), enterkeyhint: 'send' });
    const fileInput = h('input', { type: 'file', multiple: true, hidden: true, id: 'file-input' });
    const ackBox = h('input', { type: 'checkbox', id: 'ack-required' });
    const prio = (v, label) => h('label.prio-opt.prio-' + v, h('input', { type: 'radio', name: 'prio', value: v, checked: v === 'normal' }), h('span', label));
    const composerInner = h('div.composer-inner',
      h('div.replybox', { hidden: true }),
      h('div.staged', { hidden: true, 'aria-live': 'polite' }),
      text,
      h('div.composer-row',
        h('fieldset.prio-group', h('legend.sr', t('priority')), prio('normal', t('prioNormal')), prio('immediate', t('prioImmediate')), prio('flash', t('prioFlash'))),
        h('label.ackopt', ackBox, ' ', t('requestAck')),
        h('button.btn.attach', { type: 'button', onclick: () => fileInput.click(), 'aria-label': t('attachFiles') }, icon('clip'), h('span.lbl', t('attach'))),
        fileInput,
        h('button.btn.primary.send', { type: 'submit' }, t('send'))));
    const readonlyNote = h('p.muted.readonly', { hidden: true }, t('readOnlyChannel'));
    const form = h('form.composer', { hidden: true, 'aria-label': t('composer') }, composerInner, readonlyNote);
    const list = h('div.msglist', { role: 'log', 'aria-live': 'polite', 'aria-labelledby': 'channel-title', tabindex: '0' });
    const chanList = h('div.chanlist');
    const head = h('div.chead');
    const drop = h('div.dropzone', { hidden: true }, t('dropHere'));
    const pane = h('section.channel', { 'aria-label': t('conversation') }, head, list, drop, form);
    const layout = h('div.msg-layout',
      h('aside.sidebar', { 'aria-label': t('channels') },
        // A guest reaches only the channel of its invitation: no conversations to start.
        h('div.sidebar-actions', { hidden: !!getTenant() && getTenant().role === 'guest' },
          h('button.btn', { type: 'button', onclick: newDirect, id: 'new-direct' }, icon('user'), t('newDirect')),
          h('button.btn', { type: 'button', onclick: newGroup, id: 'new-group' }, icon('users'), t('newGroup'))),
        chanList),
      pane);
    el.append(layout);
    // Keep the newest message in sight while banners, images and receipts change sizes.
    list.addEventListener('scroll', () => { atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40; }, { passive: true });
    const ro = new ResizeObserver(() => { if (atBottom) list.scrollTop = list.scrollHeight; });
    ro.observe(list);
    ui = { layout, list, chanList, head, composer: form, composerInner, readonlyNote, form, text, ackBox, staged: form.querySelector('.staged'), replyBox: form.querySelector('.replybox'), search: null };

    form.addEventListener('submit', ev => { ev.preventDefault(); send(); });
    form.addEventListener('change', ev => { if (ev.target.name === 'prio') updatePrioStyle(); });
    text.addEventListener('keydown', ev => {
      if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing) { ev.preventDefault(); send(); }
      if (ev.key === 'Escape' && replyTo) { replyTo = null; renderReply(); }
    });
    text.addEventListener('paste', ev => {
      const files = [...(ev.clipboardData?.files || [])];
      if (files.length) { ev.preventDefault(); stageFiles(files); }
    });
    fileInput.addEventListener('change', () => { stageFiles([...fileInput.files]); fileInput.value = ''; });
    let depth = 0;
    pane.addEventListener('dragenter', ev => { if (ev.dataTransfer?.types.includes('Files')) { depth++; drop.hidden = false; } });
    pane.addEventListener('dragleave', () => { if (--depth <= 0) { depth = 0; drop.hidden = true; } });
    pane.addEventListener('dragover', ev => { if (ev.dataTransfer?.types.includes('Files')) ev.preventDefault(); });
    pane.addEventListener('drop', ev => { ev.preventDefault(); depth = 0; drop.hidden = true; stageFiles([...(ev.dataTransfer?.files || [])]); });
    const onVisible = () => { if (document.visibilityState === 'visible') markReadSoon(); };
    document.addEventListener('visibilitychange', onVisible);

    const tenant = getTenant();
    current = null;
    renderHeader();
    renderBanners(false);
    (channelsFor === tenant.id && channels.length ? Promise.resolve(renderChannelList()) : Promise.resolve()).then(() => loadChannels()).then(() => {
      const wanted = sessionStorage.getItem('crisisroom_channel_' + tenant.id);
      const first = channels.find(c => c.id === wanted) || channels.find(c => c.kind === 'shared' && !c.archived) || channels[0];
      if (first && window.matchMedia('(min-width: 761px)').matches) openChannel(first.id, { focus: false });
      else if (first && wanted === first.id) openChannel(first.id, { focus: false });
    });
    return () => {
      document.removeEventListener('visibilitychange', onVisible);
      ro.disconnect();
      ui = null; current = null;
    };
  }

  // crisisroom/me told us this person was added to or removed from a channel.
  function channelsChanged(ev) {
    const chId = ev.record && ev.record.channel;
    if (ev.action === 'channel_removed' && ui && current && current.id === chId) {
      current = null;
      msgs.clear();
      clear(ui.list, h('p.muted.center', t('removedFromChannel')));
      ui.composer.hidden = true;
      renderHeader();
    }
    loadChannels(true);
    loadAll();
  }

  return {
    render,
    channelsChanged,
    stop() {
      ended = true;
      clearInterval(flushTimer); clearInterval(toneTimer); offReconnect(); offState();
      window.removeEventListener('online', onOnline);
      for (const un of subs.values()) un();
      subs.clear(); flashes.clear();
    },
  };
}

function displayName(name) {
  // PocketBase appends a random suffix to stored file names: show the name as uploaded.
  return name.replace(/_[a-z0-9]{10}(\.[^.]+)?$/i, '$1');
}

function fileIcon(name, mime = '') {
  let n = 'clip';
  if (/pdf$/i.test(name) || mime === 'application/pdf') n = 'file';
  else if (/\.(png|jpe?g|gif|webp|bmp|svg)$/i.test(name) || mime.startsWith('image/')) n = 'image';
  else if (/\.(mp4|webm|mov)$/i.test(name) || mime.startsWith('video/')) n = 'film';
  else if (/\.(mp3|wav|ogg|m4a)$/i.test(name) || mime.startsWith('audio/')) n = 'sound';
  else if (/\.(xlsx?|ods|csv)$/i.test(name)) n = 'sheet';
  else if (/\.(docx?|odt|txt|rtf)$/i.test(name)) n = 'file';
  else if (/\.(zip|7z|tar|gz)$/i.test(name)) n = 'box';
  return icon(n, 26);
}
