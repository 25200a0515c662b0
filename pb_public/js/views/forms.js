// "Vordrucke": the staff's message forms (Nachrichtenvordruck) worked through queues per
// function: the communications post takes messages in and transmits, the Sichter checks
// outgoing forms (or returns them with a reason) and distributes incoming ones (one lead,
// any number for information, S2 always), recipients mark read and done. The editor
// offers only the fields and steps the server allows at the form's step (it says so in
// each form's "editable" and "actions"). Also: orders (Aufträge), the staff's functions
// and the next Lagebesprechung. Keyboard: every control is a button, input or select in
// reading order; the list is a table of buttons.

import { addStrings, t } from '../i18n.js';
import { h, clear, fmtDateTime, TZ } from '../ui.js';
import { download } from '../api.js';
import { formsState, refreshQueues, ensureFormStyles, left } from '../features/forms.js';

addStrings({
  de: {
    fv_title: 'Vordrucke', fv_q_sichten: 'Zu sichten', fv_q_uebermitteln: 'Zu übermitteln', fv_q_eingang: 'Eingang', fv_q_zurueck: 'Zurückgegeben',
    fv_q_mine: 'Meine', fv_q_all: 'Alle', fv_q_auftraege: 'Aufträge', fv_q_functions: 'Funktionen', fv_q_briefing: 'Lagebesprechung',
    fv_newOut: 'Neuer Ausgang', fv_newIn: 'Eingang aufnehmen', fv_registerIn: 'Nachweisung Eingang (PDF)', fv_registerOut: 'Nachweisung Ausgang (PDF)',
    fv_none: 'Keine Vordrucke in dieser Liste.', fv_nr: 'Nr.', fv_prio: 'Vorrang', fv_subject: 'Betreff', fv_counterpart: 'Gegenstelle', fv_state: 'Stand',
    fv_f_counterpart: '5 Rufname / Gegenstelle', fv_f_medium: '6 Übermittlung', fv_f_kind: '7 Art', fv_f_priority: '8 Vorrang',
    fv_f_counterpart_number: '9 Anschrift / Nummer', fv_f_subject: '10 Betreff', fv_f_text: '11 Text', fv_f_sender: '12 Absender', fv_f_remarks: '17 Bemerkungen',
    fv_n_intake: '1 Eingangsvermerk', fv_n_acceptance: '2 Annahmevermerk', fv_n_transmission: '3 Beförderungsvermerk', fv_n_triage: 'Sichtvermerk', fv_n_receipt: '15 Quittung',
    fv_author: '14 Verfasser', fv_save: 'Speichern', fv_create: 'Anlegen', fv_saved: 'Gespeichert.', fv_back: 'Zurück zur Liste',
    fv_a_submit: 'Zur Sichtung vorlegen', fv_a_release: 'Freigeben (an Fernmeldebetrieb)', fv_a_return: 'Zurückgeben', fv_a_transmit: 'Übermitteln',
    fv_a_distribute: 'Verteilen', fv_a_read: 'Gelesen', fv_a_done: 'Erledigt', fv_a_reply: 'Antwort schreiben', fv_reason: 'Grund der Rückgabe (Pflicht)',
    fv_way: 'Weg', fv_channel: 'Kanal', fv_faxNumber: 'Faxnummer', fv_lead: 'Federführend (eine Funktion)', fv_info: 'Zur Kenntnis', fv_s2always: 'S2 erhält immer eine Ausfertigung.',
    fv_completion: 'Erledigungsvermerk (optional)', fv_print: 'Drucken (PDF)', fv_copy: 'Blatt', fv_events: 'Verlauf', fv_returned: 'Zurückgegeben: {reason}',
    fv_distribution: '16 Verteilung', fv_lead_short: 'federführend', fv_info_short: 'zur Kenntnis', fv_readMark: 'gelesen', fv_doneMark: 'erledigt',
    fv_st_draft: 'Entwurf', fv_st_triage: 'zur Sichtung', fv_st_returned: 'zurückgegeben', fv_st_to_send: 'zu übermitteln', fv_st_sent: 'übermittelt',
    fv_st_distributed: 'verteilt', fv_st_closed: 'abgeschlossen', fv_in: 'Eingang', fv_out: 'Ausgang', fv_replyTo: 'Antwort auf {label}', fv_fax: 'Fax angehängt',
    fv_tasks: 'Aufträge', fv_task: 'Auftrag', fv_owner: 'Zuständig', fv_due: 'Fällig', fv_confirmed: 'bestätigt von', fv_newTask: 'Auftrag erteilen',
    fv_ts_offen: 'offen', fv_ts_in_arbeit: 'in Arbeit', fv_ts_erledigt: 'erledigt', fv_overdue: 'überfällig', fv_noTasks: 'Keine Aufträge.',
    fv_function: 'Funktion', fv_holders: 'Inhaber', fv_addHolder: 'Vergeben an …', fv_remove: 'entziehen', fv_nobody: 'nicht besetzt', fv_vacantWarn: '{codes}: nicht besetzt – niemand erhält es. Trotzdem?', fv_vacantAnyway: 'Trotzdem',
    fv_briefNext: 'Nächste Lagebesprechung: {time} ({left})', fv_briefNone: 'Keine Lagebesprechung angesetzt.', fv_briefSet: 'Ansetzen',
    fv_briefAt: 'Zeitpunkt', fv_results: 'Ergebnisse (eine Zeile je Ergebnis, ins ETB)', fv_orders: 'Aufträge (je Zeile „Funktion: Auftrag“, z. B. „S4: Sandsäcke nachliefern“)',
    fv_nextAt: 'Nächste Lagebesprechung (optional)', fv_record: 'Ergebnisse eintragen', fv_recorded: 'Eingetragen.', fv_unknownFn: 'Unbekannte Funktion: {code}',
    fv_m_funk: 'Funk', fv_m_telefon: 'Telefon', fv_m_fax: 'Fax', fv_m_email: 'E-Mail', fv_m_melder: 'Melder', fv_m_messenger: 'Messenger', fv_m_persoenlich: 'persönlich',
    fv_m_channel: 'in einen Kanal', fv_k_durchsage: 'Durchsage', fv_k_spruch: 'Spruch', fv_k_gespraechsnotiz: 'Gesprächsnotiz',
    fv_p_einfach: 'einfach', fv_p_sofort: 'Sofort', fv_p_blitz: 'Blitz', fv_now: 'jetzt', fv_open: 'Öffnen',
    fv_w_channel: 'als Nachricht in einen Kanal dieser App', fv_w_messenger: 'anderer Messenger (nur vermerken)', fv_new: 'neu',
    fv_saveRemarks: 'Bemerkung speichern', fv_reasonMissing: 'Bitte einen Grund angeben.', fv_whenHint: 'TT.MM.JJJJ HH:MM (24 h, deutsche Zeit)',
    fv_badTime: 'Zeit bitte als TT.MM.JJJJ HH:MM oder HH:MM angeben.', fv_noLead: 'Bitte die federführende Funktion wählen.', fv_readonly: 'nur lesen',
    fv_titleMissing: 'Bitte den Auftrag beschreiben.', fv_noOwner: 'Bitte die zuständige Funktion wählen.',
  },
  en: {
    fv_title: 'Message forms', fv_q_sichten: 'To triage', fv_q_uebermitteln: 'To transmit', fv_q_eingang: 'Inbox', fv_q_zurueck: 'Returned',
    fv_q_mine: 'Mine', fv_q_all: 'All', fv_q_auftraege: 'Orders', fv_q_functions: 'Functions', fv_q_briefing: 'Briefing',
    fv_newOut: 'New outgoing', fv_newIn: 'Take in a message', fv_registerIn: 'Incoming register (PDF)', fv_registerOut: 'Outgoing register (PDF)',
    fv_none: 'No forms in this list.', fv_nr: 'No.', fv_prio: 'Priority', fv_subject: 'Subject', fv_counterpart: 'Other end', fv_state: 'Step',
    fv_f_counterpart: '5 Call sign / other end', fv_f_medium: '6 Medium', fv_f_kind: '7 Kind', fv_f_priority: '8 Priority',
    fv_f_counterpart_number: '9 Address / number', fv_f_subject: '10 Subject', fv_f_text: '11 Text', fv_f_sender: '12 Sender', fv_f_remarks: '17 Remarks',
    fv_n_intake: '1 Intake note', fv_n_acceptance: '2 Acceptance note', fv_n_transmission: '3 Transmission note', fv_n_triage: 'Triage note', fv_n_receipt: '15 Receipt',
    fv_author: '14 Author', fv_save: 'Save', fv_create: 'Create', fv_saved: 'Saved.', fv_back: 'Back to the list',
    fv_a_submit: 'Submit for triage', fv_a_release: 'Release (to the communications post)', fv_a_return: 'Return', fv_a_transmit: 'Transmit',
    fv_a_distribute: 'Distribute', fv_a_read: 'Read', fv_a_done: 'Done', fv_a_reply: 'Write a reply', fv_reason: 'Reason for the return (required)',
    fv_way: 'Way', fv_channel: 'Channel', fv_faxNumber: 'Fax number', fv_lead: 'Lead (one function)', fv_info: 'For information', fv_s2always: 'S2 always gets a copy.',
    fv_completion: 'Completion note (optional)', fv_print: 'Print (PDF)', fv_copy: 'Sheet', fv_events: 'History', fv_returned: 'Returned: {reason}',
    fv_distribution: '16 Distribution', fv_lead_short: 'lead', fv_info_short: 'for information', fv_readMark: 'read', fv_doneMark: 'done',
    fv_st_draft: 'draft', fv_st_triage: 'to triage', fv_st_returned: 'returned', fv_st_to_send: 'to transmit', fv_st_sent: 'transmitted',
    fv_st_distributed: 'distributed', fv_st_closed: 'closed', fv_in: 'Incoming', fv_out: 'Outgoing', fv_replyTo: 'Reply to {label}', fv_fax: 'Fax attached',
    fv_tasks: 'Orders', fv_task: 'Order', fv_owner: 'Owner', fv_due: 'Due', fv_confirmed: 'confirmed by', fv_newTask: 'Give an order',
    fv_ts_offen: 'open', fv_ts_in_arbeit: 'in progress', fv_ts_erledigt: 'done', fv_overdue: 'overdue', fv_noTasks: 'No orders.',
    fv_function: 'Function', fv_holders: 'Holders', fv_addHolder: 'Give to …', fv_remove: 'take away', fv_nobody: 'vacant', fv_vacantWarn: '{codes}: vacant – nobody will get it. Anyway?', fv_vacantAnyway: 'Anyway',
    fv_briefNext: 'Next briefing: {time} ({left})', fv_briefNone: 'No briefing is set.', fv_briefSet: 'Set',
    fv_briefAt: 'Time', fv_results: 'Results (one line each, into the log)', fv_orders: 'Orders (one line each, "function: order", e.g. "S4: deliver sandbags")',
    fv_nextAt: 'Next briefing (optional)', fv_record: 'Record results', fv_recorded: 'Recorded.', fv_unknownFn: 'Unknown function: {code}',
    fv_m_funk: 'Radio', fv_m_telefon: 'Phone', fv_m_fax: 'Fax', fv_m_email: 'E-mail', fv_m_melder: 'Courier', fv_m_messenger: 'Messenger', fv_m_persoenlich: 'in person',
    fv_m_channel: 'into a channel', fv_k_durchsage: 'Announcement', fv_k_spruch: 'Message', fv_k_gespraechsnotiz: 'Call note',
    fv_p_einfach: 'routine', fv_p_sofort: 'Immediate', fv_p_blitz: 'Flash', fv_now: 'now', fv_open: 'Open',
    fv_w_channel: 'as a message into a channel of this app', fv_w_messenger: 'another messenger (record only)', fv_new: 'new',
    fv_saveRemarks: 'Save remark', fv_reasonMissing: 'Please give a reason.', fv_whenHint: 'DD.MM.YYYY HH:MM (24 h, German time)',
    fv_badTime: 'Please give the time as DD.MM.YYYY HH:MM or HH:MM.', fv_noLead: 'Please choose the lead function.', fv_readonly: 'read only',
    fv_titleMissing: 'Please describe the order.', fv_noOwner: 'Please choose the owner function.',
  },
});

