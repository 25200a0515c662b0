// Pinned messages of a channel: "Anheften" in a message's actions, a pin mark on pinned
// messages, and a "Angeheftet (n)" button in the channel header that lists them with a
// jump to each. Live: the pins collection's realtime events (members of the channel only).

import { t, addStrings } from '../i18n.js';
import { api } from '../api.js';
import { h, dialog, fmtTime } from '../ui.js';
import { S, events, extCtx, messageActions, messageDecorators, channelHeaderTools, mayWrite } from '../messaging/state.js';
import { onSignIn } from '../shell.js';

addStrings({
  de: { sr_pin: 'Anheften', sr_unpin: 'Nicht mehr anheften', sr_pinned: 'Angeheftet', sr_pinnedN: 'Angeheftet ({n})', sr_pinsOf: 'Angeheftet in {name}', sr_noPins: 'In diesem Kanal ist nichts angeheftet.', sr_pinnedBy: 'angeheftet von {name}', sr_pinDone: 'Nachricht angeheftet.' },
  en: { sr_pin: 'Pin', sr_unpin: 'Unpin', sr_pinned: 'Pinned', sr_pinnedN: 'Pinned ({n})', sr_pinsOf: 'Pinned in {name}', sr_noPins: 'Nothing is pinned in this channel.', sr_pinnedBy: 'pinned by {name}', sr_pinDone: 'Message pinned.' },
});

let pins = [];          // pins of the open channel
let pinsOf = '';        // its id
const isPinned = id => pins.some(p => p.message === id);

export async function loadPins(channel) {
  try { pins = await api.get(`/api/crisisroom/channels/${channel}/pins`) || []; } catch { pins = []; }
  pinsOf = channel;
  redraw();
}

function redraw() {
  const btn = document.getElementById('pins-button');
  if (btn) { btn.textContent = pins.length ? t('sr_pinnedN', { n: pins.length }) : t('sr_pinned'); }
  for (const el of document.querySelectorAll('article.msg[data-id]')) mark(el, el.dataset.id);
}

function mark(el, id) {
  const old = el.querySelector('.pin-mark');
  if (isPinned(id) && !old) el.querySelector('.meta')?.append(h('span.pin-mark', t('sr_pinned')));
  else if (!isPinned(id) && old) old.remove();
  const act = el.querySelector('[data-action="pin"]');
  if (act) act.textContent = isPinned(id) ? t('sr_unpin') : t('sr_pin');
  el.classList.toggle('pinned', isPinned(id));
}

export async function togglePin(rec) {
  try {
    if (isPinned(rec.id)) await api.del(`/api/crisisroom/messages/${rec.id}/pin`);
    else { await api.post(`/api/crisisroom/messages/${rec.id}/pin`); extCtx.toast(t('sr_pinDone')); }
  } catch (e) { extCtx.toast(e.message, 'error'); }
  await loadPins(rec.channel);
}

function showPins() {
  const c = S.current;
  if (!c) return;
  const body = h('div.pins-list');
  const d = dialog(t('sr_pinsOf', { name: c.name || '' }), body, { wide: true });
  const draw = () => body.replaceChildren(pins.length ? h('ul.plain', pins.map(p => h('li.pin-item',
    h('div.meta', h('b', p.author ? p.author.name : ''), ' ', h('time', fmtTime(p.message_created))),
    h('p.body', (p.body || '').slice(0, 400)),
    h('div.foot', h('span.muted', t('sr_pinnedBy', { name: p.pinned_by ? p.pinned_by.name : '' })), ' ',
      h('button.btn', { type: 'button', onclick: () => { d.close(); extCtx.jumpTo(p.message); } }, t('showMessage')),
      mayWrite() ? h('button.btn.ghost', { type: 'button', onclick: async () => { await api.del(`/api/crisisroom/messages/${p.message}/pin`).catch(e => extCtx.toast(e.message, 'error')); await loadPins(c.id); draw(); } }, t('sr_unpin')) : null)))) :
    h('p.muted', t('sr_noPins')));
  draw();
}

messageActions.push({
  id: 'pin', order: 10,
  label: rec => isPinned(rec.id) ? t('sr_unpin') : t('sr_pin'),
  visible: rec => !rec.deleted && mayWrite(),
  run: rec => togglePin(rec),
});
messageDecorators.push((el, rec) => { if (pinsOf === rec.channel) mark(el, rec.id); });
channelHeaderTools.push(c => h('button.btn.ghost#pins-button', { type: 'button', onclick: showPins }, (pinsOf === c.id && pins.length ? t('sr_pinnedN', { n: pins.length }) : t('sr_pinned'))));

onSignIn.push(ctx => {
  const offs = [
    events.on('channelOpened', c => loadPins(c.id)),
    ctx.realtime.subscribe('pins/*', ev => { if (ev && ev.record && ev.record.channel === pinsOf) loadPins(pinsOf); }),
  ];
  if (S.current) loadPins(S.current.id);
  return () => offs.forEach(f => f());
});
