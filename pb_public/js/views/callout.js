// "Stab alarmieren" (staff call-out), for the host's admins and operators: pick whom
// (a saved group such as "Stab Stufe 1", organisations, functions), a text and a
// priority, and follow the answers live: who comes when (sorted by arrival), who
// declined, who has not answered, and how each was reached (app or SMS). Below, the SMS
// modem: its state (PIN, network, signal, queue) and its log of sent and received SMS.
// The server decides who may call out; this screen shows its answer.

import { addStrings, t, tn } from '../i18n.js';
import { h, clear, fmtTime, icon, confirmDialog } from '../ui.js';

addStrings({
  de: {
    co_title: 'Stab alarmieren', co_new: 'Neue Alarmierung', co_text: 'Alarmtext', co_textHint: 'z. B. Lagebesprechung 03:30 im Rathaus, Großer Saal',
    co_priority: 'Priorität', co_p_flash: 'Blitz', co_p_immediate: 'Sofort', co_p_normal: 'Normal', co_group: 'Alarmgruppe', co_noGroup: '– keine –',
    co_orgs: 'Organisationen', co_functions: 'Funktionen', co_noFunctions: 'Niemand hat eine Funktion eingetragen.',
    co_staffFns: 'Stabsfunktionen', co_titles: 'Freitext-Funktionen aus den Mitgliedschaften', co_confirm: '{n} Personen alarmieren?', co_confirm_one: '1 Person alarmieren?', co_confirmSelf: 'Sie alarmieren nur sich selbst. Trotzdem alarmieren?', co_confirmUnknown: 'Alarmieren?', co_confirmYes: 'Ja, alarmieren', co_vacant: 'unbesetzt',
    co_pv_app: 'App', co_pv_sms: 'SMS', co_pv_none: 'nicht erreichbar', co_pv_nobody: 'erreicht niemand', co_pv_unknown: 'unbekannt – erreicht niemand', co_pv_title: 'Funktionsbezeichnung', co_pv_users: 'Personen',
    co_pv_howApp: '{n} per App', co_pv_howSms: '{n} per SMS', co_pv_howNone: '{n} jetzt nicht erreichbar (nicht in der App, keine Mobilnummer)',
    co_preview: 'Die Auswahl erreicht {n} Personen', co_preview_one: 'Die Auswahl erreicht 1 Person', co_previewNone: 'Niemand würde alarmiert – bitte Organisationen, Funktionen oder eine Gruppe wählen.',
    co_previewSelf: 'Sie alarmieren nur sich selbst.', co_previewWithSelf: 'Sie selbst sind dabei.', co_refuseNobody: 'Nicht alarmiert: niemand würde alarmiert. Bitte Organisationen, Funktionen oder eine Gruppe wählen.', co_refuseEmpty: 'Nicht alarmiert: niemand würde alarmiert.',
    co_rf_fn: 'Die Funktion {list} ist nicht besetzt.', co_rf_fns: 'Die Funktionen {list} sind nicht besetzt.', co_rf_org: '{list}: niemand erreichbar.', co_rf_unknown: '{list}: unbekannt.', co_remind: 'Zweite SMS nach (Minuten, 0 = keine)',
    co_start: 'Alarmieren', co_started: 'Alarmierung läuft: {n} Personen.', co_started_one: 'Alarmierung läuft: 1 Person.', co_saveGroup: 'Auswahl als Gruppe speichern', co_groupName: 'Name der Gruppe', co_saveGroupBtn: 'Gruppe speichern',
    co_recent: 'Alarmierungen', co_none: 'Noch keine Alarmierung.', co_comingN: '{n} kommen', co_comingN_one: '{n} kommt', co_declinedN: '{n} kommen nicht', co_declinedN_one: '{n} kommt nicht', co_openN: '{n} ohne Antwort',
    co_who: 'Person', co_org: 'Org.', co_fn: 'Funktion', co_answer: 'Antwort', co_arrives: 'Ankunft', co_via: 'Weg', co_reached: 'Erreicht',
    co_a_coming: 'kommt', co_a_declined: 'kommt nicht', co_a_open: 'keine Antwort', co_via_app: 'App', co_via_sms: 'SMS',
    co_r_app: 'App (verbunden)', co_r_sms: 'SMS {state}', co_r_nonumber: 'keine Mobilnummer', co_close: 'Alarmierung beenden', co_closed: 'beendet',
    co_modem: 'SMS-Modem', co_noModem: 'Kein SMS-Modem eingerichtet.', co_log: 'SMS-Protokoll', co_in: 'empfangen', co_out: 'gesendet', co_unknown: 'unbekannte Nummer',
    co_st_ready: 'bereit', co_st_offline: 'nicht verbunden', co_st_starting: 'startet', co_st_pin_required: 'PIN fehlt', co_st_pin_wrong: 'PIN falsch', co_st_sim_error: 'SIM-Fehler', co_st_no_network: 'kein Netz',
    co_signal: 'Signal {dbm} dBm', co_queue: 'Warteschlange {n}', co_sim: 'SIM {used}/{total}', co_testFrom: 'Absender', co_testText: 'Text', co_testSend: 'Test-SMS empfangen',
    co_sms_none: '–', co_sms_queued: 'wartet', co_sms_sent: 'gesendet', co_sms_delivered: 'zugestellt', co_sms_failed: 'fehlgeschlagen', co_sms_pending: 'wartet', co_sms_retrying: 'neuer Versuch', co_sms_undelivered: 'nicht zugestellt', co_sms_received: 'empfangen',
  },
  en: {
    co_title: 'Staff call-out', co_new: 'New call-out', co_text: 'Alarm text', co_textHint: 'e.g. Briefing 03:30 at the town hall, main hall',
    co_priority: 'Priority', co_p_flash: 'Flash', co_p_immediate: 'Immediate', co_p_normal: 'Normal', co_group: 'Call-out group', co_noGroup: '– none –',
    co_orgs: 'Organisations', co_functions: 'Functions', co_noFunctions: 'Nobody has a function entered.',
    co_staffFns: 'Staff functions', co_titles: 'Free-text functions from the memberships', co_confirm: 'Call out {n} people?', co_confirm_one: 'Call out 1 person?', co_confirmSelf: 'You would alarm only yourself. Call out anyway?', co_confirmUnknown: 'Call out?', co_confirmYes: 'Yes, call out', co_vacant: 'vacant',
    co_pv_app: 'app', co_pv_sms: 'SMS', co_pv_none: 'not reachable', co_pv_nobody: 'reaches nobody', co_pv_unknown: 'unknown – reaches nobody', co_pv_title: 'job title', co_pv_users: 'People',
    co_pv_howApp: '{n} by app', co_pv_howSms: '{n} by SMS', co_pv_howNone: '{n} not reachable now (not in the app, no mobile number)',
    co_preview: 'The selection reaches {n} people', co_preview_one: 'The selection reaches 1 person', co_previewNone: 'Nobody would be alarmed – please pick organisations, functions or a group.',
    co_previewSelf: 'You would alarm only yourself.', co_previewWithSelf: 'You are among them.', co_refuseNobody: 'Not called out: nobody would be alarmed. Please pick organisations, functions or a group.', co_refuseEmpty: 'Not called out: nobody would be alarmed.',
    co_rf_fn: 'The function {list} is not staffed.', co_rf_fns: 'The functions {list} are not staffed.', co_rf_org: '{list}: nobody to reach.', co_rf_unknown: '{list}: unknown.', co_remind: 'Second SMS after (minutes, 0 = none)',
    co_start: 'Call out', co_started: 'Call-out running: {n} people.', co_started_one: 'Call-out running: 1 person.', co_saveGroup: 'Save selection as group', co_groupName: 'Group name', co_saveGroupBtn: 'Save group',
    co_recent: 'Call-outs', co_none: 'No call-out yet.', co_comingN: '{n} coming', co_declinedN: '{n} not coming', co_openN: '{n} no answer',
    co_who: 'Person', co_org: 'Org.', co_fn: 'Function', co_answer: 'Answer', co_arrives: 'Arrival', co_via: 'Via', co_reached: 'Reached',
    co_a_coming: 'coming', co_a_declined: 'not coming', co_a_open: 'no answer', co_via_app: 'app', co_via_sms: 'SMS',
    co_r_app: 'app (connected)', co_r_sms: 'SMS {state}', co_r_nonumber: 'no mobile number', co_close: 'End call-out', co_closed: 'ended',
    co_modem: 'SMS modem', co_noModem: 'No SMS modem set up.', co_log: 'SMS log', co_in: 'received', co_out: 'sent', co_unknown: 'unknown number',
    co_st_ready: 'ready', co_st_offline: 'not connected', co_st_starting: 'starting', co_st_pin_required: 'PIN missing', co_st_pin_wrong: 'wrong PIN', co_st_sim_error: 'SIM error', co_st_no_network: 'no network',
    co_signal: 'signal {dbm} dBm', co_queue: 'queue {n}', co_sim: 'SIM {used}/{total}', co_testFrom: 'Sender', co_testText: 'Text', co_testSend: 'Receive a test SMS',
    co_sms_none: '–', co_sms_queued: 'waiting', co_sms_sent: 'sent', co_sms_delivered: 'delivered', co_sms_failed: 'failed', co_sms_pending: 'waiting', co_sms_retrying: 'retrying', co_sms_undelivered: 'not delivered', co_sms_received: 'received',
  },
});

