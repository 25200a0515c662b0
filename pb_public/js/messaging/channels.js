// Channels: the list of the tenant in view (own, shared, conversations), subscriptions
// to every channel of the person, opening a channel with its history, the channel
// header, and starting direct messages and groups.

import { t, addStrings } from '../i18n.js';
import { h, clear, dialog, orgChip, initials, icon } from '../ui.js';
import { S, list, channelTitle, channelOrgs, channelHeaderTools, extCtx, events } from './state.js';
import { addPage, placeUnreadMarker, renderPending, scrollToEnd, markReadSoon, onEvent, search, showFiles, upsert, reveal, loadBackTo, landAt } from './timeline.js';
import { checkFlashes } from './blitz.js';
import { updateComposerRights, renderReply } from './composer.js';

addStrings({
  de: { noChannelsHelp: 'Sie sind noch in keinem Kanal von {org}. Kanäle legt die Verwaltung Ihrer Organisation an: bitten Sie sie, Sie aufzunehmen{admins}. Bis dahin können Sie unter „Gespräche“ mit „+“ ein Direktgespräch beginnen.', noChannelsAdmins: ' ({names})' },
  en: { noChannelsHelp: 'You are not in any channel of {org} yet. Your organisation\'s administrators set up channels: ask them to add you{admins}. Until then you can start a direct conversation under “Conversations” with “+”.', noChannelsAdmins: ' ({names})' },
});

// noChannelsHelp: what a person in no channel at all can do, and whom to ask (the
// organisation's admins, when the people search returns them).
function noChannelsHelp() {
  const tenant = S.deps.getTenant();
  const names = (S.orgAdmins || []).join(', ');
  return h('div.notice.no-channels-help', { role: 'note' }, t('noChannelsHelp', { org: (tenant && tenant.name) || '', admins: names ? t('noChannelsAdmins', { names }) : '' }));
}

// loadChannels loads the list of the organisation in view. It resolves to false when the
// answer came after the person had switched to another organisation: that answer is
// dropped, or it would show the other organisation's channels under this one's name.
export async function loadChannels(keepCurrent) {
  const { api, toast, getTenant } = S.deps;
  const tenant = getTenant();
  if (!tenant) return;
  const moved = () => (getTenant() || {}).id !== tenant.id;
  try {
    const chans = list(await api.get('/api/crisisroom/channels?org=' + encodeURIComponent(tenant.id)));
    localStorage.setItem('crisisroom_channels_' + tenant.id, JSON.stringify(chans));
    if (moved()) return false;
    S.channels = chans;
    S.channelsFor = tenant.id;
  } catch (e) {
    if (moved()) return false;
    if (e.status !== 0) { toast(e.message, 'error'); return; }
    S.staleView = true;
    S.channels = JSON.parse(localStorage.getItem('crisisroom_channels_' + tenant.id) || '[]');
    S.channelsFor = tenant.id;
  }
  S.orgAdmins = [];
  if (!S.channels.length) {
    // In no channel: name the organisation's admins (whom to ask) in the empty state.
    api.get(`/api/collections/memberships/records?perPage=5&expand=user&filter=${encodeURIComponent(`organisation = '${tenant.id}' && role = 'admin'`)}`)
      .then(r => { S.orgAdmins = list(r).map(m => m.expand && m.expand.user && (m.expand.user.name || m.expand.user.username)).filter(Boolean); renderChannelList(); renderHeader(); })
      .catch(() => {});
  }
  subscribeAll();
  renderChannelList();
  loadOffered(tenant);
  if (keepCurrent && S.current) {
    const fresh = S.channels.find(c => c.id === S.current.id);
    if (fresh) { S.current = fresh; renderHeader(); updateComposerRights(); }
  }
}

// loadOffered finds the shared channels the organisation takes part in but this person is
// not in yet: a new organisation's admin is led to them ("Beitreten") instead of an empty
// list; a member learns that the admins add people.
async function loadOffered(tenant) {
  if (!tenant || tenant.role === 'guest') { S.offered = []; return; }
  const q = encodeURIComponent(`kind='shared' && archived=false && organisations~'${tenant.id}'`);
  try {
    const r = list(await S.deps.api.get(`/api/collections/channels/records?perPage=200&sort=name&filter=${q}`));
    if (S.deps.getTenant() !== tenant) return;
    S.offered = r.filter(c => !S.channels.some(x => x.id === c.id));
  } catch { S.offered = []; }
  renderChannelList();
}

async function joinShared(c) {
  try {
    await S.deps.api.post('/api/collections/channel_members/records', { channel: c.id, user: S.deps.me.id, role: 'member' });
    await loadChannels();
    openChannel(c.id);
  } catch (e) { S.deps.toast(e.message, 'error'); }
}

