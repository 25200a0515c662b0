// The shared state of the messenger ("Nachrichten") and the small helpers its modules
// share: channels.js (channel list, opening a channel, new conversations), timeline.js
// (the messages of the open channel, receipts, search, files), composer.js (writing and
// attachments) and blitz.js (acknowledgements and the Blitz banners). One messenger lives
// per sign-in; createMessaging (../messaging.js) fills S and deps afresh each time.
//
// EXTENSION POINTS for features that add to the messenger without editing its modules:
//   messageActions.push({ id, order (sorts the row; pin 10, forward 20, forms 30/40), label(rec, ctx) -> string, visible(rec, ctx) -> bool, run(rec, ctx) })
//       an entry in a message's action row (after "Antworten", "Bearbeiten", "Löschen", "Ins ETB").
//   messageDecorators.push((el, rec, ctx) => void)
//       called for every rendered message <article class="msg"> (e.g. highlight mentions, a pin mark).
//   composerHooks.push({ keydown(ev, text, ctx) -> bool handled, beforeSend(fields, ctx) -> fields|false, mount(composerInner, ctx) })
//       completion in the composer (@mentions), extra fields on send, extra controls.
//   channelHeaderTools.push((channel, ctx) => Node|null)  buttons in the channel header (pins, search).
//   events.on(name, fn) -> off   'message' (rec, action), 'channelOpened' (channel), 'flash' (rec)
//   ctx (given to all of the above): { api, me, tenant(), realtime, toast, openChannel(id), openAt(channelId, msgId), jumpTo(msgId), current() }

import { t } from '../i18n.js';
import { icon } from '../ui.js';

export const S = {
  deps: null,              // { api, me, realtime, toast, refreshUnread, getTenant, getTenants }
  channels: [],            // the channels of the tenant in view
  allChannels: [],         // every channel of the person (all subscribed, so a Blitz reaches them)
  channelsFor: '',         // tenant id the channel list belongs to
  current: null,           // the open channel
  subs: new Map(),         // channel id -> unsubscribe
  msgs: new Map(),         // message id -> record (open channel)
  flashes: new Map(),      // message id -> Blitz waiting for my acknowledgement
  flashesExpanded: false,
  acked: new Set(),        // acknowledged here (before the server echoes it)
  ui: null,                // elements of the rendered view, null when not shown
  oldest: null, hasMore: false, searchQ: '', replyTo: null, stagedFiles: [],
  readTimer: 0, toneTimer: 0, ended: false, staleView: false, atBottom: true,
  sender: null,
  // Offline: the pages already loaded per channel id, so that switching channels without
  // a connection shows what was read (marked "offline"), not an empty list.
  history: new Map(),
  offered: [],             // shared channels of the organisation this person is not in yet
  // Search in the channel: hits shown, whether older ones remain, the oldest shown, the header.
  searchCount: 0, searchMore: false, searchOldest: null, searchHead: null,
  detached: false,         // an older part of the channel is shown (reveal), not the newest page
  waiting: new Set(),      // ids of messages that arrived while detached, not shown yet
  liveEnd: '',             // sortKey of the newest message known when the channel was detached
  target: null,            // {channel, id}: the message the next opening of channel shows (search hit)
  openSeq: 0,              // counts openChannel calls: only the latest one fills the list
};

export function resetState(deps) {
  Object.assign(S, {
    deps, channels: [], allChannels: [], channelsFor: '', current: null, subs: new Map(), msgs: new Map(),
    flashes: new Map(), flashesExpanded: false, acked: new Set(), ui: null, oldest: null, hasMore: false,
    searchQ: '', replyTo: null, stagedFiles: [], readTimer: 0, toneTimer: 0, ended: false, staleView: false,
    atBottom: true, sender: null, history: new Map(), offered: [],
    searchCount: 0, searchMore: false, searchOldest: null, searchHead: null, detached: false, waiting: new Set(), liveEnd: '', target: null, openSeq: 0,
  });
}

// ---- extension registries (see the head of this file) ----
export const messageActions = []; // { id, order, label, visible, run }: shown sorted by order (default 100)
export const messageDecorators = [];
export const composerHooks = [];
export const channelHeaderTools = [];
const listeners = new Map();
export const events = {
  on(name, fn) { if (!listeners.has(name)) listeners.set(name, new Set()); listeners.get(name).add(fn); return () => listeners.get(name).delete(fn); },
  emit(name, ...args) { for (const fn of listeners.get(name) || []) { try { fn(...args); } catch (e) { console.error(name, e); } } },
};
// extCtx is filled by ../messaging.js (it knows openChannel and jumpTo).
export const extCtx = {};

// ---- helpers ----
export const list = r => Array.isArray(r) ? r : (r && (r.items || r.channels || r.messages)) || [];
export const isImage = name => /\.(png|jpe?g|gif|webp|bmp|svg)$/i.test(name);
export const fileUrl = (msgId, name) => `/api/files/messages/${encodeURIComponent(msgId)}/${encodeURIComponent(name)}`;
export const sortKey = r => (r.created || '') + r.id;
export const findChannel = id => S.channels.find(x => x.id === id) || S.allChannels.find(x => x.id === id);

export function channelTitle(c) {
  if (!c) return '';
  if (c.kind === 'direct') return (c.peer && (c.peer.name || c.peer.username)) || c.title || peerName(c) || t('direct');
  return c.title || c.name || t('unnamed');
}
function peerName(c) {
  const others = (c.members || []).filter(m => (m.id || m.user) !== S.deps.me.id);
  return others.map(m => m.name || m.username).join(', ');
}
export function channelOrgs(c) {
  const o = c.organisations || c.orgs || [];
  return Array.isArray(o) ? o.filter(x => x && typeof x === 'object') : [];
}

export function author(rec) {
  const me = S.deps.me;
  const a = (rec.expand && rec.expand.author) || null;
  if (a) return a.name || a.username;
  if (rec.author === me.id) return me.name || me.username;
  if (rec.device_name) return rec.device_name;
  return rec.source === 'system' ? t('system') : t('unknownAuthor');
}

export function prioLabel(p) { return p === 'flash' ? t('prioFlash') : p === 'immediate' ? t('prioImmediate') : ''; }

export function myAck(rec) {
  if (S.acked.has(rec.id)) return true;
  const mine = rec.my_receipt || rec.mine || null;
  return !!(mine && mine.acked_at);
}

export function mayWrite() {
  const c = S.current;
  if (!c) return false;
  if (c.my_role) return c.my_role !== 'readonly';
  if (c.role) return c.role !== 'readonly';
  return true;
}

export function displayName(name) {
  // PocketBase appends a random suffix to stored file names: show the name as uploaded.
  return name.replace(/_[a-z0-9]{10}(\.[^.]+)?$/i, '$1');
}

export function fileIcon(name, mime = '') {
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
