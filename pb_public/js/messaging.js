// Messaging ("Nachrichten"): one instance lives as long as the sign-in; render() draws the
// view for the tenant in view and returns its cleanup. The parts live in ./messaging/:
//   state.js     shared state, helpers and the extension registries (read its head)
//   channels.js  channel list, opening a channel, header, new direct/group conversations
//   timeline.js  the open channel's messages, receipts, edit/delete, search, files, realtime
//   composer.js  writing, priority, reply, attachments, sending through the outbox
//   blitz.js     acknowledgements, the Blitz bar and its tone

import { t } from './i18n.js';
import { createSender } from './outbox.js';
import { h, icon } from './ui.js';
import { S, resetState, extCtx } from './messaging/state.js';
import { loadChannels, loadAll, renderChannelList, openChannel, openAt, renderHeader, newDirect, newGroup, channelsChanged } from './messaging/channels.js';
import { upsert, loadNewer, renderPending, markReadSoon, jumpTo, landOnUnread } from './messaging/timeline.js';
import { buildComposer, wireComposer } from './messaging/composer.js';
import { renderBanners } from './messaging/blitz.js';

export { MAX_FILE, fileProblem } from './messaging/composer.js';
export { messageActions, messageDecorators, composerHooks, channelHeaderTools, events } from './messaging/state.js';

export function createMessaging({ api, me, realtime, toast, refreshUnread: refreshNow, getTenant, getTenants }) {
  // Many messages at once must not mean as many unread queries.
  let unreadTimer = 0;
  const refreshUnread = () => { clearTimeout(unreadTimer); unreadTimer = setTimeout(refreshNow, 300); };
  resetState({ api, me, realtime, toast, refreshUnread, getTenant, getTenants });
  Object.assign(extCtx, { api, me, realtime, toast, tenant: getTenant, openChannel, openAt, jumpTo, current: () => S.current });

  S.sender = createSender({
    onChange: () => renderPending(),
    onProgress: (item, p) => {
      const el = S.ui && S.ui.list.querySelector(`[data-key="${item.client_key}"]`);
      if (!el) return;
      const bar = el.querySelector('progress');
      if (bar) { bar.value = Math.round(p * 100); bar.hidden = false; }
      const st = el.querySelector('.pending-state');
      if (st) st.textContent = t('uploading', { p: Math.round(p * 100) });
    },
    onSent: (item, rec) => {
      const el = S.ui && S.ui.list.querySelector(`[data-key="${item.client_key}"]`);
      if (el) el.remove();
      if (rec && S.current && rec.channel === S.current.id) upsert(rec);
    },
    onFailed: (item, e) => {
      const el = S.ui && S.ui.list.querySelector(`[data-key="${item.client_key}"]`);
      if (el) el.remove();
      toast(t('sendRefused', { msg: e.message }), 'error');
      if (S.ui && item.fields.channel === (S.current && S.current.id) && !S.ui.text.value) S.ui.text.value = item.fields.body || '';
    },
  });
  const sender = S.sender;
  const flushTimer = setInterval(() => { sender.pending().then(p => { if (p.length) sender.flush(); }); }, 4000);
  const offReconnect = realtime.onReconnect(() => {
    sender.flush();
    refreshUnread();
    if (S.current) loadNewer();
    if (S.ui) loadChannels(true);
    loadAll();
  });
  // Opened without a connection (history and channel list from the cache): load for real
  // as soon as the realtime connection stands.
  const offState = realtime.onState(s => {
    if (S.ui) S.ui.layout.classList.toggle('is-offline', s !== 'online');
    if (s !== 'online' || !S.staleView) return;
    S.staleView = false;
    loadChannels(true).then(() => { if (S.current) openChannel(S.current.id, { focus: false, force: true }); });
  });
  const onOnline = () => sender.flush();
  window.addEventListener('online', onOnline);
  sender.flush();
  loadAll();

  function render(el) {
    const c = buildComposer();
    const list = h('div.msglist', { role: 'log', 'aria-live': 'polite', 'aria-labelledby': 'channel-title', tabindex: '0' });
    const chanList = h('div.chanlist');
    const head = h('div.chead');
    const drop = h('div.dropzone', { hidden: true }, t('dropHere'));
    const pane = h('section.channel', { 'aria-label': t('conversation') }, head, list, drop, c.form);
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
    // Reading down marks read what has come into view (markRead: up to the list's bottom edge).
    list.addEventListener('scroll', () => { S.atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40; markReadSoon(); }, { passive: true });
    const ro = new ResizeObserver(() => { if (S.atBottom) list.scrollTop = list.scrollHeight; });
    ro.observe(list);
    S.ui = { layout, list, chanList, head, composer: c.form, composerInner: c.composerInner, readonlyNote: c.readonlyNote, form: c.form, text: c.text, ackBox: c.ackBox, writeAs: c.writeAs, writeAsSel: c.writeAsSel, writeAsChip: c.writeAsChip, counter: c.counter, staged: c.form.querySelector('.staged'), replyBox: c.form.querySelector('.replybox'), search: null };
    wireComposer(c, pane, drop);
    const onVisible = () => { if (document.visibilityState === 'visible') { landOnUnread(); markReadSoon(); } };
    document.addEventListener('visibilitychange', onVisible);

    const tenant = getTenant();
    S.current = null;
    const seq0 = S.openSeq;
    renderHeader();
    renderBanners(false);
    (S.channelsFor === tenant.id && S.channels.length ? Promise.resolve(renderChannelList()) : Promise.resolve()).then(() => loadChannels()).then(loaded => {
      if (loaded === false) return; // another organisation is in view by now
      // Asked to show a message (a search hit, a notification): its channel, at it.
      const target = S.target && S.channels.find(c => c.id === S.target.channel);
      if (target) { openChannel(target.id, { focus: false, force: true }); return; }
      S.target = null;
      // Someone opened a channel meanwhile: that one stays.
      if (S.openSeq !== seq0) return;
      const wanted = sessionStorage.getItem('crisisroom_channel_' + tenant.id);
      const first = S.channels.find(c => c.id === wanted) || S.channels.find(c => c.kind === 'shared' && !c.archived) || S.channels[0];
      if (first && window.matchMedia('(min-width: 761px)').matches) openChannel(first.id, { focus: false });
      else if (first && wanted === first.id) openChannel(first.id, { focus: false });
    });
    return () => {
      document.removeEventListener('visibilitychange', onVisible);
      ro.disconnect();
      S.ui = null; S.current = null;
    };
  }

  return {
    render,
    channelsChanged,
    stop() {
      S.ended = true;
      clearInterval(flushTimer); clearInterval(S.toneTimer); offReconnect(); offState();
      window.removeEventListener('online', onOnline);
      for (const un of S.subs.values()) un();
      S.subs.clear(); S.flashes.clear();
    },
  };
}
