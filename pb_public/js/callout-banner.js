// The call-out banner ("Stab alarmieren") for the people called: above every view, with
// the alarm tone, until they answer "Ich komme" (with minutes to arrival) or "Ich komme
// nicht"; then, until the call-out ends, one line with the answer given and "ändern" (the
// latest answer counts, a mis-tap is put right in two taps). It follows the person's own
// callout_recipients records (the server shows each person only theirs). The user menu also gets "Mobilnummer" (the person's own number and
// Blitz by SMS), see phone-field.js.

import { t, addStrings } from './i18n.js';
import { h, icon, fmtTime, dialog } from './ui.js';
import { alertTone } from './tone.js';
import { onSignIn, banner, userMenuItems } from './shell.js';
import { phoneField } from './phone-field.js';

addStrings({
  de: {
    cob_banner: 'Stab-Alarm', cob_coming: 'Ich komme', cob_in: 'in', cob_min: 'Min.', cob_declined: 'Ich komme nicht',
    cob_thanks: 'Danke, Ihre Antwort ist beim Stab: {answer}.', cob_declinedShort: 'Komme nicht', cob_comingShort: 'Ich komme',
    cob_yours: 'Ihre Antwort: {answer}', cob_comingIn: 'Ich komme in {n} Min.', cob_change: 'ändern', cob_changeLabel: 'Antwort ändern', cob_at: 'alarmiert {time}', cob_from: '{time} von {who}', cob_phoneMenu: 'Mobilnummer / SMS',
  },
  en: {
    cob_banner: 'Staff call-out', cob_coming: 'I am coming', cob_in: 'in', cob_min: 'min', cob_declined: 'I am not coming',
    cob_thanks: 'Thank you, the staff has your answer: {answer}.', cob_declinedShort: 'Not coming', cob_comingShort: 'Coming',
    cob_yours: 'Your answer: {answer}', cob_comingIn: 'I am coming in {n} min', cob_change: 'change', cob_changeLabel: 'Change answer', cob_at: 'called {time}', cob_from: '{time} by {who}', cob_phoneMenu: 'Mobile number / SMS',
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

// The answer in words: "Ich komme in 15 Min.", "Ich komme", "Ich komme nicht".
function answerWords(answer, eta) {
  if (answer === 'declined') return t('cob_declined');
  return eta > 0 ? t('cob_comingIn', { n: eta }) : t('cob_coming');
}

onSignIn.push(ctx => {
  const shown = new Set(), rang = new Set();
  // Per recipient record: the minutes picked (kept when the banner is drawn again) and
  // whether "ändern" opened the answers again.
  const minutesOf = new Map(), changing = new Set();
  let alive = true;
  async function refresh() {
    let items = [];
    try {
      const q = encodeURIComponent(`user = "${ctx.me.id}" && callout.status = "active"`);
      const r = await ctx.api.get(`/api/collections/callout_recipients/records?perPage=10&sort=-created&filter=${q}&expand=callout`);
      items = (r && r.items) || [];
    } catch { return; }
    if (!alive) return;
    const ids = new Set(items.map(x => x.id));
    for (const id of shown) if (!ids.has(id)) { banner('callout-' + id, null); shown.delete(id); changing.delete(id); }
    // The oldest first, each put first: the newest call-out ends on top.
    for (const r of [...items].reverse()) {
      const open = !r.answer || changing.has(r.id);
      // A function: the shell draws it again when it draws itself anew (the language).
      banner('callout-' + r.id, open ? () => drawOpen(r) : () => drawAnswered(r));
      shown.add(r.id);
      if (!r.answer && !rang.has(r.id)) { rang.add(r.id); alertTone(); }
    }
  }
  const answer = async (r, body, btn) => {
    btn.disabled = true;
    try {
      await ctx.api.post(`/api/crisisroom/callouts/${r.callout}/answer`, body);
      changing.delete(r.id);
      // "… in 20 Min." ends the sentence already: no second full stop.
      ctx.toast(t('cob_thanks', { answer: answerWords(body.answer, body.eta_minutes || 0) }).replace(/\.\.$/, '.'));
      refresh();
    } catch (e) { btn.disabled = false; ctx.toast(e.message, 'error'); }
  };
  // The call-out to answer: who called and when, its text, "Ich komme" (in minutes) and
  // "Ich komme nicht" (on a phone "Komme nicht", both beside the text).
  function drawOpen(r) {
    const co = (r.expand && r.expand.callout) || {};
    const pick = minutesOf.get(r.id) || (r.answer === 'coming' && r.eta_minutes) || 20;
    const minutes = h('select', { 'aria-label': t('cob_min'), style: { color: '#1d1f24', background: '#fff', minHeight: '44px' },
      onchange: () => minutesOf.set(r.id, Number(minutes.value)) },
    [...new Set([10, 15, 20, 30, 45, 60, 90, pick])].sort((a, b) => a - b).map(m => h('option', { value: String(m), selected: m === pick }, String(m))));
    // On a phone the short words: both answers beside the text, in either language.
    const yes = h('button.btn', { type: 'button', dataset: { answer: 'coming' }, 'aria-label': t('cob_coming'), style: { background: '#fff', color: '#b71c1c', fontWeight: '800', minHeight: '50px' } },
      h('span.lbl-long', t('cob_coming')), h('span.lbl-short', t('cob_comingShort'), h('span.cob-eta', `${t('cob_in')} ${pick} ${t('cob_min')}`)));
    // On a phone the minutes' choice is in the details: the button says what it sends.
    minutes.addEventListener('change', () => { yes.querySelector('.cob-eta').textContent = `${t('cob_in')} ${minutes.value} ${t('cob_min')}`; });
    yes.onclick = () => answer(r, { answer: 'coming', eta_minutes: Number(minutes.value) }, yes);
    const no = h('button.btn', { type: 'button', dataset: { answer: 'declined' }, 'aria-label': t('cob_declined'), style: { background: 'transparent', color: '#fff', borderColor: '#fff' } },
      h('span.lbl-long', t('cob_declined')), h('span.lbl-short', t('cob_declinedShort')));
    no.onclick = () => answer(r, { answer: 'declined' }, no);
    // Its own class, not .flash-banner: the Blitz bar folds its banners by that class.
    // First in the banner box (data-first): on a phone the box scrolls, and the answer
    // must be in sight.
    return h('div.callout-banner', { role: 'alert', dataset: { callout: r.callout, first: '1', state: r.answer ? 'changing' : 'open' },
      style: { background: '#b71c1c', color: '#fff', padding: '.7rem 1rem', borderBottom: '3px solid #7f0000' } },
    // Who called sits beside the head, not in it: on a phone the head shows its tag
    // only, and a woken person must see who wants them there too.
    h('div.flash-head', h('span.flash-tag', t('cob_banner'))),
    h('div.cob-from', { style: { flex: '0 1 auto', minWidth: '0', fontWeight: '400' } }, sender(co.sender, fmtTime(r.created))),
    h('div.flash-body', co.text || ''),
    h('div.flash-actions', yes, h('label.cob-minutes', { style: { display: 'flex', alignItems: 'center', gap: '.3rem' } }, t('cob_in'), minutes, t('cob_min')), no));
  }
  // Answered: one line until the call-out ends, "Ihre Antwort: Ich komme in 15 Min. ·
  // ändern"; the call-out's text is its tooltip.
  function drawAnswered(r) {
    const co = (r.expand && r.expand.callout) || {};
    const change = h('button.btn.cob-change', { type: 'button', 'aria-label': t('cob_changeLabel'), style: { background: 'transparent', color: '#fff', borderColor: '#fff' },
      onclick: () => { changing.add(r.id); banner('callout-' + r.id, () => drawOpen(r)); } }, t('cob_change'));
    // Its own class: it is no longer the alarm (.callout-banner), only its answer.
    return h('div.callout-answered', { role: 'status', title: co.text || '', dataset: { callout: r.callout, first: '1', state: 'answered', answer: r.answer },
      style: { background: '#7f0000', color: '#fff', borderBottom: '2px solid #4a0000' } },
      h('div.flash-head', h('span.flash-tag', t('cob_banner'))),
      h('div.cob-answer', t('cob_yours', { answer: answerWords(r.answer, r.eta_minutes || 0) })),
      h('div.flash-actions', change));
  }
  const un = ctx.realtime.subscribe('callout_recipients/*', ev => {
    if (ev && ev.record && ev.record.user === ctx.me.id) refresh();
  });
  // A call-out ended: its line goes (the server sends the person only theirs).
  const unCo = ctx.realtime.subscribe('callouts/*', ev => { if (ev && ev.record && ev.record.status !== 'active') refresh(); });
  const off = ctx.realtime.onReconnect(() => refresh());
  refresh();
  return () => { alive = false; un(); unCo && unCo(); off(); for (const id of shown) banner('callout-' + id, null); };
});
