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
    cob_banner: 'Stab-Alarm', cob_coming: 'Ich komme', cob_in: 'in', cob_min: 'Min.', cob_declined: 'Ich komme nicht',
    cob_thanks: 'Danke, Ihre Antwort ist beim Stab.', cob_at: 'alarmiert {time}', cob_from: '{time} von {who}', cob_phoneMenu: 'Mobilnummer / SMS',
  },
  en: {
    cob_banner: 'Staff call-out', cob_coming: 'I am coming', cob_in: 'in', cob_min: 'min', cob_declined: 'I am not coming',
    cob_thanks: 'Thank you, the staff has your answer.', cob_at: 'called {time}', cob_from: '{time} by {who}', cob_phoneMenu: 'Mobile number / SMS',
  },
});

userMenuItems.push(ctx => h('button.btn.wide#open-phone', { type: 'button', onclick: () => {
  document.querySelector('dialog[open]')?.close();
  dialog(t('cob_phoneMenu'), phoneField(ctx, ctx.me.id));
} }, icon('signal', 18), ' ', t('cob_phoneMenu')));

// Who called and when, the first thing a woken person asks: beside the tag "STAB-ALARM",
// "03:12 von Jonas Wagner (KS, S2, ETB)", time first: on a phone the line is cut at its
// end. The server adds sender (name, organisation, function or role) to the call-out for
// those it calls, and nothing else of that person.
function sender(s, time) {
  if (!s || !s.name) return t('cob_at', { time });
  const what = [s.organisation, s.function || (s.role ? t('role_' + s.role) : '')].filter(Boolean).join(', ');
  return t('cob_from', { who: s.name + (what ? ' (' + what + ')' : ''), time });
}

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
      const minutes = h('select', { 'aria-label': t('cob_min'), style: { color: '#1d1f24', background: '#fff', minHeight: '44px' } }, [10, 15, 20, 30, 45, 60, 90].map(m => h('option', { value: String(m), selected: m === 20 }, String(m))));
      const answer = async (body, btn) => {
        btn.disabled = true;
        try { await ctx.api.post(`/api/crisisroom/callouts/${r.callout}/answer`, body); ctx.toast(t('cob_thanks')); refresh(); }
        catch (e) { btn.disabled = false; ctx.toast(e.message, 'error'); }
      };
      const yes = h('button.btn', { type: 'button', dataset: { answer: 'coming' }, style: { background: '#fff', color: '#b71c1c', fontWeight: '800', minHeight: '50px' } }, t('cob_coming'));
      yes.onclick = () => answer({ answer: 'coming', eta_minutes: Number(minutes.value) }, yes);
      const no = h('button.btn', { type: 'button', dataset: { answer: 'declined' }, style: { background: 'transparent', color: '#fff', borderColor: '#fff' } }, t('cob_declined'));
      no.onclick = () => answer({ answer: 'declined' }, no);
      // Its own class, not .flash-banner: the Blitz bar folds its banners by that class.
      const node = h('div.callout-banner', { role: 'alert', dataset: { callout: r.callout },
        style: { background: '#b71c1c', color: '#fff', padding: '.7rem 1rem', borderBottom: '3px solid #7f0000' } },
        // Who called sits beside the head, not in it: on a phone the head shows its tag
        // only, and a woken person must see who wants them there too.
        h('div.flash-head', h('span.flash-tag', t('cob_banner'))),
        h('div.cob-from', { style: { flex: '0 1 auto', minWidth: '0', fontWeight: '400' } }, sender(co.sender, fmtTime(r.created))),
        h('div.flash-body', co.text || ''),
        h('div.flash-actions', yes, h('label', { style: { display: 'flex', alignItems: 'center', gap: '.3rem' } }, t('cob_in'), minutes, t('cob_min')), no));
      banner('callout-' + r.id, node);
      // First in the banner box: on a phone the box scrolls, and the answer must be in sight.
      if (node.parentElement) node.parentElement.prepend(node);
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