const q = s => encodeURIComponent(s);
const items = r => (r && r.items) || [];
const answerColour = { coming: '#2e7d32', declined: '#b71c1c', '': '#6b6f7b' };

export default {
  id: 'callout',
  title: { de: 'Stab alarmieren', en: 'Staff call-out' },
  icon: 'siren',
  visible: ctx => !!ctx.hostOperator,
  render(el, ctx) {
    const page = h('div.view-page.callout-view');
    const formBox = h('section.panel.callout-new');
    // Hidden until a call-out is shown in it: an empty panel looks broken.
    const liveBox = h('section.panel.callout-live', { hidden: true });
    const listBox = h('section.panel.callout-list');
    const modemBox = h('section.panel.callout-modem');
    page.append(formBox, liveBox, listBox, modemBox);
    el.append(page);
    let alive = true, current = '', timer = 0;
    const schedule = fn => { clearTimeout(timer); timer = setTimeout(fn, 150); };

    const subs = [
      ctx.realtime.subscribe('callout_recipients/*', ev => { if (ev && ev.record && ev.record.callout === current) schedule(loadLive); }),
      ctx.realtime.subscribe('callouts/*', () => loadList()),
      ctx.realtime.subscribe('sms_messages/*', () => loadModem()),
      ctx.realtime.subscribe('devices/*', ev => { if (ev && ev.record && ev.record.kind === 'sms') loadModem(); }),
    ];
    const unre = ctx.realtime.onReconnect(() => { loadList(); loadLive(); loadModem(); });
    buildForm();
    loadList();
    loadModem();
    return () => { alive = false; clearTimeout(timer); subs.forEach(u => u && u()); unre && unre(); };

    async function buildForm() {
      const text = h('textarea#co-text', { rows: 3, maxlength: 600, required: true, placeholder: t('co_textHint') });
      const prio = h('select#co-priority', ['flash', 'immediate', 'normal'].map(p => h('option', { value: p, selected: p === 'immediate' }, t('co_p_' + p))));
      const group = h('select#co-group', h('option', { value: '' }, t('co_noGroup')));
      // Functions are picked, not typed (a typo would call nobody): the staff functions
      // (S1–S6, VB-…) by code first, then the job titles people have in their memberships.
      const fnBox = h('div.co-functions#co-functions');
      const pickedFunctions = () => [...fnBox.querySelectorAll('input:checked')].map(x => x.value);
      const preview = h('p.co-preview', { role: 'status', 'aria-live': 'polite' });
      // Per part of the selection: who is reached, and how (app or SMS).
      const previewParts = h('ul.plain.co-preview-parts', { style: { margin: '0 0 .6rem' } });
      const remind = h('input#co-remind', { type: 'number', min: 0, max: 1440, value: '10', inputmode: 'numeric' });
      const orgBox = h('div.co-orgs', { style: { display: 'flex', flexWrap: 'wrap', gap: '.3rem .9rem' } });
      const msg = h('p.muted', { role: 'status' });
      const start = h('button.btn.primary#co-start', { type: 'submit' }, icon('siren', 18), ' ', t('co_start'));
      // The ticked organisations and the functions, kept as a group ("Stab Stufe 1").
      const saveGroup = h('button.btn#co-save-group', { type: 'button', onclick: () => {
        const name = h('input#co-group-name', { type: 'text', maxlength: 80, required: true });
        const ok = h('button.btn.primary', { type: 'submit' }, t('co_saveGroupBtn'));
        const d = ctx.dialog(t('co_saveGroup'), h('form', { onsubmit: async e => {
          e.preventDefault();
          if (!name.value.trim() || !ctx.host) return;
          ok.disabled = true;
          try {
            const g = await ctx.api.post('/api/collections/callout_groups/records', {
              organisation: ctx.host.id, name: name.value.trim(),
              organisations: [...orgBox.querySelectorAll('input:checked')].map(x => x.value),
              functions: pickedFunctions(),
            });
            group.append(h('option', { value: g.id, selected: true }, g.name));
            d.close();
          } catch (err) { ok.disabled = false; ctx.toast(err.message, 'error'); }
        } }, h('label.field', { for: 'co-group-name' }, t('co_groupName')), name, h('p', ok)));
      } }, t('co_saveGroup'));
      // How many the selection reaches, asked of the server before anything is sent.
      let previewTimer = 0, previewSeq = 0;
      const selection = () => ({
        group: group.value,
        organisations: [...orgBox.querySelectorAll('input:checked')].map(x => x.value),
        functions: pickedFunctions(),
      });
      const updatePreview = () => { clearTimeout(previewTimer); previewTimer = setTimeout(async () => {
        const sel = selection(), seq = ++previewSeq;
        if (!sel.group && !sel.organisations.length && !sel.functions.length) { showPreview({ total: 0 }); clear(previewParts); return; }
        try {
          const r = await ctx.api.post('/api/crisisroom/callouts/preview', sel);
          if (!alive || seq !== previewSeq) return;
          showPreview(r);
          renderParts(r.parts || []);
        } catch (err) { if (alive && seq === previewSeq) { preview.textContent = err.message; preview.dataset.total = ''; preview.dataset.self = ''; clear(previewParts); } }
      }, 200); };
      // The preview in words: whom, how many and how ("4 Personen: 2 per App, 1 per SMS,
      // 1 jetzt nicht erreichbar"; only the ways that reach someone), and plainly when it
      // is nobody or only the operator.
      function showPreview(r) {
        const n = r.total || 0;
        preview.dataset.total = String(n);
        preview.dataset.self = n && r.self ? (n === 1 ? 'only' : 'among') : '';
        if (!n) { clear(preview, h('strong', t('co_previewNone'))); return; }
        const how = [['app', 'co_pv_howApp'], ['sms', 'co_pv_howSms'], ['none', 'co_pv_howNone']].filter(([k]) => r[k] > 0).map(([k, key]) => t(key, { n: r[k] }));
        const text = tn('co_preview', n) + (how.length ? ': ' + how.join(', ') : '') + '.';
        if (n === 1 && r.self) clear(preview, h('strong.co-preview-self', t('co_previewSelf')), ' ', text);
        else clear(preview, text, r.self ? ' ' + t('co_previewWithSelf') : '');
      }
      // A refusal speaks of the selection it refused: a new selection clears it, so it
      // never stands beside a preview that says otherwise.
      const setMsg = (text, refusal) => { msg.textContent = text; msg.dataset.refusal = refusal ? '1' : ''; };
      const selectionChanged = () => { if (msg.dataset.refusal) setMsg('', false); updatePreview(); };
      const form = h('form', { onchange: selectionChanged, onsubmit: async e => {
        e.preventDefault();
        start.disabled = true;
        try {
          const body = {
            text: text.value, priority: prio.value, ...selection(),
            remind_after_minutes: Number(remind.value) || 0,
          };
          // A call-out wakes people: asked once more, with the number the server counts
          // for this selection now ("Abbrechen" has the focus, Esc cancels).
          let n = null, self = false, parts = [];
          try { ({ total: n, self, parts = [] } = await ctx.api.post('/api/crisisroom/callouts/preview', selection())); } catch { n = null; }
          // Nobody: refused here in words (the server refuses it too), no question asked;
          // the words say why (the function picked is vacant), not to pick what was picked.
          if (n === 0) {
            const why = refusal(body, parts || []);
            setMsg(why, true); ctx.toast(why, 'error');
            start.disabled = false; return;
          }
          const question = n === null ? t('co_confirmUnknown') : n === 1 && self ? t('co_confirmSelf') : tn('co_confirm', n);
          if (!alive || !(await confirmDialog(question, t('co_confirmYes')))) { start.disabled = false; return; }
          const ov = await ctx.api.post('/api/crisisroom/callouts', body);
          setMsg(tn('co_started', ov.total), false);
          current = ov.id;
          renderLive(ov);
          loadList();
          // Sent: an empty form (no second call-out by a second click), and the live
          // overview in sight.
          text.value = ''; prio.value = 'immediate'; group.value = ''; remind.value = '10';
          form.querySelectorAll('input[type=checkbox]').forEach(x => { x.checked = false; });
          updatePreview();
          liveBox.scrollIntoView({ block: 'start', behavior: 'smooth' });
        } catch (err) { setMsg(err.message, false); ctx.toast(err.message, 'error'); }
        start.disabled = false;
      } },
      h('h2', icon('siren'), ' ', t('co_new')),
      h('label.field', { for: 'co-text' }, t('co_text')), text,
      h('div.grid-form', h('label', t('co_priority'), prio), h('label', t('co_group'), group), h('label', t('co_remind'), remind)),
      h('p.field', t('co_orgs')), orgBox,
      h('p.field', t('co_functions')), fnBox, preview, previewParts,
      h('p', { style: { display: 'flex', gap: '.6rem', flexWrap: 'wrap' } }, start, saveGroup), msg);
      clear(formBox, form);
      try {
        const [orgs, groups, fns] = await Promise.all([
          ctx.api.get('/api/collections/organisations/records?perPage=200&sort=name&filter=' + q('status = "active"')),
          ctx.api.get('/api/collections/callout_groups/records?perPage=200&sort=name'),
          ctx.api.get('/api/crisisroom/callouts/functions'),
        ]);
        const fnList = (fns && fns.functions) || [];
        const pick = f => h('label', { style: { display: 'flex', gap: '.3rem', alignItems: 'center', minHeight: '36px' } },
          h('input', { type: 'checkbox', value: f.function, name: 'fn', dataset: { kind: f.kind || 'title' } }),
          h('span', f.label || f.function, h('span.muted', ' (' + (f.people ? f.people : t('co_vacant')) + ')')));
        const row = list => h('div', { style: { display: 'flex', flexWrap: 'wrap', gap: '.3rem .9rem' } }, list.map(pick));
        // A job title that repeats a staff function ("S2 Lage" beside "S2 – Lage", same
        // people: same_as) is left out; the others are named as what they are.
        const staffFns = fnList.filter(f => f.kind === 'staff'), titles = fnList.filter(f => f.kind !== 'staff' && !f.same_as);
        if (staffFns.length) fnBox.append(h('div.co-staff-functions', h('p.muted', { style: { margin: '.2rem 0' } }, t('co_staffFns')), row(staffFns)));
        if (titles.length) fnBox.append(h('div.co-job-titles', h('p.muted', { style: { margin: '.4rem 0 .2rem' } }, t('co_titles')), row(titles)));
        if (!fnList.length) fnBox.append(h('span.muted', t('co_noFunctions')));
        updatePreview();
        for (const o of items(orgs)) orgBox.append(h('label', { style: { display: 'flex', gap: '.3rem', alignItems: 'center', minHeight: '36px' } },
          h('input', { type: 'checkbox', value: o.id, name: 'org', dataset: { short: o.short || '' } }), h('span.chip', { style: { '--c': o.color || '#555' } }, o.short || o.name)));
        for (const g of items(groups)) group.append(h('option', { value: g.id }, g.name));
      } catch (err) { msg.textContent = err.message; }

      // refusal says why a selection reaches nobody: nothing picked, or what was picked
      // and reaches nobody ("Die Funktion S1 ist nicht besetzt.").
      function refusal(sel, parts) {
        if (!sel.group && !sel.organisations.length && !sel.functions.length) return t('co_refuseNobody');
        const empty = kinds => parts.filter(p => kinds.includes(p.kind) && !(p.people || []).length).map(p => p.kind === 'function' ? p.key : p.label || p.key);
        const fns = empty(['function', 'title']), orgs = empty(['organisation', 'group']), unknown = empty(['unknown']);
        const words = [t('co_refuseEmpty')];
        if (fns.length) words.push(t(fns.length === 1 ? 'co_rf_fn' : 'co_rf_fns', { list: fns.join(', ') }));
        if (orgs.length) words.push(t('co_rf_org', { list: orgs.join(', ') }));
        if (unknown.length) words.push(t('co_rf_unknown', { list: unknown.join(', ') }));
        return words.join(' ');
      }

      function renderParts(parts) {
        clear(previewParts, parts.map(p => h('li', { dataset: { kind: p.kind, key: p.key } },
          h('b', p.kind === 'users' ? t('co_pv_users') : p.label), p.kind === 'title' ? h('span.muted', ' (' + t('co_pv_title') + ')') : null, ': ',
          p.kind === 'unknown' ? h('span.muted', t('co_pv_unknown')) : !p.people.length ? h('span.muted', t('co_pv_nobody')) :
            p.people.map((x, i) => h('span', { dataset: { user: x.user, via: x.via } }, i ? ', ' : '', x.name,
              h('span.muted', ' (' + (p.kind === 'organisation' ? '' : x.organisation + ', ') + t('co_pv_' + x.via) + ')'))))));
      }
    }

    async function loadList() {
      try {
        const r = await ctx.api.get('/api/collections/callouts/records?perPage=20&sort=-created');
        if (!alive) return;
        const list = items(r);
        if (!current && list.length) { current = list[0].id; loadLive(); }
        clear(listBox, h('h2', t('co_recent')), list.length ? h('ul.plain', list.map(c => h('li',
          h('button.btn.ghost', { type: 'button', 'aria-pressed': c.id === current ? 'true' : 'false', onclick: () => { current = c.id; loadLive(); loadList(); } },
            fmtTime(c.created), ' · ', c.text.slice(0, 80), c.status === 'closed' ? ' (' + t('co_closed') + ')' : '')))) : h('p.muted', t('co_none')));
      } catch (err) { if (alive) clear(listBox, h('h2', t('co_recent')), h('p.error', err.message)); }
    }

    async function loadLive() {
      if (!current) { clear(liveBox); liveBox.hidden = true; return; }
      try {
        const ov = await ctx.api.get(`/api/crisisroom/callouts/${current}/overview`);
        if (alive) renderLive(ov);
      } catch (err) { if (alive) { liveBox.hidden = false; clear(liveBox, h('p.error', err.message)); } }
    }

    function reached(r) {
      if (r.connected) return t('co_r_app');
      if (r.sms === 'no_number') return t('co_r_nonumber');
      return t('co_r_sms', { state: t('co_sms_' + (r.sms || 'none')) });
    }

    function renderLive(ov) {
      liveBox.hidden = false;
      const order = { coming: 0, declined: 2, '': 1 };
      const rows = [...ov.recipients].sort((a, b) => (order[a.answer] - order[b.answer]) ||
        (a.answer === 'coming' ? (a.arrives_at || '').localeCompare(b.arrives_at || '') : a.name.localeCompare(b.name)));
      const close = ov.status === 'active' ? h('button.btn#co-close', { type: 'button', onclick: async () => {
        try { renderLive(await ctx.api.post(`/api/crisisroom/callouts/${ov.id}/close`)); loadList(); } catch (err) { ctx.toast(err.message, 'error'); }
      } }, t('co_close')) : h('span.muted', t('co_closed'));
      clear(liveBox,
        h('h2', t('co_title'), ' · ', fmtTime(ov.created)),
        h('p.flash-body', { style: { color: 'inherit', fontSize: '1.05rem' } }, ov.text),
        ov.selection ? h('p.muted', ov.selection) : null,
        h('p.co-counts', { role: 'status', style: { display: 'flex', gap: '.6rem', flexWrap: 'wrap', fontWeight: '700' } },
          h('span.chip', { style: { '--c': answerColour.coming }, dataset: { count: 'coming' } }, tn('co_comingN', ov.coming)),
          h('span.chip', { style: { '--c': answerColour.declined }, dataset: { count: 'declined' } }, tn('co_declinedN', ov.declined)),
          h('span.chip', { style: { '--c': answerColour[''] }, dataset: { count: 'open' } }, tn('co_openN', ov.open))),
        h('div', { style: { overflowX: 'auto' } }, h('table.list.co-table',
          h('thead', h('tr', [t('co_who'), t('co_org'), t('co_fn'), t('co_answer'), t('co_arrives'), t('co_via'), t('co_reached')].map(x => h('th', x)))),
          h('tbody', rows.map(r => h('tr', { dataset: { user: r.user, answer: r.answer || 'open' } },
            h('td', r.name), h('td', r.organisation), h('td', r.function),
            h('td', h('span.chip', { style: { '--c': answerColour[r.answer || ''] } }, t('co_a_' + (r.answer || 'open'))), r.answer === 'coming' && r.eta_minutes ? ' ' + r.eta_minutes + ' min' : ''),
            h('td', r.arrives_at ? fmtTime(r.arrives_at) : ''),
            h('td', r.answered_via ? t('co_via_' + r.answered_via) : ''),
            h('td', reached(r))))))),
        h('p', close));
    }

    async function loadModem() {
      try {
        const devs = await ctx.api.get('/api/collections/devices/records?perPage=20&filter=' + q('kind = "sms"'));
        const dev = items(devs)[0];
        if (!alive) return;
        if (!dev) { clear(modemBox, h('h2', t('co_modem')), h('p.muted', t('co_noModem'))); return; }
        const st = dev.sms_status || {};
        const log = await ctx.api.get(`/api/collections/sms_messages/records?perPage=30&sort=-created&filter=${q(`device = "${dev.id}"`)}&expand=person`);
        if (!alive) return;
        const from = h('input#co-test-from', { type: 'tel', value: '+49 170 0000 006', 'aria-label': t('co_testFrom') });
        const text = h('input#co-test-text', { type: 'text', value: '1 20', 'aria-label': t('co_testText') });
        const test = h('form.grid-form', { onsubmit: async e => {
          e.preventDefault();
          try { await ctx.api.post(`/api/crisisroom/sms/${dev.id}/test-receive`, { from: from.value, text: text.value }); } catch (err) { ctx.toast(err.message, 'error'); }
        } }, h('label', t('co_testFrom'), from), h('label', t('co_testText'), text), h('button.btn', { type: 'submit' }, t('co_testSend')));
        clear(modemBox,
          h('h2', icon('signal'), ' ', t('co_modem'), ': ', dev.name || dev.username),
          h('p.co-modem-state', { dataset: { state: st.state || 'offline' } }, h('b', t('co_st_' + (st.state || 'offline'))),
            st.signal_known ? ' · ' + t('co_signal', { dbm: st.signal_dbm }) : '', ' · ', t('co_queue', { n: st.queue || 0 }),
            st.sim_total ? ' · ' + t('co_sim', { used: st.sim_used, total: st.sim_total }) : '', st.reason_de ? ' · ' + (document.documentElement.lang === 'en' ? st.reason_en : st.reason_de) : ''),
          dev.config && dev.config.simulator ? test : null,
          h('h3', t('co_log')),
          h('div', { style: { overflowX: 'auto' } }, h('table.list.sms-log', h('tbody', items(log).map(m => h('tr', { dataset: { direction: m.direction, status: m.status } },
            h('td', fmtTime(m.created)), h('td', m.direction === 'in' ? '← ' + t('co_in') : '→ ' + t('co_out')),
            h('td', m.number, m.expand && m.expand.person ? ' (' + m.expand.person.name + ')' : m.unknown_sender ? ' (' + t('co_unknown') + ')' : ''),
            h('td', m.text), h('td', t('co_sms_' + m.status), m.reason ? h('div.muted', m.reason) : null)))))));
      } catch (err) { if (alive) clear(modemBox, h('h2', t('co_modem')), h('p.error', err.message)); }
    }
  },
};
