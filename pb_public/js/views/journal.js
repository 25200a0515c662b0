// "Einsatztagebuch": the staff's log of the open operation, for the organisation in
// view. Entries appear live as the appliance writes them (Blitz and Sofort messages,
// faxes, sirens, situation items, organisations, the keeper changing); the ETB keeper and
// S2 add entries and corrections (never edits: a correction is a new entry, the original
// is shown struck through). The chain head is shown; the keeper and the head of staff
// close the operation together; the journal is exported as PDF (form Fb Fü 2) or JSON.

import { addStrings, t } from '../i18n.js';
import { h, clear, fmtTime, fmtDateTime } from '../ui.js';
import { download } from '../api.js';

addStrings({
  de: {
    etb_title: 'Einsatztagebuch', etb_none: 'Es ist kein Einsatz eröffnet.', etb_open: 'Einsatz eröffnen', etb_openName: 'Name des Einsatzes',
    etb_openBtn: 'Eröffnen', etb_nr: 'Nr.', etb_time: 'Datum/Uhrzeit', etb_text: 'Darstellung der Ereignisse', etb_remarks: 'Bemerkungen',
    etb_empty: 'Noch keine Einträge.', etb_add: 'Neuer Eintrag', etb_entryText: 'Ereignis, Entscheidung, Auftrag …', etb_mark: 'Suchzeichen',
    etb_markNone: '–', etb_markA: 'A Auftrag erhalten', etb_markB: 'B Befehl erteilt', etb_markE: 'E erledigt', etb_markK: 'K Kräfte angefordert',
    etb_markW: 'W sehr wichtig', etb_occurred: 'Zeitpunkt des Ereignisses (leer: jetzt)', etb_write: 'Eintragen', etb_correct: 'Berichtigen',
    etb_correctTitle: 'Eintrag Nr. {n} berichtigen', etb_correctNote: 'Der ursprüngliche Eintrag bleibt stehen und wird durchgestrichen angezeigt.',
    etb_correctedBy: 'berichtigt durch Nr. {n}', etb_corrects: 'berichtigt Nr. {n}', etb_head: 'Kettenkopf', etb_signed: 'signiert {time} (Nr. {n})',
    etb_unsigned: 'noch nicht signiert', etb_filterSource: 'Quelle', etb_filterMark: 'Suchzeichen', etb_from: 'von', etb_to: 'bis', etb_all: 'alle',
    etb_src_message: 'Nachricht', etb_src_fax: 'Fax', etb_src_siren: 'Sirene', etb_src_situation: 'Lage', etb_src_membership: 'ETB-Führung',
    etb_src_organisation: 'Organisation', etb_src_incident: 'Einsatz', etb_src_form: 'Vordruck', etb_src_manual: 'manuell',
    etb_auto: 'automatisch', etb_clockBack: 'Uhrzeit vor dem vorigen Eintrag', etb_occurredAt: 'Ereignis {time}', etb_exportPdf: 'PDF (Fb Fü 2)',
    etb_exportJson: 'JSON mit Kette', etb_close: 'Einsatz schließen', etb_closeQ: 'Einsatz „{name}“ schließen? Dazu bestätigen ETB-Führung (oder S2) und die Leitung des Stabes.',
    etb_closeRequested: 'Schließung beantragt; die zweite Bestätigung fehlt noch.', etb_closed: 'Geschlossen {time}; aufzubewahren bis {until}.',
    etb_readonly: 'Einträge schreiben die ETB-Führung und S2.', etb_saved: 'Eingetragen.', etb_journalOf: 'Tagebuch: {org}', etb_status_open: 'läuft',
    etb_status_closed: 'geschlossen', etb_operation: 'Einsatz',
  },
  en: {
    etb_title: 'Operations log', etb_none: 'No operation is open.', etb_open: 'Open an operation', etb_openName: 'Name of the operation',
    etb_openBtn: 'Open', etb_nr: 'No.', etb_time: 'Date/time', etb_text: 'Account of events', etb_remarks: 'Remarks',
    etb_empty: 'No entries yet.', etb_add: 'New entry', etb_entryText: 'Event, decision, order …', etb_mark: 'Search mark',
    etb_markNone: '–', etb_markA: 'A task received', etb_markB: 'B order given', etb_markE: 'E done', etb_markK: 'K forces requested',
    etb_markW: 'W very important', etb_occurred: 'Time of the event (empty: now)', etb_write: 'Record', etb_correct: 'Correct',
    etb_correctTitle: 'Correct entry no. {n}', etb_correctNote: 'The original entry stays and is shown struck through.',
    etb_correctedBy: 'corrected by no. {n}', etb_corrects: 'corrects no. {n}', etb_head: 'Chain head', etb_signed: 'signed {time} (no. {n})',
    etb_unsigned: 'not signed yet', etb_filterSource: 'Source', etb_filterMark: 'Search mark', etb_from: 'from', etb_to: 'to', etb_all: 'all',
    etb_src_message: 'Message', etb_src_fax: 'Fax', etb_src_siren: 'Siren', etb_src_situation: 'Situation', etb_src_membership: 'Log keeper',
    etb_src_organisation: 'Organisation', etb_src_incident: 'Operation', etb_src_form: 'Form', etb_src_manual: 'manual',
    etb_auto: 'automatic', etb_clockBack: 'time before the previous entry', etb_occurredAt: 'event {time}', etb_exportPdf: 'PDF (Fb Fü 2)',
    etb_exportJson: 'JSON with chain', etb_close: 'Close the operation', etb_closeQ: 'Close the operation “{name}”? The log keeper (or S2) and the head of staff both confirm.',
    etb_closeRequested: 'Closing requested; the second confirmation is missing.', etb_closed: 'Closed {time}; kept until {until}.',
    etb_readonly: 'Entries are written by the log keeper and S2.', etb_saved: 'Recorded.', etb_journalOf: 'Log: {org}', etb_status_open: 'running',
    etb_status_closed: 'closed', etb_operation: 'Operation',
  },
});

