// "ZeMAG": the city's register of attacks on its staff. Every employee reports (phone
// first; a report made offline waits in this device's own outbox and leaves when the
// connection is back, once, by its client_key); the ZKS reviews (checked → criminal
// complaint → entry or not) and keeps the register (letter to the person, review date,
// extension, deletion); the lookup role asks case by case; the data-protection officer
// reads the lookup log. Only the city's own people see this view, and only with the
// module on; the server refuses everything else.

import { addStrings, t } from '../i18n.js';
import { h, clear, fmtDateTime, fmtDate } from '../ui.js';
import { moduleFor, hasRole, ensureStyles, download, blobURL, refresh } from '../citystaff.js';
import { ApiError } from '../api.js';
import { renderSettings, renderRoles } from '../citystaff-admin.js';

addStrings({
  de: {
    zm_title: 'ZeMAG', zm_tabReport: 'Melden', zm_tabReports: 'Meldungen', zm_tabRegister: 'Register', zm_tabLookup: 'Abfrage', zm_tabLog: 'Protokoll', zm_tabStats: 'Statistik',
    zm_reportTitle: 'Angriff melden', zm_when: 'Wann', zm_place: 'Wo (Ort, Adresse)', zm_dept: 'Dienststelle', zm_what: 'Was ist passiert?',
    zm_level: 'Stufe (Aachener Modell)', zm_cat: 'Kategorie', zm_person: 'Angreifende Person (soweit bekannt)', zm_pname: 'Vor- und Nachname', zm_pdob: 'Geburtsdatum', zm_datePh: 'TT.MM.JJJJ', zm_whenPh: 'TT.MM.JJJJ HH:MM', zm_badDate: 'Datum bitte als TT.MM.JJJJ angeben, z. B. 12.04.1975.', zm_badWhen: 'Zeit bitte als TT.MM.JJJJ HH:MM angeben (24 h).', zm_paddr: 'Anschrift',
    zm_witnesses: 'Zeuginnen und Zeugen', zm_injuries: 'Verletzungen', zm_police: 'Aktenzeichen der Polizei', zm_notStaff: 'Angegriffen wurde jemand, der nicht bei der Stadt beschäftigt ist (z. B. Polizei auf gemeinsamer Streife)',
    zm_other: 'Die Angaben stammen von einer anderen Behörde', zm_send: 'Meldung absenden', zm_sent: 'Meldung gesendet. Ihre Vorgesetzten und die ZKS sind informiert.',
    zm_queued: 'Keine Verbindung: die Meldung ist auf diesem Gerät gespeichert und wird gesendet, sobald die Verbindung zurück ist.', zm_waiting: '{n} Meldung(en) warten auf Verbindung.',
    zm_l_0: '0 – normal oder kontrovers: sachliche, auch hitzige Diskussion', zm_l_1: '1 – verbale Aggression, Beleidigung, Aggression gegen Sachen',
    zm_l_2: '2 – Handgreiflichkeit, körperliche Gewalt, Bedrohung, Nötigung, Sachbeschädigung, sexuelle Belästigung',
    zm_l_3: '3 – Waffen oder Werkzeuge, Bomben- oder Amokdrohung, Geiselnahme, Raub',
    zm_cat_insult: 'Beleidigung', zm_cat_verbal: 'verbale Aggression', zm_cat_objects: 'Aggression gegen Sachen', zm_cat_scuffle: 'Handgreiflichkeit', zm_cat_violence: 'körperliche Gewalt',
    zm_cat_threat: 'Bedrohung', zm_cat_coercion: 'Nötigung', zm_cat_damage: 'Sachbeschädigung', zm_cat_harassment: 'sexuelle Belästigung', zm_cat_weapon: 'Waffe oder Werkzeug',
    zm_cat_bomb: 'Bombendrohung', zm_cat_rampage: 'Amokdrohung', zm_cat_hostage: 'Geiselnahme', zm_cat_robbery: 'Raub', zm_cat_other: 'Sonstiges',
    zm_st_reported: 'gemeldet', zm_st_checked: 'geprüft', zm_st_complaint_filed: 'Strafanzeige erstattet', zm_st_entered: 'eingetragen', zm_st_not_entered: 'nicht eingetragen',
    zm_none: 'Keine Meldungen.', zm_by: 'gemeldet von {name}', zm_check: 'Geprüft', zm_fileNo: 'Aktenzeichen der Strafanzeige', zm_complaint: 'Strafanzeige erstattet',
    zm_guidance: 'Hinweis für die Beschäftigten', zm_guidanceDefault: 'Kontakt nur zu zweit; ZKS informieren', zm_enter: 'Eintragen', zm_notEnter: 'Nicht eintragen', zm_reason: 'Begründung',
    zm_entries: 'Einträge', zm_review: 'Prüfung bis {date}', zm_notice: 'Mitteilung versandt am {date}', zm_noNotice: 'Mitteilung noch nicht versandt', zm_letter: 'Schreiben (PDF)',
    zm_noticeSent: 'Heute versandt', zm_extend: 'Verlängern', zm_delete: 'Löschen', zm_deleted: 'gelöscht', zm_noEntries: 'Keine Einträge.',
    zm_lookupTitle: 'Abfrage im Einzelfall', zm_lookupHelp: 'Nur vollständiger Name und Geburtsdatum; jede Abfrage wird mit Anlass protokolliert.', zm_lookupReason: 'Aktenzeichen oder Anlass', zm_ask: 'Abfragen',
    zm_hit: 'Eintrag vorhanden: Stufe {level}', zm_miss: 'Kein Eintrag.', zm_lookups: 'Abfrageprotokoll', zm_moduleLog: 'Verlauf des Registers', zm_who: 'Wer', zm_at: 'Wann', zm_hitCol: 'Treffer',
    zm_yes: 'ja', zm_no: 'nein', zm_refused: 'abgelehnt', zm_action: 'Schritt', zm_text: 'Text', zm_statsTitle: 'Meldungen nach Stufe, Kategorie, Dienststelle und Monat', zm_done: 'Gespeichert.',
  },
  en: {
    zm_title: 'ZeMAG', zm_tabReport: 'Report', zm_tabReports: 'Reports', zm_tabRegister: 'Register', zm_tabLookup: 'Lookup', zm_tabLog: 'Log', zm_tabStats: 'Statistics',
    zm_reportTitle: 'Report an attack', zm_when: 'When', zm_place: 'Where (place, address)', zm_dept: 'Department', zm_what: 'What happened?',
    zm_level: 'Level (Aachen model)', zm_cat: 'Category', zm_person: 'Attacker (as far as known)', zm_pname: 'Given and family name', zm_pdob: 'Date of birth', zm_datePh: 'DD.MM.YYYY', zm_whenPh: 'DD.MM.YYYY HH:MM', zm_badDate: 'Please give the date as DD.MM.YYYY, e.g. 12.04.1975.', zm_badWhen: 'Please give the time as DD.MM.YYYY HH:MM (24 h).', zm_paddr: 'Address',
    zm_witnesses: 'Witnesses', zm_injuries: 'Injuries', zm_police: 'Police file number', zm_notStaff: 'The person attacked is not employed by the city (e.g. police on a joint patrol)',
    zm_other: 'The data comes from another authority', zm_send: 'Send report', zm_sent: 'Report sent. Your supervisor and the ZKS have been told.',
    zm_queued: 'No connection: the report is kept on this device and will be sent when the connection is back.', zm_waiting: '{n} report(s) waiting for a connection.',
    zm_l_0: '0 – normal or controversial: factual, even heated discussion', zm_l_1: '1 – verbal aggression, insults, aggression against objects',
    zm_l_2: '2 – scuffles, physical violence, threats, coercion, property damage, sexual harassment',
    zm_l_3: '3 – weapons or tools, bomb threats, rampage threats, hostage-taking, robbery',
    zm_cat_insult: 'Insult', zm_cat_verbal: 'Verbal aggression', zm_cat_objects: 'Aggression against objects', zm_cat_scuffle: 'Scuffle', zm_cat_violence: 'Physical violence',
    zm_cat_threat: 'Threat', zm_cat_coercion: 'Coercion', zm_cat_damage: 'Property damage', zm_cat_harassment: 'Sexual harassment', zm_cat_weapon: 'Weapon or tool',
    zm_cat_bomb: 'Bomb threat', zm_cat_rampage: 'Rampage threat', zm_cat_hostage: 'Hostage-taking', zm_cat_robbery: 'Robbery', zm_cat_other: 'Other',
    zm_st_reported: 'reported', zm_st_checked: 'checked', zm_st_complaint_filed: 'criminal complaint filed', zm_st_entered: 'entered', zm_st_not_entered: 'not entered',
    zm_none: 'No reports.', zm_by: 'reported by {name}', zm_check: 'Checked', zm_fileNo: 'File number of the criminal complaint', zm_complaint: 'Criminal complaint filed',
    zm_guidance: 'Guidance for staff', zm_guidanceDefault: 'Kontakt nur zu zweit; ZKS informieren', zm_enter: 'Enter', zm_notEnter: 'Do not enter', zm_reason: 'Reason',
    zm_entries: 'Entries', zm_review: 'Review by {date}', zm_notice: 'Notice sent on {date}', zm_noNotice: 'Notice not sent yet', zm_letter: 'Letter (PDF)',
    zm_noticeSent: 'Sent today', zm_extend: 'Extend', zm_delete: 'Delete', zm_deleted: 'deleted', zm_noEntries: 'No entries.',
    zm_lookupTitle: 'Case-by-case lookup', zm_lookupHelp: 'Full name and date of birth only; every lookup is logged with its reason.', zm_lookupReason: 'Case reference or reason', zm_ask: 'Look up',
    zm_hit: 'Entry found: level {level}', zm_miss: 'No entry.', zm_lookups: 'Lookup log', zm_moduleLog: 'History of the register', zm_who: 'Who', zm_at: 'When', zm_hitCol: 'Hit',
    zm_yes: 'yes', zm_no: 'no', zm_refused: 'refused', zm_action: 'Step', zm_text: 'Text', zm_statsTitle: 'Reports by level, category, department and month', zm_done: 'Saved.',
  },
});

