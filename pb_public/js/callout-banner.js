// The call-out banner ("Stab alarmieren") for the people called: above every view, with
// the alarm tone, until they answer "Ich komme" (with minutes to arrival) or "Ich komme
// nicht". It follows the person's own callout_recipients records (the server shows each
// person only theirs). The user menu also gets "Mobilnummer" (the person's own number and
// Blitz by SMS), see phone-field.js.

import { t, addStrings } from './i18n.js';
import { h, icon, fmtTime, dialog } from './ui.js';
import { alertTone } from './tone.js';
import { onSignIn, banner, userMenuItems } from './shell.js';
import { phoneField } from './phone-field.js';

addStrings({
  de: {
    co_banner: 'Stab-Alarm', co_coming: 'Ich komme', co_in: 'in', co_min: 'Min.', co_declined: 'Ich komme nicht',
    co_thanks: 'Danke, Ihre Antwort ist beim Stab.', co_at: 'alarmiert {time}', co_phoneMenu: 'Mobilnummer / SMS',
  },
  en: {
    co_banner: 'Staff call-out', co_coming: 'I am coming', co_in: 'in', co_min: 'min', co_declined: 'I am not coming',
    co_thanks: 'Thank you, the staff has your answer.', co_at: 'called {time}', co_phoneMenu: 'Mobile number / SMS',
  },
});

userMenuItems.push(ctx => h('button.btn.wide#open-phone', { type: 'button', onclick: () => {
  document.querySelector('dialog[open]')?.close();
  dialog(t('co_phoneMenu'), phoneField(ctx, ctx.me.id));
} }, icon('signal', 18), ' ', t('co_phoneMenu')));

onSignIn.push(ctx => {
  const shown = new Set();
  let alive = true;
  async function refresh() {
    let items = [];
    try {
      const q = encodeURIComponent(`user = "${ctx.me.id}" && answer = "" && callout.status = "active"`);
      const r = await ctx.api.get(`/api/collections/callout_recipients/records?perPage=10&sort=-created&filter=${q}&expand=callout`);
      items = (r && r.items) || [];
    } catch { return; }
    if (!alive) return;
    const ids = new Set(items.map(x => x.id));
    for (const id of shown) if (!ids.has(id)) { banner('callout-' + id, null); shown.delete(id); }
    for (const r of items) {
      const co = (r.expand && r.expand.callout) || {};
      const minutes = h('select', { 'aria-label': t('co_min') }, [10, 15, 20, 30, 45, 60, 90].map(m => h('option', { value: String(m), selected: m === 20 }, String(m))));
      const answer = async (body, btn) => {
        btn.disabled = true;
        try { await ctx.api.post(`/api/crisisroom/callouts/${r.callout}/answer`, body); ctx.toast(t('co_thanks')); refresh(); }
        catch (e) { btn.disabled = false; ctx.toast(e.message, 'error'); }
      };
      const yes = h('button.ack-big', { type: 'button', dataset: { answer: 'coming' } }, t('co_coming'));
      yes.onclick = () => answer({ answer: 'coming', eta_minutes: Number(minutes.value) }, yes);
      const no = h('button.btn.ghost', { type: 'button', dataset: { answer: 'declined' } }, t('co_declined'));
      no.onclick = () => answer({ answer: 'declined' }, no);
      banner('callout-' + r.id, h('div.flash-banner.callout-banner', { role: 'alert', dataset: { callout: r.callout } },
        h('div.flash-head', h('span.flash-tag', t('co_banner')), h('span', t('co_at', { time: fmtTime(r.created) }))),
        h('div.flash-body', co.text || ''),
        h('div.flash-actions', yes, h('label', { style: { display: 'flex', alignItems: 'center', gap: '.3rem' } }, t('co_in'), minutes, t('co_min')), no)));
      if (!shown.has(r.id)) { shown.add(r.id); alertTone(); }
    }
  }
  const un = ctx.realtime.subscribe('callout_recipients/*', ev => {
    if (ev && ev.record && ev.record.user === ctx.me.id) refresh();
  });
  const off = ctx.realtime.onReconnect(() => refresh());
  refresh();
  return () => { alive = false; un(); off(); for (const id of shown) banner('callout-' + id, null); };
});
