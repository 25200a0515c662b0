// Forward a message to another channel or to a person: "Weiterleiten" in a message's
// actions opens a dialog with the person's channels and a people search (a person gets
// the message in the direct conversation, opened if need be). The server checks that
// the message may be read and the target written (hooks/staffroom/forward.go).

import { t, addStrings } from '../i18n.js';
import { api } from '../api.js';
import { h, dialog } from '../ui.js';
import { S, extCtx, messageActions, channelTitle } from '../messaging/state.js';

addStrings({
  de: { sr_forward: 'Weiterleiten', sr_forwardTitle: 'Nachricht weiterleiten', sr_forwardTo: 'An Kanal', sr_forwardToPerson: 'Oder an eine Person', sr_forwardNote: 'Notiz (freiwillig)', sr_forwardDone: 'Weitergeleitet an {name}.', sr_forwardPick: 'Bitte einen Kanal oder eine Person wählen.' },
  en: { sr_forward: 'Forward', sr_forwardTitle: 'Forward message', sr_forwardTo: 'To channel', sr_forwardToPerson: 'Or to a person', sr_forwardNote: 'Note (optional)', sr_forwardDone: 'Forwarded to {name}.', sr_forwardPick: 'Please choose a channel or a person.' },
});

export async function forwardMessage(msgId, { channel, user, note }) {
  if (!channel && user) {
    const d = await api.post('/api/crisisroom/direct', { user });
    channel = d.id || (d.channel && d.channel.id) || d.channel;
  }
  return api.post(`/api/crisisroom/messages/${msgId}/forward`, { channel, note });
}

function openForward(rec) {
  const chans = [...new Map([...S.allChannels, ...S.channels].map(c => [c.id, c])).values()]
    .filter(c => !c.archived && (c.my_role || c.role) !== 'readonly');
  const sel = h('select#forward-channel', { 'aria-label': t('sr_forwardTo') }, h('option', { value: '' }, '—'),
    chans.map(c => h('option', { value: c.id }, channelTitle(c))));
  const q = h('input#forward-person', { type: 'search', placeholder: t('searchPeople'), autocomplete: 'off' });
  const found = h('ul.plain.people-pick');
  let user = '';
  q.oninput = async () => {
    user = '';
    const v = q.value.trim();
    if (v.length < 2) { found.replaceChildren(); return; }
    const r = await api.get('/api/crisisroom/people?q=' + encodeURIComponent(v)).catch(() => []);
    found.replaceChildren(...(Array.isArray(r) ? r : []).slice(0, 8).map(p => h('li', h('button.btn.ghost', {
      type: 'button', 'aria-pressed': 'false', onclick: ev => {
        user = p.id; sel.value = ''; q.value = p.name;
        for (const b of found.querySelectorAll('button')) b.setAttribute('aria-pressed', 'false');
        ev.currentTarget.setAttribute('aria-pressed', 'true');
      },
    }, p.name, ' ', h('span.muted', '@' + p.username)))));
  };
  sel.onchange = () => { if (sel.value) { user = ''; q.value = ''; found.replaceChildren(); } };
  const note = h('textarea#forward-note', { rows: 2, maxlength: 2000 });
  const err = h('p.error', { role: 'alert' });
  const go = h('button.btn.primary#forward-send', { type: 'button' }, t('sr_forward'));
  const d = dialog(t('sr_forwardTitle'), [
    h('blockquote.fwd-preview', (rec.body || '').slice(0, 300)),
    h('label.field', { for: 'forward-channel' }, t('sr_forwardTo')), sel,
    h('label.field', { for: 'forward-person' }, t('sr_forwardToPerson')), q, found,
    h('label.field', { for: 'forward-note' }, t('sr_forwardNote')), note, err,
  ], { actions: [go] });
  go.onclick = async () => {
    if (!sel.value && !user) { err.textContent = t('sr_forwardPick'); return; }
    go.disabled = true;
    try {
      const name = sel.value ? sel.selectedOptions[0].textContent : q.value;
      await forwardMessage(rec.id, { channel: sel.value, user, note: note.value });
      d.close();
      extCtx.toast(t('sr_forwardDone', { name }));
    } catch (e) { err.textContent = e.message; go.disabled = false; }
  };
}

// Not offered where it cannot work: a guest reaches only the channels of their invitation
// (the server refuses every forward), and a system notice is no one's word to pass on.
messageActions.push({ id: 'forward', order: 20, label: () => t('sr_forward'), visible: (rec, ctx) => !rec.deleted && rec.source !== 'system' && ctx.tenant()?.role !== 'guest', run: rec => openForward(rec) });