const isCityAdmin = ctx => !!(ctx.tenant && ctx.tenant.kind === 'administration' && ctx.tenant.role === 'admin');

const CATS = ['insult', 'verbal', 'objects', 'scuffle', 'violence', 'threat', 'coercion', 'damage', 'harassment', 'weapon', 'bomb', 'rampage', 'hostage', 'robbery', 'other'];
const q = s => encodeURIComponent(s);
// Dates and times are typed the German way whatever the browser's locale (a date input
// of an en-US browser shows 04/12/1975, and the lookup needs the exact birth date):
// "12.04.1975" (also "12.4.75" is refused: four-digit year) and "12.04.1975 14:30".
const pad = n => String(n).padStart(2, '0');
const nowLocal = () => { const d = new Date(); return `${pad(d.getDate())}.${pad(d.getMonth() + 1)}.${d.getFullYear()} ${pad(d.getHours())}:${pad(d.getMinutes())}`; };
// parseDate: "TT.MM.JJJJ" (or ISO "JJJJ-MM-TT") → "JJJJ-MM-TT"; "" for empty; null if invalid.
export function parseDate(v) {
  v = String(v || '').trim();
  if (!v) return '';
  let m = v.match(/^(\d{1,2})\.(\d{1,2})\.(\d{4})$/), y, mo, d;
  if (m) { d = +m[1]; mo = +m[2]; y = +m[3]; }
  else if ((m = v.match(/^(\d{4})-(\d{2})-(\d{2})$/))) { y = +m[1]; mo = +m[2]; d = +m[3]; }
  else return null;
  const x = new Date(Date.UTC(y, mo - 1, d));
  if (x.getUTCFullYear() !== y || x.getUTCMonth() !== mo - 1 || x.getUTCDate() !== d) return null;
  return `${y}-${pad(mo)}-${pad(d)}`;
}
// parseWhen: "TT.MM.JJJJ HH:MM" in the device's time → Date; null if invalid.
function parseWhen(v) {
  const m = String(v || '').trim().match(/^(\d{1,2}\.\d{1,2}\.\d{4})[ ,]+(\d{1,2}):(\d{2})$/);
  const day = m && parseDate(m[1]);
  if (!day || +m[2] > 23 || +m[3] > 59) return null;
  const [y, mo, d] = day.split('-').map(Number);
  return new Date(y, mo - 1, d, +m[2], +m[3]);
}
const dateInput = (id, required) => h('input#' + id, { type: 'text', inputmode: 'numeric', placeholder: t('zm_datePh'), autocomplete: 'off', maxlength: 10, required: !!required, pattern: '\\d{1,2}\\.\\d{1,2}\\.\\d{4}', title: t('zm_datePh') });