const MEDIA = ['funk', 'telefon', 'fax', 'email', 'melder', 'messenger', 'persoenlich'];
const KINDS = ['durchsage', 'spruch', 'gespraechsnotiz'];
const PRIOS = ['einfach', 'sofort', 'blitz'];
const WAYS = ['funk', 'telefon', 'fax', 'channel', 'melder', 'email', 'messenger', 'persoenlich'];
const FIELDS = [
  ['counterpart', 'text', 200], ['counterpart_number', 'text', 60], ['medium', MEDIA, 'fv_m_'], ['kind', KINDS, 'fv_k_'],
  ['priority', PRIOS, 'fv_p_'], ['subject', 'text', 200], ['text', 'area', 20000], ['sender', 'text', 200], ['remarks', 'area', 4000],
];
const QUEUES = ['sichten', 'uebermitteln', 'eingang', 'zurueck', 'mine', 'all', 'auftraege', 'functions', 'briefing'];
const q = encodeURIComponent;
const when = s => s ? fmtDateTime(s.replace(' ', 'T')) : '';

// Times are typed and shown as German local time, 24 h ("30.11.2026 21:40", or "21:40"
// for today), whatever the browser's locale and zone: a native datetime-local input shows
// "08:40 PM" in an English browser and reads the PC's zone.
const berlinParts = d => Object.fromEntries(new Intl.DateTimeFormat('en-GB', { timeZone: TZ, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' })
  .formatToParts(d).filter(p => p.type !== 'literal').map(p => [p.type, +p.value]));
function berlinDate(y, mo, d, hh, mi) {
  const guess = Date.UTC(y, mo - 1, d, hh, mi);
  const p = berlinParts(new Date(guess));
  return new Date(guess - (Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute) - guess));
}
function toISO(v) {
  v = (v || '').trim();
  if (!v) return '';
  const today = berlinParts(new Date());
  let m = v.match(/^(\d{1,2})\.(\d{1,2})\.(\d{2,4})?[,\s]+(\d{1,2})[:.](\d{2})(?:\s*Uhr)?$/);
  let d;
  if (m) {
    const y = m[3] ? (m[3].length === 2 ? 2000 + +m[3] : +m[3]) : today.year;
    d = berlinDate(y, +m[2], +m[1], +m[4], +m[5]);
  } else if ((m = v.match(/^(\d{1,2})[:.](\d{2})(?:\s*Uhr)?$/))) {
    d = berlinDate(today.year, today.month, today.day, +m[1], +m[2]);
  }
  if (!d || isNaN(d) || (m && (+m.at(-2) > 23 || +m.at(-1) > 59))) throw new Error(t('fv_badTime'));
  return d.toISOString();
}
const whenInput = (id, required) => h('input#' + id, { type: 'text', inputmode: 'numeric', autocomplete: 'off', required: !!required, maxlength: 22,
  placeholder: t('fv_whenHint'), title: t('fv_whenHint') });

// showPanel: the second step of an action opens below the fold on a laptop; bring it into
// view and put the cursor in its first field.
function showPanel(box, first) {
  box.scrollIntoView({ block: 'nearest' });
  if (first) first.focus({ preventScroll: true });
}
// fieldError: an error shown beside the field it concerns (not a toast over the button).
function fieldError(frm, ctl, msg) {
  const p = frm.querySelector('.fm-err') || h('p.fm-err', { role: 'alert', id: frm.id ? frm.id + '-err' : '' });
  frm.querySelectorAll('[aria-invalid]').forEach(x => { x.removeAttribute('aria-invalid'); x.removeAttribute('aria-describedby'); });
  (ctl.closest('label') || ctl).after(p);
  p.textContent = msg;
  if (p.id) ctl.setAttribute('aria-describedby', p.id);
  ctl.setAttribute('aria-invalid', 'true');
  ctl.focus();
}

export default {
  id: 'forms',
  title: { de: 'Vordrucke', en: 'Forms' },
  icon: 'file',
  visible: ctx => ctx.tenants.some(x => x.role !== 'guest'),
  render(el, ctx) {
    ensureFormStyles();
    const page = h('div.view-page.forms-view');
    el.append(page);
    const tabs = h('div.fm-tabs', { role: 'tablist', 'aria-label': t('fv_title') });
    const tools = h('div.fm-tools');
    const listBox = h('section.panel.fm-list#fm-list');
    const edit = h('section.panel.fm-edit#fm-edit', { 'aria-live': 'polite' });
    page.append(h('h1.fm-title', t('fv_title')), tabs, tools, h('div.fm-main', listBox, edit));
    let alive = true, queue = formsState.queue || '', fns = null, current = null, shown = null;
    formsState.queue = '';
    const api = ctx.api;
    // An error of this view goes once its next save works: "Gespeichert." never stands
    // beside the refusal it answered, over the buttons of the next step.
    let lastError = null;
    const fail = e => { lastError = ctx.toast(e.message, 'error'); };
    const saved = () => { if (typeof lastError === 'function') lastError(); lastError = null; ctx.toast(t('fv_saved')); };

    async function functions() {
      if (!fns) fns = await api.get('/api/crisisroom/functions').catch(() => ({ functions: [], mine: [] }));
      return fns;
    }
    // A function nobody holds: an order or a copy for it sits with nobody. The pickers say
    // so, and giving it anyway asks first ("S4 ist nicht besetzt – trotzdem?").
    const vacant = x => Array.isArray(x.holders) && !x.holders.length;
    const fnOption = x => h('option', { value: x.id, dataset: { vacant: vacant(x) ? '1' : '' } }, x.code + ' – ' + x.name + (vacant(x) ? ' (' + t('fv_nobody') + ')' : ''));
    async function vacantOk(ids) {
      const list = (fns && fns.functions) || [];
      const codes = list.filter(x => ids.includes(x.id) && vacant(x)).map(x => x.code);
      return !codes.length || ctx.confirmDialog(t('fv_vacantWarn', { codes: codes.join(', ') }), t('fv_vacantAnyway'));
    }

    function drawTabs() {
      const c = (formsState.q && formsState.q.counts) || {};
      if (!queue) queue = ['sichten', 'uebermitteln', 'eingang', 'zurueck'].find(k => c[k]) || 'all';
      clear(tabs, QUEUES.map(k => h('button.btn.fm-tab', {
        type: 'button', role: 'tab', 'aria-selected': String(k === queue), dataset: { queue: k },
        onclick: () => { queue = k; current = null; load(); },
      }, t('fv_q_' + k), c[k] ? h('span.fm-count', ' ' + c[k]) : null)));
      const qq = formsState.q || {};
      clear(tools,
        qq.may_author ? h('button.btn.primary#fm-new-out', { type: 'button', onclick: () => openNew('out') }, t('fv_newOut')) : null,
        qq.may_intake ? h('button.btn.primary#fm-new-in', { type: 'button', onclick: () => openNew('in') }, t('fv_newIn')) : null,
        h('button.btn', { type: 'button', onclick: () => download('/api/crisisroom/forms/register?direction=in', 'nachweisung-eingang.pdf').catch(fail) }, t('fv_registerIn')),
        h('button.btn', { type: 'button', onclick: () => download('/api/crisisroom/forms/register?direction=out', 'nachweisung-ausgang.pdf').catch(fail) }, t('fv_registerOut')));
    }

    async function load() {
      await refreshQueues();
      if (!alive) return;
      drawTabs();
      page.classList.toggle('has-open', !!current);
      if (queue === 'auftraege') return drawTasks();
      if (queue === 'functions') return drawFunctions();
      if (queue === 'briefing') return drawBriefing();
      const list = await api.get('/api/crisisroom/forms?queue=' + q(queue)).catch(e => { fail(e); return []; });
      if (!alive) return;
      drawList(list);
      if (current && current.id) {
        const f = await api.get('/api/crisisroom/forms/' + q(current.id)).catch(() => null);
        // a panel the person is filling in (reason, distribution …) is not wiped by a reload
        // that finds the form unchanged
        const busy = f && shown && f.id === shown.id && f.updated === shown.updated && edit.querySelector('#fm-step')?.childElementCount;
        if (f) { if (!busy) drawForm(f); } else { current = null; clear(edit); page.classList.remove('has-open'); }
      } else if (!current) clear(edit);
    }

    function drawList(list) {
      if (!list.length) { clear(listBox, h('p.muted', t('fv_none'))); return; }
      clear(listBox, h('table.list.fm-table',
        h('thead', h('tr', h('th', t('fv_nr')), h('th', t('fv_prio')), h('th', t('fv_subject')), h('th', t('fv_counterpart')), h('th', t('fv_state')))),
        h('tbody', list.map(f => h('tr.fm-row-link' + (f.priority === 'blitz' ? '.fm-blitz' : ''), { dataset: { id: f.id }, onclick: ev => { if (!ev.target.closest('button')) open(f.id); } },
          // an outgoing form gets its number at dispatch: until then it shows its step ("Entwurf")
          h('td.fm-nr', h('button.link.fm-open', { type: 'button', onclick: () => open(f.id), 'aria-label': t('fv_open') + ' ' + f.label + ' ' + (f.subject || '') }, f.number ? f.label : t('fv_st_' + f.state))),
          h('td', h('span.fm-prio.fm-prio-' + f.priority, t('fv_p_' + f.priority))),
          h('td', h('button.link.fm-open-subject', { type: 'button', tabindex: -1, onclick: () => open(f.id) }, f.subject || (f.text || '').slice(0, 80))),
          h('td', f.counterpart || ''),
          h('td', t('fv_st_' + f.state)))))));
    }

    async function open(id) {
      current = { id };
      const f = await api.get('/api/crisisroom/forms/' + q(id)).catch(fail);
      if (!f || !alive) return;
      page.classList.add('has-open');
      drawForm(f);
      const first = edit.querySelector('input:not([disabled]), textarea:not([disabled]), select:not([disabled]), .fm-actions button');
      if (first) first.focus();
    }

    function openNew(direction) {
      // A new form belongs beside a list of forms: from the orders, functions or briefing
      // tab switch to all forms first, or the next reload of that tab (every ping, every
      // 10 s) would wipe the form being filled in.
      if (['auftraege', 'functions', 'briefing'].includes(queue)) {
        queue = 'all';
        drawTabs();
        api.get('/api/crisisroom/forms?queue=all').then(l => { if (alive) drawList(l); }).catch(() => {});
      }
      current = { id: '', direction };
      page.classList.add('has-open');
      drawForm({ id: '', direction, state: 'new', priority: 'einfach', medium: direction === 'in' ? 'funk' : '', notes: {}, recipients: [], actions: [],
        editable: FIELDS.map(x => x[0]), label: '' });
      edit.querySelector('[name="counterpart"]')?.focus();
    }

    function input(f, [name, type, arg]) {
      const dis = !(f.editable || []).includes(name);
      const id = 'fm-f-' + name;
      const wrap = (ctl) => h('label.fm-field.fm-field-' + name + (dis ? '.fm-ro' : ''), h('span', t('fv_f_' + name), dis && f.state !== 'new' ? h('span.fm-ro-mark', ' · ' + t('fv_readonly')) : null), ctl);
      let ctl;
      if (Array.isArray(type)) {
        ctl = h('select#' + id, { name, disabled: dis }, (name === 'medium' ? [''] : []).concat(type).map(v => h('option', { value: v, selected: (f[name] || '') === v }, v ? t(arg + v) : '–')));
      } else if (type === 'area') {
        ctl = h('textarea#' + id, { name, maxlength: arg, rows: name === 'text' ? 6 : 2, disabled: dis }, f[name] || '');
      } else {
        ctl = h('input#' + id, { name, maxlength: arg, value: f[name] || '', disabled: dis });
      }
      return wrap(ctl);
    }

    function notes(f) {
      const out = [];
      for (const k of ['intake', 'acceptance', 'transmission', 'triage', 'receipt']) {
        const n = (f.notes || {})[k];
        if (n) out.push(h('div.fm-note', h('b', t('fv_n_' + k) + ': '), `${when(n.at)} · ${n.sign} (${n.name || ''}${n.function ? ', ' + n.function : ''})${n.way ? ' · ' + t('fv_m_' + n.way) : ''}`));
      }
      return out;
    }

    function drawForm(f) {
      shown = { id: f.id, updated: f.updated };
      const fieldsForm = h('form.fm-fields', FIELDS.map(d => input(f, d)));
      const mayEdit = (f.editable || []).length > 0;
      const values = () => {
        const body = {};
        for (const [name] of FIELDS) {
          const c = fieldsForm.elements[name];
          if (c && !c.disabled) body[name] = c.value;
        }
        return body;
      };
      fieldsForm.onsubmit = async ev => {
        ev.preventDefault();
        try {
          if (!f.id) {
            const made = await api.post('/api/crisisroom/forms', { direction: f.direction, reply_to: f.reply_to || '', ...values() });
            current = { id: made.id };
          } else {
            await api.patch('/api/crisisroom/forms/' + q(f.id), values());
          }
          saved();
          load();
        } catch (e) { fail(e); }
      };
      const onlyRemarks = (f.editable || []).length === 1 && f.editable[0] === 'remarks';
      if (mayEdit) fieldsForm.append(h('div.fm-row', h('button.btn' + (onlyRemarks ? '' : '.primary') + '#fm-save', { type: 'submit' }, !f.id ? t('fv_create') : onlyRemarks ? t('fv_saveRemarks') : t('fv_save'))));
      const prioBadge = h('span.fm-prio.fm-prio-' + f.priority, t('fv_p_' + f.priority));
      const prioSel = fieldsForm.elements.priority;
      if (prioSel) prioSel.addEventListener('change', () => { prioBadge.className = 'fm-prio fm-prio-' + prioSel.value; prioBadge.textContent = t('fv_p_' + prioSel.value); });
      const dist = (f.recipients || []).map(r => h('span.chip.fm-rcpt', { dataset: { code: r.code } },
        `${r.code} (${r.role === 'lead' ? t('fv_lead_short') : t('fv_info_short')})`, r.done_at ? ' ✓ ' + t('fv_doneMark') : r.read_at ? ' · ' + t('fv_readMark') : ''));
      const copy = h('select#fm-copy', { 'aria-label': t('fv_copy') }, [1, 2, 3, 4].map(n => h('option', { value: n }, t('fv_copy') + ' ' + n)));
      clear(edit,
        h('button.btn.fm-back', { type: 'button', onclick: () => { current = null; page.classList.remove('has-open'); clear(edit); listBox.querySelector('button')?.focus(); } }, '← ' + t('fv_back')),
        h('h2.fm-head', h('span.fm-dir', t(f.direction === 'in' ? 'fv_in' : 'fv_out')), ' ', h('span#fm-label', f.state === 'new' ? t('fv_new') : f.number ? f.label : ''), ' ',
          prioBadge, ' ', f.state !== 'new' ? h('span.fm-state#fm-state', t('fv_st_' + f.state)) : null),
        f.return_reason && f.state === 'returned' ? h('p.fm-returned', { role: 'note' }, t('fv_returned', { reason: f.return_reason })) : null,
        f.reply_to ? h('p.muted.fm-reply-to', t('fv_replyTo', { label: f.reply_to_label || f.reply_to })) : null,
        f.fax ? h('p.muted', t('fv_fax')) : null,
        h('div.fm-notes', notes(f)),
        f.author_name ? h('div.fm-note', h('b', t('fv_author') + ': '), `${f.author_name}${f.author_function ? ' (' + f.author_function + ')' : ''}`) : null,
        fieldsForm,
        dist.length ? h('div.fm-dist', h('b', t('fv_distribution') + ': '), dist) : null,
        f.completion ? h('p.fm-completion', f.completion) : null,
        h('div.fm-actions', (f.actions || []).map(a => h('button.btn' + (a === 'return' ? '' : '.primary'), { type: 'button', dataset: { action: a }, onclick: () => act(f, a) }, t('fv_a_' + a))),
          f.id && f.state !== 'draft' && f.state !== 'returned' && ((formsState.q && formsState.q.functions) || []).length
            ? h('button.btn#fm-order', { type: 'button', onclick: () => orderFrom(f) }, t('fv_newTask')) : null),
        h('div.fm-step#fm-step'),
        f.id ? h('div.fm-print', copy, h('button.btn#fm-print', { type: 'button', onclick: () => download(`/api/crisisroom/forms/${q(f.id)}/pdf?copy=${copy.value}`, `vordruck-${f.label.replace(/\W+/g, '')}.pdf`).catch(fail) }, t('fv_print'))) : null,
        (f.events || []).length ? h('details.fm-events', h('summary', t('fv_events')), h('ol', f.events.map(e => h('li', `${when(e.at)} · ${e.action} · ${e.actor_name || ''}${e.function ? ' (' + e.function + ')' : ''}${e.data && e.data.reason ? ' – ' + e.data.reason : ''}`)))) : null);
    }

    // orderFrom: an order (Auftrag) that follows from the form; the form is named in it.
    async function orderFrom(f) {
      const box = edit.querySelector('#fm-step');
      const { functions: list } = await functions();
      const title = h('input#fm-order-title', { required: true, maxlength: 300, value: (f.subject || '').slice(0, 300) });
      const owner = h('select#fm-order-owner', { required: true }, h('option', { value: '' }, '–'), list.map(fnOption));
      const due = whenInput('fm-order-due');
      const frm = h('form.fm-sub#fm-order-form', { noValidate: true }, h('label', t('fv_task'), title), h('label', t('fv_owner'), owner), h('label', t('fv_due'), due),
        h('button.btn.primary#fm-order-go', { type: 'submit' }, t('fv_newTask')));
      frm.onsubmit = async ev => {
        ev.preventDefault();
        if (!title.value.trim()) return fieldError(frm, title, t('fv_titleMissing'));
        if (!owner.value) return fieldError(frm, owner, t('fv_noOwner'));
        let at;
        try { at = toISO(due.value); } catch (e) { return fieldError(frm, due, e.message); }
        if (!await vacantOk([owner.value])) return;
        try { await api.post('/api/crisisroom/tasks', { title: title.value, owner: owner.value, due: at, form: f.id }); saved(); clear(box); refreshQueues(); }
        catch (e) { fieldError(frm, title, e.message); }
      };
      clear(box, frm); showPanel(box, title);
    }

    // step: the action on the server; an error is shown beside the panel's field when
    // there is one (frm, ctl), else as a toast.
    async function step(f, action, body, frm, ctl) {
      try { await api.post(`/api/crisisroom/forms/${q(f.id)}/${action}`, body || {}); await load(); }
      catch (e) { if (frm) fieldError(frm, ctl, e.message); else fail(e); }
    }

    async function act(f, a) {
      const box = edit.querySelector('#fm-step');
      if (a === 'reply') {
        try {
          const made = await api.post('/api/crisisroom/forms', { direction: 'out', reply_to: f.id, counterpart: f.sender || f.counterpart || '', subject: 'Antwort ' + f.label + (f.subject ? ': ' + f.subject : '') });
          current = { id: made.id }; load();
        } catch (e) { fail(e); }
        return;
      }
      if (a === 'return') {
        const reason = h('textarea#fm-reason', { required: true, maxlength: 2000, rows: 2 });
        const frm = h('form.fm-sub#fm-return-form', { noValidate: true }, h('label', t('fv_reason'), reason), h('button.btn.primary#fm-return-go', { type: 'submit' }, t('fv_a_return')));
        frm.onsubmit = ev => {
          ev.preventDefault();
          if (!reason.value.trim()) return fieldError(frm, reason, t('fv_reasonMissing'));
          step(f, 'return', { reason: reason.value }, frm, reason);
        };
        clear(box, frm); showPanel(box, reason); return;
      }
      if (a === 'done') {
        const c = h('textarea#fm-completion', { maxlength: 4000, rows: 2 });
        const frm = h('form.fm-sub', h('label', t('fv_completion'), c), h('button.btn.primary#fm-done-go', { type: 'submit' }, t('fv_a_done')));
        frm.onsubmit = ev => { ev.preventDefault(); step(f, 'done', { completion: c.value }, frm, c); };
        clear(box, frm); showPanel(box, c); return;
      }
      if (a === 'distribute') {
        const { functions: list } = await functions();
        const lead = h('select#fm-lead', { required: true }, h('option', { value: '' }, '–'), list.map(fnOption));
        const info = h('fieldset.fm-info', h('legend', t('fv_info')), list.map(x => h('label.fm-check', h('input', {
          type: 'checkbox', value: x.id, name: 'info', checked: x.code === 'S2', disabled: x.code === 'S2', dataset: { code: x.code },
        }), ' ' + x.code, vacant(x) ? h('span.muted.small', ' (' + t('fv_nobody') + ')') : null)));
        const frm = h('form.fm-sub#fm-distribute-form', { noValidate: true }, h('label', t('fv_lead'), lead), info, h('p.muted', t('fv_s2always')), h('button.btn.primary#fm-distribute-go', { type: 'submit' }, t('fv_a_distribute')));
        frm.onsubmit = async ev => {
          ev.preventDefault();
          if (!lead.value) return fieldError(frm, lead, t('fv_noLead'));
          const ids = [...info.querySelectorAll('input:checked:not([disabled])')].map(i => i.value);
          if (!await vacantOk([lead.value, ...ids])) return;
          step(f, 'distribute', { lead: lead.value, info: ids }, frm, lead);
        };
        clear(box, frm); showPanel(box, lead); return;
      }
      if (a === 'transmit') {
        // "channel" posts the form into this app's channel; "messenger" only records that it went by another messenger
        const way = h('select#fm-way', WAYS.map(w => h('option', { value: w, selected: w === (f.medium || 'funk') }, t(w === 'channel' || w === 'messenger' ? 'fv_w_' + w : 'fv_m_' + w))));
        const chans = await api.get('/api/crisisroom/channels').then(r => Array.isArray(r) ? r : (r.items || r.channels || [])).catch(() => []);
        const chan = h('select#fm-channel', chans.filter(c => c.kind === 'shared' || c.kind === 'org').map(c => h('option', { value: c.id }, c.name)));
        const num = h('input#fm-faxnumber', { value: f.counterpart_number || '', inputmode: 'tel', maxlength: 40 });
        const chanRow = h('label.fm-way-channel', t('fv_channel'), chan), numRow = h('label.fm-way-fax', t('fv_faxNumber'), num);
        const sync = () => { chanRow.hidden = !['channel', 'fax'].includes(way.value); numRow.hidden = way.value !== 'fax'; };
        way.onchange = sync; sync();
        const frm = h('form.fm-sub#fm-transmit-form', h('label', t('fv_way'), way), chanRow, numRow, h('button.btn.primary#fm-transmit-go', { type: 'submit' }, t('fv_a_transmit')));
        frm.onsubmit = async ev => {
          ev.preventDefault();
          try {
            if (way.value === 'fax') {
              // the appliance's own fax path, as the fax view uses it: the record is checked, rendered and dialled there
              const text = `Vordruck ${f.label} an ${f.counterpart || ''}\nBetreff: ${f.subject || ''}\n\n${f.text || ''}`;
              const fx = await api.post('/api/collections/faxes/records', { direction: 'out', channel: chan.value, number: num.value, text, requested_by: ctx.me.id });
              await step(f, 'transmit', { way: 'fax', fax: fx.id }, frm, way);
            } else await step(f, 'transmit', { way: way.value, channel: way.value === 'channel' ? chan.value : '' }, frm, way);
          } catch (e) { fieldError(frm, way, e.message); }
        };
        clear(box, frm); showPanel(box, way); return;
      }
      step(f, a);
    }

    async function drawTasks() {
      clear(edit); page.classList.remove('has-open');
      const [tasks, fx] = await Promise.all([api.get('/api/crisisroom/tasks').catch(e => { fail(e); return []; }), functions()]);
      if (!alive) return;
      const rows = tasks.map(x => {
        const status = h('select', { 'aria-label': t('fv_state') + ' ' + x.title, disabled: x.status === 'erledigt' },
          ['offen', 'in_arbeit', 'erledigt'].map(s => h('option', { value: s, selected: s === x.status }, t('fv_ts_' + s))));
        status.onchange = () => api.post(`/api/crisisroom/tasks/${q(x.id)}/status`, { status: status.value }).then(load, e => { fail(e); load(); });
        return h('tr' + (x.overdue ? '.fm-overdue' : ''), { dataset: { id: x.id } }, h('td', x.title, x.text ? h('div.muted', x.text) : null), h('td', x.owner_code),
          h('td', when(x.due), x.overdue ? h('span.fm-prio.fm-prio-blitz', ' ' + t('fv_overdue')) : null), h('td', status), h('td', x.confirmed_by_name || ''));
      });
      const title = h('input#fm-task-title', { required: true, maxlength: 300 });
      const owner = h('select#fm-task-owner', { required: true }, h('option', { value: '' }, '–'), fx.functions.map(fnOption));
      const due = whenInput('fm-task-due');
      const frm = h('form.fm-task-new#fm-task-form', { noValidate: true }, h('h2', t('fv_newTask')),
        h('label.fm-task-title', t('fv_task'), title), h('label', t('fv_owner'), owner), h('label', t('fv_due'), due),
        h('div.fm-task-go', h('button.btn.primary', { type: 'submit' }, t('fv_newTask'))));
      frm.onsubmit = async ev => {
        ev.preventDefault();
        if (!title.value.trim()) return fieldError(frm, title, t('fv_titleMissing'));
        if (!owner.value) return fieldError(frm, owner, t('fv_noOwner'));
        let at;
        try { at = toISO(due.value); } catch (e) { return fieldError(frm, due, e.message); }
        if (!await vacantOk([owner.value])) return;
        try { await api.post('/api/crisisroom/tasks', { title: title.value, owner: owner.value, due: at }); title.value = ''; load(); } catch (e) { fieldError(frm, title, e.message); }
      };
      const head = [t('fv_task'), t('fv_owner'), t('fv_due'), t('fv_state'), t('fv_confirmed')];
      rows.forEach(r => [...r.children].forEach((td, i) => { td.dataset.label = head[i]; }));
      clear(listBox, rows.length ? h('table.list.fm-table.fm-tasks', h('thead', h('tr', head.map(x => h('th', x)))), h('tbody', rows))
        : h('p.muted', t('fv_noTasks')), (fx.mine || []).length ? frm : null);
    }

    async function drawFunctions() {
      clear(edit); page.classList.remove('has-open');
      fns = null;
      const fx = await functions();
      if (!alive) return;
      const people = fx.people || {};
      clear(listBox, h('table.list.fm-table.fm-functions', h('thead', h('tr', h('th', t('fv_function')), h('th', t('fv_holders')))),
        h('tbody', fx.functions.map(x => {
          const org = x.liaison_org || (ctx.host && ctx.host.id) || '';
          const cands = (people[org] || []).filter(p => !x.holders.some(hh => hh.id === p.id));
          const add = fx.may_assign ? h('select', { 'aria-label': t('fv_addHolder') + ' ' + x.code, onchange: ev => ev.target.value && api.post(`/api/crisisroom/functions/${q(x.id)}/holders`, { user: ev.target.value }).then(drawFunctions, fail) },
            h('option', { value: '' }, t('fv_addHolder')), cands.map(p => h('option', { value: p.id }, p.name))) : null;
          return h('tr', { dataset: { code: x.code } }, h('th', { scope: 'row' }, x.code, h('div.muted', x.name)),
            h('td', x.holders.length ? x.holders.map(p => h('span.chip', p.name, fx.may_assign ? h('button.link', { type: 'button', 'aria-label': t('fv_remove') + ' ' + p.name + ' ' + x.code,
              onclick: () => api.post(`/api/crisisroom/functions/${q(x.id)}/holders`, { user: p.id, remove: true }).then(drawFunctions, fail) }, ' ✕') : null)) : h('span.muted', t('fv_nobody')), ' ', add));
        }))));
    }

    async function drawBriefing() {
      clear(edit); page.classList.remove('has-open');
      const [b, fx] = await Promise.all([api.get('/api/crisisroom/briefing').catch(() => ({})), functions()]);
      if (!alive) return;
      const next = b && b.briefing;
      // the same countdown as the top bar's chip
      const parts = [h('p.fm-brief-next#fm-brief-next', next ? t('fv_briefNext', { time: when(next.at), left: left(next.at) || t('fv_now') }) : t('fv_briefNone'))];
      if (b && b.may_brief) {
        const at = whenInput('fm-brief-at', true);
        const set = h('form.fm-sub.fm-brief-set#fm-brief-form', { noValidate: true }, h('label', t('fv_briefAt'), at), h('button.btn.primary', { type: 'submit' }, t('fv_briefSet')));
        set.onsubmit = async ev => {
          ev.preventDefault();
          let v;
          try { v = toISO(at.value); if (!v) throw new Error(t('fv_badTime')); } catch (e) { return fieldError(set, at, e.message); }
          try { await api.post('/api/crisisroom/briefing', { at: v }); load(); } catch (e) { fieldError(set, at, e.message); }
        };
        const results = h('textarea#fm-results', { rows: 4 }), orders = h('textarea#fm-orders', { rows: 3 }), nextAt = whenInput('fm-next-at');
        const rec = h('form.fm-sub.fm-brief-rec#fm-results-form', { noValidate: true }, h('label', t('fv_results'), results), h('label', t('fv_orders'), orders), h('label', t('fv_nextAt'), nextAt),
          h('button.btn.primary', { type: 'submit' }, t('fv_record')));
        rec.onsubmit = async ev => {
          ev.preventDefault();
          const byCode = Object.fromEntries(fx.functions.map(x => [x.code.toLowerCase(), x.id]));
          const list = [];
          for (const line of orders.value.split('\n').map(s => s.trim()).filter(Boolean)) {
            const i = line.indexOf(':');
            const code = i > 0 ? line.slice(0, i).trim().toLowerCase() : '';
            if (!byCode[code]) return fieldError(rec, orders, t('fv_unknownFn', { code: code || line }));
            list.push({ title: line.slice(i + 1).trim(), owner: byCode[code] });
          }
          let nx;
          try { nx = toISO(nextAt.value); } catch (e) { return fieldError(rec, nextAt, e.message); }
          try {
            await api.post('/api/crisisroom/briefing/results', { results: results.value.split('\n').map(s => s.trim()).filter(Boolean), orders: list, next: nx });
            ctx.toast(t('fv_recorded')); load();
          } catch (e) { fieldError(rec, results, e.message); }
        };
        parts.push(set, rec);
      }
      clear(listBox, h('div.fm-brief', parts));
    }

    const onQ = () => { if (alive) drawTabs(); };
    formsState.listeners.add(onQ);
    if (formsState.open) { current = { id: formsState.open }; formsState.open = ''; }
    load();
    return () => { alive = false; formsState.listeners.delete(onQ); };
  },
};