export async function loadAll() {
  try { S.allChannels = list(await S.deps.api.get('/api/crisisroom/channels')); } catch { return; }
  subscribeAll();
  checkFlashes();
}

function subscribeAll() {
  if (S.ended) return;
  const want = new Set([...S.channels, ...S.allChannels].map(c => c.id));
  for (const [id, un] of S.subs) if (!want.has(id)) { un(); S.subs.delete(id); }
  for (const id of want) if (!S.subs.has(id)) S.subs.set(id, S.deps.realtime.subscribe('channels/' + id, ev => onEvent(id, ev)));
}

export function renderChannelList() {
  const { ui, channels, current } = S;
  if (!ui) return;
  const groups = [
    ['org', t('orgChannels')], ['shared', t('sharedChannels')], ['conv', t('conversations')],
  ];
  const items = kind => channels.filter(c => kind === 'conv' ? (c.kind === 'direct' || c.kind === 'group') : c.kind === kind).filter(c => !c.archived);
  const tenant = S.deps.getTenant();
  const isAdmin = tenant && tenant.role === 'admin';
  const offered = k => k !== 'shared' || !(S.offered || []).length ? null : h('ul.offered', S.offered.map(c => h('li.offer', { dataset: { channel: c.id } },
    h('span', icon('share', 18), ' ', h('b', c.name || t('unnamed')), ' – ', t(isAdmin ? 'offerAdmin' : 'offerMember')),
    isAdmin ? h('button.btn.primary.join-shared', { type: 'button', onclick: () => joinShared(c) }, t('joinShared')) : null)));
  const none = !channels.some(c => !c.archived) && !(S.offered || []).length;
  // A guest has no channels of an organisation of their own and starts no conversations:
  // a heading over "Keine Kanäle." would only show what a guest cannot have. Their empty
  // sections are left out; others keep the short line (they may get or start some).
  const guest = tenant && tenant.role === 'guest';
  clear(ui.chanList, none ? noChannelsHelp() : null, groups.map(([k, label]) => {
    const cs = items(k);
    if (guest && !none && !cs.length && !(k === 'shared' && (S.offered || []).length)) return null;
    if (k === 'shared' && !cs.length && (S.offered || []).length) return h('section.chgroup', { 'aria-label': label }, h('h3', label), offered(k));
    return h('section.chgroup', { 'aria-label': label },
      h('h3', label), offered(k),
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

// openChannel shows a channel: with unread messages at the first of them (land, unless
// false: the line "Neue Nachrichten" at the top of the list, the pages back to it loaded,
// a button below counting those still below the view), else at its newest message.
// Offline, what was loaded of it before stays on screen under an "offline" mark.
export async function openChannel(id, { focus = true, force = false, land = true } = {}) {
  const c = S.channels.find(x => x.id === id);
  const ui = S.ui;
  if (!c || !ui) return;
  // Unread messages in the open channel (they came while the list of channels covered it):
  // opened again, at the first of them.
  if (!force && S.current && S.current.id === id && !S.searchQ && !c.unread) {
    // Already open: keep the view (and its unread line), just bring it forward.
    ui.layout.classList.add('show-channel');
    if (focus) ui.text.focus();
    return;
  }
  S.current = c;
  const seq = ++S.openSeq;
  sessionStorage.setItem('crisisroom_channel_' + S.channelsFor, id);
  S.msgs.clear(); S.oldest = null; S.hasMore = false; S.searchQ = ''; S.replyTo = null; S.detached = false; S.waiting = new Set(); S.searchHead = null;
  ui.layout.classList.add('show-channel');
  renderChannelList();
  renderHeader();
  renderReply();
  clear(ui.list, h('p.muted.center', t('loading')));
  ui.composer.hidden = false;
  const unreadBefore = c.unread || 0;
  const lastRead = c.last_read || '';
  let line = null;
  events.emit('channelOpened', c);
  try {
    const r = await S.deps.api.get(`/api/crisisroom/channels/${id}/messages?limit=50`);
    if (!S.current || S.current.id !== c.id || seq !== S.openSeq) return;
    // Live messages that came while the page loaded stay: a page read before their commit
    // does not hold them.
    const page = list(r), early = [...S.msgs.values()].filter(m => !page.some(x => x.id === m.id));
    clear(ui.list);
    addPage(page, r.has_more);
    for (const m of early) upsert(m, { quiet: true, page: true });
    // More unread than the page holds: the pages back to the first of them. Not for a
    // channel never read (its whole history would load: the line then stands above the
    // page's oldest message, "Ältere Nachrichten laden" above it), nor when opened for a
    // message (a search hit shows the part around it).
    if (land && unreadBefore && lastRead && !(S.target && S.target.channel === id)) {
      const isNew = m => (m.created || '') > lastRead;
      if (!(await loadBackTo(c, isNew, () => !S.current || S.current.id !== c.id || seq !== S.openSeq || S.ui !== ui))) return;
    }
    line = placeUnreadMarker(unreadBefore, lastRead);
  } catch (e) {
    if (!S.current || S.current.id !== c.id || seq !== S.openSeq) return;
    if (e.status === 0) S.staleView = true;
    const kept = e.status === 0 ? [...(S.history.get(c.id) || new Map()).values()] : [];
    if (kept.length) {
      clear(ui.list, h('p.notice.offline-mark', { role: 'status' }, t('offlineKept')));
      kept.sort((a, b) => ((a.created || '') + a.id < (b.created || '') + b.id ? -1 : 1));
      for (const r of kept) upsert(r, { quiet: true });
    } else clear(ui.list, e.status === 0 ? h('p.notice', t('offlineHistory')) : h('p.error', e.message));
  }
  renderPending();
  updateComposerRights();
  // Opened for a message (a search hit): show it there, not the bottom of the list.
  const target = S.target && S.target.channel === id ? S.target : null;
  if (target) { S.target = null; await reveal(target.id); }
  else if (line && land && line.isConnected) landAt(ui, line, () => S.ui !== ui || !S.current || S.current.id !== c.id || seq !== S.openSeq);
  else scrollToEnd();
  if (focus && !target && window.matchMedia('(min-width: 761px)').matches) ui.text.focus();
  markReadSoon();
}

// openAt opens channel id at message msgId (loading the part around it when it is not in
// the newest page) and marks it; resolves to whether the message is shown. With the
// messenger not on screen it only notes the wish (S.target): the messenger opens that
// channel at that message when it renders, instead of its last channel.
export async function openAt(id, msgId) {
  if (!S.ui) { S.target = { channel: id, id: msgId }; return false; }
  if (S.current && S.current.id === id && !S.searchQ) {
    S.ui.layout.classList.add('show-channel');
    return reveal(msgId);
  }
  S.target = { channel: id, id: msgId };
  await openChannel(id, { focus: false, force: true });
  if (S.target && S.target.channel === id) S.target = null; // the channel was not there
  return !!(S.ui && S.ui.list.querySelector(`article.msg[data-id="${CSS.escape(msgId)}"]`));
}

export function renderHeader() {
  const { ui, current } = S;
  if (!ui) return;
  if (!current) { clear(ui.head, S.channels.some(c => !c.archived) || (S.offered || []).length ? h('p.muted', t('chooseChannel')) : noChannelsHelp()); return; }
  const orgs = channelOrgs(current);
  const tools = [];
  for (const f of channelHeaderTools) { try { const n = f(current, extCtx); if (n) tools.push(n); } catch (e) { console.error('header tool', e); } }
  clear(ui.head,
    h('button.btn.back', { type: 'button', 'aria-label': t('backToChannels'), onclick: () => { ui.layout.classList.remove('show-channel'); ui.chanList.querySelector('[aria-current=true]')?.focus(); } }, '←'),
    h('div.chead-title',
      h('h2#channel-title', channelTitle(current)),
      h('div.chead-sub', current.kind === 'shared' ? [h('span.muted', t('sharedWith')), ' ', orgs.map(orgChip)] : null, current.topic ? h('span.muted.topic', current.topic) : null)),
    // Enter or the button searches (not every keystroke: each search replaces the list).
    h('form.search', { role: 'search', onsubmit: ev => { ev.preventDefault(); search(ui.search.value); } },
      ui.search = h('input', { type: 'search', placeholder: t('searchPlaceholder'), 'aria-label': t('searchInChannel'), title: t('searchHint'), value: S.searchQ }),
      h('button.btn.search-go', { type: 'submit', title: t('searchHint'), 'aria-label': t('searchGo') }, icon('search', 16), h('span.lbl', t('searchGo')))),
    tools,
    current.kind === 'group' ? h('button.btn#group-members', { type: 'button', onclick: () => groupMembers(current), 'aria-label': t('groupMembers') }, icon('users'), h('span.lbl', t('groupMembers'))) : null,
    h('button.btn', { type: 'button', onclick: showFiles, id: 'files-button', 'aria-label': t('files') }, icon('clip'), h('span.lbl', t('files'))));
}

// groupMembers lists a group's members, removes one and adds people (the server decides
// who may; a refusal is shown as it comes).
async function groupMembers(c) {
  const { api, toast, me } = S.deps;
  const body = h('div', h('p', t('loading')));
  const d = dialog(t('groupMembersOf', { name: channelTitle(c) }), body, { wide: true });
  const q = encodeURIComponent(`channel='${c.id}'`);
  const draw = async () => {
    let rows;
    try { rows = list(await api.get(`/api/collections/channel_members/records?perPage=500&expand=user&filter=${q}`)); }
    catch (e) { clear(body, h('p.error', e.message)); return; }
    const name = r => (r.expand && r.expand.user && (r.expand.user.name || r.expand.user.username)) || '?';
    rows.sort((a, b) => name(a).localeCompare(name(b)));
    const add = peopleSearch(async p => {
      try { await api.post('/api/collections/channel_members/records', { channel: c.id, user: p.id, role: 'member' }); draw(); }
      catch (e) { toast(e.message, 'error'); }
    }, { exclude: new Set(rows.map(r => r.user)) });
    clear(body,
      h('ul.plain.group-members', rows.map(r => h('li', { dataset: { user: r.user } }, h('span.avatar', initials(name(r))), ' ', name(r), r.user === me.id ? h('span.muted', ' (', t('you'), ')') : null, ' ',
        h('button.btn', { type: 'button', onclick: async () => {
          try { await api.del(`/api/collections/channel_members/records/${r.id}`); if (r.user === me.id) { d.close(); loadChannels(); } else draw(); }
          catch (e) { toast(e.message, 'error'); }
        } }, r.user === me.id ? t('leaveGroup') : t('removeFromGroup'))))),
      h('h3', t('addToGroup')), add.el);
  };
  draw();
}

// peopleSearch: a search field and the people it finds; multi keeps a set of chosen
// people that stays visible while the search changes.
function peopleSearch(onPick, { multi = false, exclude = new Set() } = {}) {
  const { api, me } = S.deps;
  const results = h('ul.people', { role: 'listbox', 'aria-label': t('people') });
  const chosen = new Map();
  const chosenBox = multi ? h('div.chosen', { 'aria-live': 'polite' }) : null;
  const renderChosen = () => {
    if (!chosenBox) return;
    clear(chosenBox, [...chosen.values()].map(p => h('span.chip.person-chip', p.name || p.username, ' ',
      h('button.icon', { type: 'button', 'aria-label': t('removePerson', { name: p.name || p.username }), onclick: () => { chosen.delete(p.id); renderChosen(); run(); } }, '✕'))));
  };
  const q = h('input', { type: 'search', placeholder: t('searchPeople'), 'aria-label': t('searchPeople') });
  let timer = 0;
  const run = async () => {
    try {
      const r = list(await api.get('/api/crisisroom/people?q=' + encodeURIComponent(q.value.trim())));
      clear(results, r.filter(p => p.id !== me.id && !exclude.has(p.id)).map(p => {
        const orgs = p.orgs || p.organisations || [];
        const label = [p.name || p.username, ...(Array.isArray(orgs) ? orgs.map(o => o.short || '') : [])].join(' ');
        if (multi) {
          const cb = h('input', { type: 'checkbox', checked: chosen.has(p.id), onchange: () => { cb.checked ? chosen.set(p.id, p) : chosen.delete(p.id); renderChosen(); } });
          return h('li', h('label.person', cb, h('span.avatar', initials(p.name || p.username)), h('span', p.name || p.username), h('span.chips', Array.isArray(orgs) ? orgs.map(orgChip) : null)));
        }
        return h('li', h('button.person', { type: 'button', 'aria-label': label, onclick: () => onPick(p) }, h('span.avatar', initials(p.name || p.username)), h('span', p.name || p.username, ' ', h('span.muted', p.username || '')), h('span.chips', Array.isArray(orgs) ? orgs.map(orgChip) : null)));
      }));
      if (!results.children.length) results.append(h('li.muted', t('nobodyFound')));
    } catch (e) { clear(results, h('li.error', e.message)); }
  };
  q.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(run, 200); });
  run();
  return { el: h('div.peoplesearch', chosenBox, q, results), chosen };
}

export function newDirect() {
  let d;
  const ps = peopleSearch(async p => {
    try {
      const ch = await S.deps.api.post('/api/crisisroom/direct', { user: p.id });
      d.close();
      await loadChannels();
      const id = (ch && (ch.id || (ch.channel && ch.channel.id) || ch.channel)) || '';
      if (id) openChannel(id);
    } catch (e) { S.deps.toast(e.message, 'error'); }
  });
  d = dialog(t('newDirect'), [h('p.muted', t('newDirectHelp')), ps.el]);
}

export function newGroup() {
  const { api, toast, getTenant } = S.deps;
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

// crisisroom/me told us this person was added to or removed from a channel.
export function channelsChanged(ev) {
  const { ui, current } = S;
  const chId = ev.record && ev.record.channel;
  if (ev.action === 'channel_removed' && ui && current && current.id === chId) {
    S.current = null;
    S.msgs.clear();
    clear(ui.list, h('p.muted.center', t('removedFromChannel')));
    ui.composer.hidden = true;
    renderHeader();
  }
  loadChannels(true);
  loadAll();
}