// The reports' own outbox (IndexedDB "crisisroom-zemag"; sign-out deletes it with
// everything else the browser kept, js/api.js forgetEverything).
const DB = 'crisisroom-zemag', STORE = 'reports';
function idb(mode, fn) {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE, { keyPath: 'client_key' });
    req.onerror = () => reject(req.error);
    req.onsuccess = () => {
      const db = req.result, tx = db.transaction(STORE, mode), out = fn(tx.objectStore(STORE));
      tx.oncomplete = () => { db.close(); resolve(out && 'result' in out ? out.result : undefined); };
      tx.onerror = () => { db.close(); reject(tx.error); };
    };
  });
}
const outbox = {
  put: item => idb('readwrite', s => s.put(item)),
  remove: key => idb('readwrite', s => s.delete(key)),
  all: () => idb('readonly', s => s.getAll()).then(a => a || []),
};
let flushing = null;
async function flush(api) {
  if (flushing) return flushing;
  flushing = (async () => {
    let sent = 0;
    for (const item of await outbox.all()) {
      try { await api.post('/api/crisisroom/zemag/reports', item.body); await outbox.remove(item.client_key); sent++; }
      catch (e) {
        if (e instanceof ApiError && e.status === 0) break; // still offline
        await outbox.remove(item.client_key); // refused for good: the writer was told when it was made
      }
    }
    return sent;
  })().finally(() => { flushing = null; });
  return flushing;
}

