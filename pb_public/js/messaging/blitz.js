// Blitz and acknowledgements: which messages wait for my acknowledgement, the compact
// Blitz bar above every view ("3 Blitz offen") and its repeating tone.

import { t } from '../i18n.js';
import { h, clear, fmtTime, orgChip, icon } from '../ui.js';
import { alertTone } from '../tone.js';
import { S, list, author, channelTitle, findChannel, myAck, events, sortKey } from './state.js';
import { upsert } from './timeline.js';
import { openAt } from './channels.js';
import { detailsToggle } from '../shell.js';

// Messages do not say whether I acknowledged them: ask for the receipts of those that
// wait for my acknowledgement, so the button and the Blitz banner show only when due.
export async function learnMyAcks(page) {
  const { api, me } = S.deps;
  const relevant = page.filter(r => !r.deleted && r.author !== me.id && (r.priority === 'flash' || r.ack_required));
  const unknown = relevant.filter(r => r.my_receipt === undefined && !S.acked.has(r.id)).slice(-20);
  await Promise.all(unknown.map(async r => {
    try {
      const s = await api.get(`/api/crisisroom/messages/${r.id}/receipts`);
      r.my_receipt = (s.items || []).find(i => i.user && i.user.id === me.id) || null;
    } catch { /* the button stays; acknowledging twice is harmless */ }
  }));
  for (const r of relevant) {
    if (myAck(r)) { S.acked.add(r.id); S.flashes.delete(r.id); }
    else if (r.priority === 'flash' && r.my_receipt) S.flashes.set(r.id, r);
    if (unknown.includes(r) && S.msgs.get(r.id) === r) upsert(r);
  }
  renderBanners(false);
}

// The open Blitz messages come from the server's own list (GET /api/crisisroom/flashes):
// every one addressed to me and not acknowledged, however many messages followed it in its
// channel (a channel's first page would lose it after 50). Those shown before the question
// and missing from the answer were acknowledged elsewhere or deleted; those that arrived
// by realtime while it was asked stay.
export async function checkFlashes() {
  const before = new Set(S.flashes.keys());
  let r;
  try { r = await S.deps.api.get('/api/crisisroom/flashes'); } catch { return; /* next time */ }
  if (S.ended) return;
  const open = list(r).filter(m => !S.acked.has(m.id));
  const ids = new Set(open.map(m => m.id));
  const merged = [...S.flashes.values()].filter(m => !before.has(m.id) || ids.has(m.id));
  for (const m of open) if (!merged.some(x => x.id === m.id)) merged.push(m);
  merged.sort((a, b) => sortKey(a) < sortKey(b) ? -1 : 1);
  S.flashes = new Map(merged.map(m => [m.id, m]));
  renderBanners(false);
}

// flashArrived: a realtime Blitz for me (sound: it is new, not a reload).
export function flashArrived(rec, sound) {
  S.flashes.set(rec.id, rec);
  renderBanners(sound);
  if (sound) events.emit('flash', rec);
}
export function flashGone(id) { if (S.flashes.delete(id)) renderBanners(false); }

export async function ack(rec) {
  try {
    await S.deps.api.post(`/api/crisisroom/messages/${rec.id}/ack`);
    S.acked.add(rec.id);
    S.flashes.delete(rec.id);
    renderBanners(false);
    if (S.msgs.has(rec.id)) upsert(S.msgs.get(rec.id));
  } catch (e) { S.deps.toast(e.status === 0 ? t('offlineAck') : e.message, 'error'); }
}

export function renderBanners(sound) {
  const box = document.getElementById('banners');
  if (!box) return;
  const { flashes } = S;
  // Several open Blitz messages must not push the channel off the screen: the newest is
  // shown in full, the others behind one summary bar that expands (and then scrolls).
  if (flashes.size < 2) S.flashesExpanded = false;
  box.classList.toggle('collapsed', flashes.size > 1 && !S.flashesExpanded);
  box.classList.toggle('open-all', flashes.size > 1 && S.flashesExpanded);
  const toggle = () => { S.flashesExpanded = !S.flashesExpanded; renderBanners(false); };
  const summary = flashes.size > 1 ? h('div.flash-summary', { role: 'status' },
    h('span.flash-tag', icon('bolt', 16), ' ', t('flashOpen', { n: flashes.size })),
    h('button.btn.ghost#flash-toggle', { type: 'button', 'aria-expanded': String(S.flashesExpanded),
      onclick: toggle }, t(S.flashesExpanded ? 'flashCollapse' : 'flashShowAll'))) : null;
  // Only the Blitz part of the banner area: other banners (siren release) live beside it.
  let mine = box.querySelector(':scope > .flash-area');
  if (!mine) { mine = h('div.flash-area'); box.prepend(mine); }
  // A banner opened in full (a tap on its text) stays open when the list is drawn again.
  const opened = new Set([...mine.querySelectorAll('.flash-banner.expanded')].map(b => b.dataset.id));
  clear(mine, summary, [...flashes.values()].sort((a, b) => sortKey(a) < sortKey(b) ? 1 : -1).map((rec, i) => {
    const c = findChannel(rec.channel);
    const here = S.channels.some(x => x.id === rec.channel);
    return h('div.flash-banner' + (opened.has(rec.id) ? '.expanded' : ''), { role: 'alertdialog', 'aria-label': t('flashMessage'), dataset: { id: rec.id } },
      h('div.flash-head', h('span.flash-tag', icon('bolt', 16), ' ', t('prioFlash')), orgChip(rec.org), h('b', author(rec)), h('span', fmtTime(rec.created)), c ? h('span.flash-channel', '· ', channelTitle(c)) : null),
      detailsToggle(h('div.flash-body', { title: t('bannerExpand') }, rec.body || '')),
      h('div.flash-actions',
        // On a phone the banner is one line: the short word; the long one elsewhere.
        h('button.btn.ack-big', { type: 'button', onclick: () => ack(rec) }, '✔ ', h('span.lbl-long', t('ackFlash')), h('span.lbl-short', t('acknowledge'))),
        c && here && S.ui ? h('button.btn.ghost.show-in-channel', { type: 'button', onclick: () => openAt(c.id, rec.id) }, t('showInChannel')) : null,
        // A phone has no room for the summary bar: the newest Blitz carries its toggle.
        i === 0 && flashes.size > 1 ? h('button.btn.ghost.flash-more', { type: 'button', 'aria-expanded': String(S.flashesExpanded),
          'aria-label': t('flashOpen', { n: flashes.size }) + ': ' + t(S.flashesExpanded ? 'flashCollapse' : 'flashShowAll'), onclick: toggle },
        S.flashesExpanded ? '▴' : '+' + (flashes.size - 1)) : null));
  }));
  for (const b of mine.querySelectorAll('.flash-body')) b.setAttribute('aria-expanded', String(b.parentElement.classList.contains('expanded')));
  clearInterval(S.toneTimer);
  if (flashes.size) {
    if (sound) alertTone();
    // Repeat until acknowledged: a Blitz must not be missed by someone who looked away.
    S.toneTimer = setInterval(() => { if (S.flashes.size) alertTone(); }, 20000);
    const b = box.querySelector('.ack-big');
    if (b && sound && !document.querySelector('dialog[open]')) b.focus();
  }
}