const SOURCES = ['message', 'fax', 'siren', 'situation', 'membership', 'organisation', 'incident', 'manual'];
const MARKS = ['A', 'B', 'E', 'K', 'W'];
const q = s => encodeURIComponent(s);
const fromLocalInput = v => v ? new Date(v).toISOString().replace('T', ' ') : '';

export default {
  id: 'journal',
  title: { de: 'Einsatztagebuch', en: 'Operations log' },
  icon: 'sheet',
  visible: ctx => ctx.tenants.some(x => x.role !== 'guest'),
  render(el, ctx) {
    const page = h('div.view-page.etb');
    el.append(page);
    const head = h('section.panel#etb-head'), addBox = h('section.panel#etb-add'), listBox = h('section.panel#etb-list');
    page.append(head, addBox, listBox);
    let alive = true, me = null, entries = [], headInfo = null, timer = 0, chosen = '';
    const filter = { source: '', mark: '', from: '', to: '' };
    const org = () => ctx.tenant && ctx.tenant.id;
    const journal = () => (me && me.journals.find(j => j.organisation === org())) || null;
    let shown = null; // the operation in view: the open one, or one chosen from the list
    const incident = () => shown;

    async function load() {
      me = await ctx.api.get('/api/crisisroom/journal/me');
      if (!alive) return;
      shown = me.incident;
      if (chosen && me.incident && chosen !== me.incident.id) {
        shown = await ctx.api.get(`/api/collections/incidents/records/${q(chosen)}`).catch(() => me.incident);
        if (!alive) return;
      }
      const inc = incident();
      if (!inc) { renderNone(); return; }
      const parts = [`incident = "${inc.id}"`, `organisation = "${org()}"`];
      if (filter.source) parts.push(`source = "${filter.source}"`);
      if (filter.mark) parts.push(`mark = "${filter.mark}"`);
      if (filter.from) parts.push(`recorded_at >= "${fromLocalInput(filter.from)}"`);
      if (filter.to) parts.push(`recorded_at <= "${fromLocalInput(filter.to)}"`);
      const [list, hd] = await Promise.all([
        ctx.api.get(`/api/collections/journal_entries/records?perPage=500&sort=-seq&filter=${q(parts.join(' && '))}`),
        ctx.api.get(`/api/crisisroom/journal/head?incident=${q(inc.id)}&organisation=${q(org())}`).catch(() => null),
      ]);
      if (!alive) return;
      entries = ((list && list.items) || []).reverse();
      headInfo = hd;
      renderHead(); renderAdd(); renderList();
    }

    // openForm: host operators open the next operation when none is open.
    function openForm() {
      if (!me || !me.operator || (me.incidents || []).some(x => x.status === 'open')) return [];
      const name = h('input#etb-open-name', { required: true, maxlength: 200, placeholder: 'Hochwasser Rhein' });
      const form = h('form.grid-form#etb-open', h('label', t('etb_openName'), name), h('button.btn.primary', { type: 'submit' }, t('etb_openBtn')));
      form.onsubmit = async ev => {
        ev.preventDefault();
        try { await ctx.api.post('/api/collections/incidents/records', { name: name.value.trim() }); chosen = ''; await load(); }
        catch (e) { ctx.toast(e.message, 'error'); }
      };
      return [h('h3', t('etb_open')), form];
    }

    function renderNone() {
      clear(head, h('h2', t('etb_title')), h('p.muted', t('etb_none')), ...openForm()); clear(addBox); clear(listBox);
      addBox.hidden = true; listBox.hidden = true;
    }

    function renderHead() {
      const inc = incident(), j = journal();
      addBox.hidden = false; listBox.hidden = false;
      const status = inc.status === 'closed'
        ? h('p.etb-closed', t('etb_closed', { time: fmtTime(inc.closed), until: fmtTime(inc.retain_until) }))
        : (inc.close_requested_by ? h('p.notice', t('etb_closeRequested')) : null);
      const chain = headInfo ? h('p.etb-chain', h('b', t('etb_head') + ': '), `Nr. ${headInfo.seq} · `, h('code#etb-head-hash', headInfo.hash.slice(0, 16) + '…'),
        ' · ', headInfo.signed ? t('etb_signed', { time: fmtTime(headInfo.signed.signed_at), n: headInfo.signed.seq }) : t('etb_unsigned')) : null;
      const actions = h('div.etb-actions');
      if (j && j.whole) {
        const base = `/api/crisisroom/journal/export?incident=${q(inc.id)}&organisation=${q(org())}`;
        const fname = `ETB-${(inc.name || '').replace(/[^A-Za-z0-9_-]+/g, '_')}-${ctx.tenant.short || ''}`;
        actions.append(
          h('button.btn#etb-export-pdf', { type: 'button', onclick: () => download(base + '&format=pdf', fname + '.pdf').catch(e => ctx.toast(e.message, 'error')) }, t('etb_exportPdf')),
          h('button.btn#etb-export-json', { type: 'button', onclick: () => download(base + '&format=json', fname + '.json').catch(e => ctx.toast(e.message, 'error')) }, t('etb_exportJson')));
      }
      if (inc.status === 'open' && (me.keeper || me.head)) {
        actions.append(h('button.btn.danger#etb-close', { type: 'button', onclick: () => closeIncident(inc) }, t('etb_close')));
      }
      let picker = null;
      if (me.incidents && me.incidents.length > 1) {
        picker = h('select#etb-incident', { 'aria-label': t('etb_operation') }, me.incidents.map(x => h('option', { value: x.id, selected: x.id === inc.id },
          `${x.name} (${t('etb_status_' + x.status)})`)));
        picker.onchange = () => { chosen = picker.value; load().catch(e => ctx.toast(e.message, 'error')); };
      }
      clear(head, h('h2', t('etb_title'), ' – ', inc.name, ' ', h('span.state-badge.' + inc.status, t('etb_status_' + inc.status))),
        picker ? h('label.etb-picker', t('etb_operation'), ' ', picker) : null,
        h('p.muted', t('etb_journalOf', { org: ctx.tenant.name })), status, chain, actions, ...openForm());
    }

    async function closeIncident(inc) {
      if (!await ctx.confirmDialog(t('etb_closeQ', { name: inc.name }))) return;
      try { await ctx.api.post(`/api/crisisroom/incidents/${inc.id}/close`); await load(); }
      catch (e) { ctx.toast(e.message, 'error'); }
    }

    function markSelect(id) {
      return h('select#' + id, h('option', { value: '' }, t('etb_markNone')), MARKS.map(m => h('option', { value: m }, t('etb_mark' + m))));
    }

    function renderAdd() {
      const j = journal();
      if (!j || !j.write || incident().status !== 'open') { clear(addBox, h('p.muted', t('etb_readonly'))); return; }
      const text = h('textarea#etb-text', { rows: 3, required: true, maxlength: 19000, placeholder: t('etb_entryText') });
      const mark = markSelect('etb-mark');
      const occurred = h('input#etb-occurred', { type: 'datetime-local' });
      const form = h('form.etb-form#etb-form', h('label', t('etb_add'), text),
        h('div.grid-form', h('label', t('etb_mark'), mark), h('label', t('etb_occurred'), occurred)),
        h('button.btn.primary', { type: 'submit' }, t('etb_write')));
      form.onsubmit = async ev => {
        ev.preventDefault();
        try {
          await ctx.api.post('/api/crisisroom/journal/entries', { organisation: org(), text: text.value, mark: mark.value, occurred_at: fromLocalInput(occurred.value) });
          text.value = ''; occurred.value = ''; mark.value = '';
          ctx.toast(t('etb_saved'));
          await load();
        } catch (e) { ctx.toast(e.message, 'error'); }
      };
      clear(addBox, form);
    }

    function correct(e) {
      const text = h('textarea#etb-correct-text', { rows: 3, required: true, maxlength: 19000 });
      const btn = h('button.btn.primary#etb-correct-save', { type: 'button' }, t('etb_write'));
      const dlg = ctx.dialog(t('etb_correctTitle', { n: e.seq }), [h('p.etb-struck', e.text), h('p.muted', t('etb_correctNote')), text, btn]);
      btn.onclick = async () => {
        try {
          await ctx.api.post('/api/crisisroom/journal/entries', { organisation: org(), text: text.value, corrects: e.id });
          dlg.close();
          await load();
        } catch (err) { ctx.toast(err.message, 'error'); }
      };
    }

    function renderList() {
      const j = journal();
      const canCorrect = j && j.write && incident().status === 'open';
      const bySeq = {}; const correctedBy = {};
      entries.forEach(e => { bySeq[e.id] = e.seq; if (e.corrects) (correctedBy[e.corrects] = correctedBy[e.corrects] || []).push(e.seq); });
      const src = h('select#etb-filter-source', h('option', { value: '' }, t('etb_all')), SOURCES.map(s => h('option', { value: s, selected: filter.source === s }, t('etb_src_' + s))));
      const mk = h('select#etb-filter-mark', h('option', { value: '' }, t('etb_all')), MARKS.map(m => h('option', { value: m, selected: filter.mark === m }, m)));
      const from = h('input#etb-filter-from', { type: 'datetime-local', value: filter.from });
      const to = h('input#etb-filter-to', { type: 'datetime-local', value: filter.to });
      const apply = () => { filter.source = src.value; filter.mark = mk.value; filter.from = from.value; filter.to = to.value; load().catch(err => ctx.toast(err.message, 'error')); };
      [src, mk, from, to].forEach(x => { x.onchange = apply; });
      const filters = h('div.etb-filters', h('label', t('etb_filterSource'), src), h('label', t('etb_filterMark'), mk),
        h('label', t('etb_from'), from), h('label', t('etb_to'), to));
      const rows = entries.map(e => {
        const struck = !!correctedBy[e.id];
        const remarks = [];
        if (e.mark) remarks.push(h('span.etb-mark', e.mark));
        remarks.push(h('div', t('etb_src_' + e.source) + (e.kind === 'auto' ? ' · ' + t('etb_auto') : '')));
        if (e.author_name) remarks.push(h('div', e.author_name + (e.author_function ? ', ' + e.author_function : '') + (e.author_org ? ' (' + e.author_org + ')' : '')));
        if (e.corrects) remarks.push(h('div', t('etb_corrects', { n: bySeq[e.corrects] || '?' })));
        if (struck) remarks.push(h('div', t('etb_correctedBy', { n: correctedBy[e.id].join(', ') })));
        if (e.clock_back) remarks.push(h('div.error', t('etb_clockBack')));
        const when = [h('div', fmtDateTime(e.recorded_at))];
        if (e.occurred_at && e.occurred_at !== e.recorded_at) when.push(h('div.small.muted', t('etb_occurredAt', { time: fmtDateTime(e.occurred_at) })));
        return h('tr', { dataset: { seq: e.seq, source: e.source } },
          h('td.etb-nr', String(e.seq)), h('td.etb-when', when),
          h('td.etb-text' + (struck ? '.etb-struck' : ''), e.text),
          h('td.etb-remarks', remarks, canCorrect && !e.corrects && !struck ? h('button.btn.small.etb-correct', { type: 'button', onclick: () => correct(e) }, t('etb_correct')) : null));
      });
      clear(listBox, filters, entries.length ? h('div.etb-scroll', h('table.list.etb-table#etb-table',
        h('thead', h('tr', h('th', t('etb_nr')), h('th', t('etb_time')), h('th', t('etb_text')), h('th', t('etb_remarks')))),
        h('tbody', rows))) : h('p.muted#etb-empty', t('etb_empty')));
    }

    // Entries arrive by the stock realtime topic (the list rule decides who hears them);
    // a burst of events loads the list once.
    const soon = () => { clearTimeout(timer); timer = setTimeout(() => { if (alive) load().catch(() => {}); }, 150); };
    const un1 = ctx.realtime.subscribe('journal_entries/*', soon);
    const un2 = ctx.realtime.subscribe('incidents/*', soon);
    const un3 = ctx.realtime.onReconnect(soon);
    load().catch(e => { if (alive) clear(head, h('p.error', e.message)); });
    return () => { alive = false; clearTimeout(timer); un1(); un2(); un3(); };
  },
};