export default {
  id: 'zemag',
  title: { de: 'ZeMAG', en: 'ZeMAG' },
  icon: 'board',
  // Also for the admins of a city administration that has not switched it on yet: they do it here.
  visible: ctx => { const m = ctx.tenant && moduleFor(ctx.tenant.id); return !!(m && m.zemag) || isCityAdmin(ctx); },
  render(el, ctx) {
    ensureStyles();
    const org = ctx.tenant.id;
    let m = moduleFor(org) || { roles: [] };
    const zks = hasRole(m, 'zks'), dpo = hasRole(m, 'dpo'), lookup = hasRole(m, 'lookup');
    const on = !!m.zemag, admin = isCityAdmin(ctx);
    const tabs = on ? [['report', t('zm_tabReport')], ['reports', t('zm_tabReports')]] : [];
    if (zks) tabs.push(['register', t('zm_tabRegister')]);
    if (lookup) tabs.push(['lookup', t('zm_tabLookup')]);
    if (dpo) tabs.push(['log', t('zm_tabLog')]);
    if (zks || dpo) tabs.push(['stats', t('zm_tabStats')]);
    if (admin) tabs.push(['settings', t('csa_settings')], ['roles', t('csa_roles')]);
    let current = sessionStorage.getItem('zm_tab') || (zks ? 'reports' : lookup ? 'lookup' : dpo ? 'log' : 'report');
    if (!tabs.some(x => x[0] === current)) current = tabs[0][0];
    const body = h('div.cs-body');
    const bar = h('div.cs-tabs', { role: 'tablist' });
    const page = h('div.view-page.cs-page', h('h2', t('zm_title')), bar, body);
    el.append(page);
    let alive = true;
    const drawTabs = () => clear(bar, tabs.map(([id, label]) => h('button.cs-tab', { type: 'button', role: 'tab', id: 'zm-tab-' + id, 'aria-selected': id === current ? 'true' : 'false', onclick: () => { current = id; sessionStorage.setItem('zm_tab', id); show(); } }, label)));
    const fail = e => ctx.toast(e.message, 'error');

    function show() {
      drawTabs();
      clear(body);
      const settingsBox = h('div'), rolesBox = h('div');
      ({
        report: renderReport, reports: renderReports, register: renderRegister, lookup: renderLookup, log: renderLog, stats: renderStats,
        settings: () => { body.append(settingsBox); renderSettings(settingsBox, ctx, org, () => refresh()); },
        roles: () => { body.append(rolesBox); renderRoles(rolesBox, ctx, org); },
      })[current]();
    }

    function renderReport() {
      const f = {
        when: h('input#zm-when', { type: 'text', value: nowLocal(), required: true, inputmode: 'numeric', autocomplete: 'off', maxlength: 16, placeholder: t('zm_whenPh'), title: t('zm_whenPh') }),
        place: h('input#zm-place', { required: true, maxlength: 300, autocomplete: 'off' }),
        dept: h('input#zm-dept', { maxlength: 200, value: m.department || '' }),
        what: h('textarea#zm-what', { rows: 4, required: true, maxlength: 8000 }),
        cat: h('select#zm-cat', h('option', { value: '' }, '–'), CATS.map(c => h('option', { value: c }, t('zm_cat_' + c)))),
        pname: h('input#zm-pname', { maxlength: 200, autocomplete: 'off' }),
        pdob: dateInput('zm-pdob'),
        paddr: h('textarea#zm-paddr', { rows: 2, maxlength: 500 }),
        witnesses: h('textarea#zm-witnesses', { rows: 2, maxlength: 2000 }),
        injuries: h('textarea#zm-injuries', { rows: 2, maxlength: 2000 }),
        police: h('input#zm-police', { maxlength: 60 }),
        notStaff: h('input#zm-notstaff', { type: 'checkbox' }),
        other: h('input#zm-other', { type: 'checkbox' }),
      };
      const levels = [0, 1, 2, 3].map(l => h('label.cs-level', { dataset: { level: l } }, h('input', { type: 'radio', name: 'zm-level', value: l, required: true, id: 'zm-level-' + l }), h('span', t('zm_l_' + l))));
      const status = h('p.cs-status#zm-status', { role: 'status' });
      const form = h('form.panel.cs-form#zm-form',
        h('h3', t('zm_reportTitle')),
        h('label', t('zm_when'), f.when), h('label', t('zm_place'), f.place), h('label', t('zm_dept'), f.dept), h('label', t('zm_what'), f.what),
        h('fieldset.cs-levels', h('legend', t('zm_level')), levels),
        h('label', t('zm_cat'), f.cat),
        h('fieldset', h('legend', t('zm_person')), h('label', t('zm_pname'), f.pname), h('label', t('zm_pdob'), f.pdob), h('label', t('zm_paddr'), f.paddr)),
        h('label', t('zm_witnesses'), f.witnesses), h('label', t('zm_injuries'), f.injuries), h('label', t('zm_police'), f.police),
        h('label.cs-check', f.notStaff, ' ', t('zm_notStaff')), h('label.cs-check', f.other, ' ', t('zm_other')),
        h('p', h('button.btn.primary.big#zm-send', { type: 'submit' }, t('zm_send'))), status);
      form.onsubmit = async ev => {
        ev.preventDefault();
        const level = form.querySelector('input[name="zm-level"]:checked');
        const when = parseWhen(f.when.value), pdob = parseDate(f.pdob.value);
        if (!when) { ctx.toast(t('zm_badWhen'), 'error'); f.when.focus(); return; }
        if (pdob === null) { ctx.toast(t('zm_badDate'), 'error'); f.pdob.focus(); return; }
        const item = {
          client_key: (crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random()).replace(/-/g, ''),
          body: {
            organisation: org, occurred_at: when.toISOString(), place: f.place.value, department: f.dept.value, what: f.what.value,
            level: level ? Number(level.value) : null, category: f.cat.value, person_name: f.pname.value, person_dob: pdob, person_address: f.paddr.value,
            witnesses: f.witnesses.value, injuries: f.injuries.value, police_file: f.police.value, victim_not_city_staff: f.notStaff.checked, other_authority: f.other.checked,
          },
        };
        item.body.client_key = item.client_key;
        const btn = form.querySelector('#zm-send');
        btn.disabled = true;
        try {
          await ctx.api.post('/api/crisisroom/zemag/reports', item.body);
          status.textContent = t('zm_sent');
          form.reset(); f.when.value = nowLocal(); f.dept.value = m.department || '';
        } catch (e) {
          if (e instanceof ApiError && e.status === 0) {
            await outbox.put(item);
            status.textContent = t('zm_queued');
            form.reset(); f.when.value = nowLocal();
          } else { status.textContent = e.message; }
        } finally { btn.disabled = false; }
      };
      body.append(form);
      outbox.all().then(a => { if (a.length && alive) status.textContent = t('zm_waiting', { n: a.length }); }).catch(() => {});
    }

    async function renderReports() {
      const box = h('section.panel#zm-reports', h('p', t('loading')));
      body.append(box);
      let r;
      try { r = await ctx.api.get(`/api/crisisroom/zemag/reports?org=${q(org)}`); } catch (e) { clear(box, h('p.error', e.message)); return; }
      if (!alive) return;
      const items = r.items || [];
      clear(box, items.length ? items.map(reportCard) : h('p', t('zm_none')));
    }

    function reportCard(rep) {
      const act = async (body, okMsg) => {
        try { await ctx.api.post(`/api/crisisroom/zemag/reports/${rep.id}/review`, body); ctx.toast(okMsg || t('zm_done')); show(); } catch (e) { fail(e); }
      };
      const actions = h('div.cs-actions');
      if (zks) {
        if (rep.status === 'reported') actions.append(h('button.btn.primary', { type: 'button', id: 'zm-check-' + rep.id, onclick: () => act({ action: 'check' }) }, t('zm_check')));
        if (rep.status === 'checked') {
          const file = h('input', { id: 'zm-file-' + rep.id, 'aria-label': t('zm_fileNo'), placeholder: t('zm_fileNo') });
          actions.append(file, h('button.btn.primary', { type: 'button', id: 'zm-complaint-' + rep.id, onclick: () => act({ action: 'complaint', complaint_file: file.value }) }, t('zm_complaint')));
        }
        if (rep.status === 'complaint_filed') {
          const g = h('input', { id: 'zm-guidance-' + rep.id, 'aria-label': t('zm_guidance'), value: t('zm_guidanceDefault') });
          actions.append(h('label', t('zm_guidance'), g), h('button.btn.primary', { type: 'button', id: 'zm-enter-' + rep.id, onclick: () => act({ action: 'enter', guidance: g.value }) }, t('zm_enter')));
        }
        if (rep.status === 'checked' || rep.status === 'complaint_filed') {
          const why = h('input', { id: 'zm-why-' + rep.id, 'aria-label': t('zm_reason'), placeholder: t('zm_reason') });
          actions.append(why, h('button.btn', { type: 'button', id: 'zm-notenter-' + rep.id, onclick: () => act({ action: 'not_enter', reason: why.value }) }, t('zm_notEnter')));
        }
      }
      return h('article.cs-card', { dataset: { report: rep.id, status: rep.status } },
        h('header', h('span.cs-lvl', { dataset: { level: rep.level } }, 'Stufe ' + rep.level), ' ', h('strong', rep.place), h('span.cs-chip', t('zm_st_' + rep.status))),
        h('p.muted', fmtDateTime(rep.occurred_at), ' · ', rep.department || '–', ' · ', t('zm_by', { name: rep.reporter_name })),
        h('p', rep.what),
        rep.category ? h('p', t('zm_cat') + ': ' + t('zm_cat_' + rep.category)) : null,
        rep.person_name ? h('p', t('zm_person') + ': ' + [rep.person_name, rep.person_dob ? fmtDate(rep.person_dob) : '', rep.person_address].filter(Boolean).join(', ')) : null,
        rep.injuries ? h('p', t('zm_injuries') + ': ' + rep.injuries) : null,
        rep.police_file ? h('p', t('zm_police') + ': ' + rep.police_file) : null,
        rep.complaint_file ? h('p', t('zm_fileNo') + ': ' + rep.complaint_file) : null,
        rep.decision_reason ? h('p', t('zm_reason') + ': ' + rep.decision_reason) : null,
        actions);
    }

    async function renderRegister() {
      const box = h('section.panel#zm-register', h('p', t('loading')));
      body.append(box);
      let r;
      try { r = await ctx.api.get(`/api/crisisroom/zemag/entries?org=${q(org)}`); } catch (e) { clear(box, h('p.error', e.message)); return; }
      if (!alive) return;
      const items = r.items || [];
      clear(box, h('h3', t('zm_entries')), items.length ? items.map(entryCard) : h('p', t('zm_noEntries')));
    }

    function entryCard(en) {
      const post = async (path, b) => { try { await ctx.api.post(`/api/crisisroom/zemag/entries/${en.id}/${path}`, b); ctx.toast(t('zm_done')); show(); } catch (e) { fail(e); } };
      const why = h('input', { id: 'zm-entry-why-' + en.id, 'aria-label': t('zm_reason'), placeholder: t('zm_reason') });
      const active = en.status === 'active';
      return h('article.cs-card', { dataset: { entry: en.id, status: en.status } },
        h('header', h('span.cs-lvl', { dataset: { level: en.level } }, 'Stufe ' + en.level), ' ', h('strong', active ? en.person_name : t('zm_deleted')), active ? ' · ' + fmtDate(en.person_dob) : ''),
        active ? h('p', en.guidance) : null,
        h('p.muted', t('zm_review', { date: fmtDate(en.review_at) }), ' · ', en.notice_sent_at ? t('zm_notice', { date: fmtDate(en.notice_sent_at) }) : t('zm_noNotice')),
        active ? h('div.cs-actions',
          h('button.btn', { type: 'button', id: 'zm-letter-' + en.id, onclick: () => download(`/api/crisisroom/zemag/entries/${en.id}/letter`, 'zemag-mitteilung.pdf').catch(fail) }, t('zm_letter')),
          h('button.btn', { type: 'button', id: 'zm-noticesent-' + en.id, onclick: () => post('notice', {}) }, t('zm_noticeSent')),
          why,
          h('button.btn', { type: 'button', id: 'zm-extend-' + en.id, onclick: () => post('extend', { reason: why.value }) }, t('zm_extend')),
          h('button.btn.danger', { type: 'button', id: 'zm-delete-' + en.id, onclick: async () => { if (await ctx.confirmDialog(t('zm_delete') + '?')) post('delete', { reason: why.value }); } }, t('zm_delete'))) : null);
    }

    function renderLookup() {
      const name = h('input#zm-lk-name', { required: true, autocomplete: 'off', maxlength: 200 });
      const dob = dateInput('zm-lk-dob', true);
      const reason = h('input#zm-lk-reason', { required: true, minlength: 5, maxlength: 500 });
      const out = h('div#zm-lk-result', { role: 'status', 'aria-live': 'polite' });
      const form = h('form.panel.cs-form#zm-lookup', h('h3', t('zm_lookupTitle')), h('p.muted', t('zm_lookupHelp')),
        h('label', t('zm_pname'), name), h('label', t('zm_pdob'), dob), h('label', t('zm_lookupReason'), reason),
        h('p', h('button.btn.primary#zm-lk-ask', { type: 'submit' }, t('zm_ask'))), out);
      form.onsubmit = async ev => {
        ev.preventDefault();
        clear(out);
        const day = parseDate(dob.value);
        if (!day) { clear(out, h('p.error', t('zm_badDate'))); dob.focus(); return; }
        try {
          const r = await ctx.api.post('/api/crisisroom/zemag/lookup', { organisation: org, name: name.value, dob: day, reason: reason.value });
          clear(out, r.hit
            ? h('div.cs-hit', { dataset: { level: r.level } }, h('strong', t('zm_hit', { level: r.level })), h('p', r.guidance))
            : h('div.cs-miss', t('zm_miss')));
        } catch (e) { clear(out, h('p.error', e.message)); }
      };
      body.append(form);
      name.focus();
    }

    async function renderLog() {
      const box = h('section.panel#zm-log', h('p', t('loading')));
      body.append(box);
      try {
        const [lk, ml] = await Promise.all([ctx.api.get(`/api/crisisroom/zemag/lookups?org=${q(org)}`), ctx.api.get(`/api/crisisroom/citystaff/log?module=zemag&org=${q(org)}`)]);
        if (!alive) return;
        clear(box,
          h('h3', t('zm_lookups')),
          h('table.list#zm-lookups', h('thead', h('tr', h('th', t('zm_at')), h('th', t('zm_who')), h('th', t('zm_lookupReason')), h('th', t('zm_hitCol')))),
            h('tbody', (lk.items || []).map(l => h('tr', { dataset: { hit: l.hit ? '1' : '0' } }, h('td', fmtDateTime(l.at)), h('td', l.actor_name), h('td', l.reason),
              h('td', l.refused ? t('zm_refused') : l.hit ? t('zm_yes') : t('zm_no')))))),
          h('h3', t('zm_moduleLog')),
          h('table.list', h('thead', h('tr', h('th', t('zm_at')), h('th', t('zm_who')), h('th', t('zm_action')), h('th', t('zm_text')))),
            h('tbody', (ml.items || []).map(l => h('tr', h('td', fmtDateTime(l.at)), h('td', l.actor_name), h('td', l.action), h('td', l.text))))));
      } catch (e) { clear(box, h('p.error', e.message)); }
    }

    async function renderStats() {
      const box = h('section.panel#zm-stats', h('h3', t('zm_statsTitle')));
      body.append(box);
      try {
        const url = await blobURL(`/api/crisisroom/zemag/stats.svg?org=${q(org)}`);
        if (!alive) return;
        box.append(h('img.cs-chart#zm-chart', { src: url, alt: t('zm_statsTitle') }));
      } catch (e) { box.append(h('p.error', e.message)); }
    }

    const online = () => flush(ctx.api).then(n => { if (n && alive) { ctx.toast(t('zm_sent')); if (current !== 'report') show(); } });
    window.addEventListener('online', online);
    online();
    refresh().then(() => { m = moduleFor(org) || m; });
    show();
    return () => { alive = false; window.removeEventListener('online', online); };
  },
};
