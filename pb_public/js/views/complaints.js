// "Beschwerden": complaints about the city's public-order officers. Complaint management
// takes a complaint in (the citizen's contact, what happened, which officer); the officer
// writes the counter-statement, the direct supervisor signs it off; complaint management
// sends the interim notice when it takes longer (a banner reminds when it is due), asks
// the legal office in hard cases, sends the result letter to both sides and records the
// follow-up analysis. Every officer prints contact cards with the complaint address and
// its QR code. The server decides who takes which step; this only offers it.

import { addStrings, t } from '../i18n.js';
import { h, clear, fmtDate, fmtDateTime } from '../ui.js';
import { moduleFor, hasRole, ensureStyles, download } from '../citystaff.js';

addStrings({
  de: {
    bm_title: 'Beschwerden', bm_new: 'Beschwerde aufnehmen', bm_citizen: 'Name der Bürgerin / des Bürgers', bm_contact: 'Kontakt (Anschrift, Telefon, E-Mail)',
    bm_what: 'Was ist passiert?', bm_when: 'Wann', bm_place: 'Wo', bm_officer: 'Betroffene Dienstkraft', bm_add: 'Aufnehmen', bm_none: 'Keine Beschwerden.',
    bm_st_intake: 'aufgenommen', bm_st_statement: 'Stellungnahme liegt vor', bm_st_signed: 'abgezeichnet', bm_st_legal: 'beim Rechtsamt', bm_st_decided: 'entschieden', bm_st_closed: 'abgeschlossen',
    bm_statement: 'Stellungnahme', bm_writeStatement: 'Stellungnahme abgeben', bm_sign: 'Abzeichnen', bm_signNote: 'Vermerk (optional)', bm_signed: 'abgezeichnet von {name} am {date}',
    bm_interim: 'Zwischennachricht versandt', bm_interimDue: 'Zwischennachricht fällig bis {date}', bm_interimSent: 'Zwischennachricht versandt am {date}', bm_overdue: 'überfällig',
    bm_resultDue: 'Ergebnis fällig bis {date}', bm_legal: 'Rechtsamt beteiligen', bm_legalQ: 'Frage an das Rechtsamt', bm_opinion: 'Stellungnahme des Rechtsamts', bm_giveOpinion: 'Stellung nehmen',
    bm_finding: 'Ergebnis', bm_upheld: 'begründet', bm_partly: 'teilweise begründet', bm_not_upheld: 'unbegründet', bm_resultText: 'Begründung an beide Seiten', bm_sendResult: 'Ergebnis versenden',
    bm_analysis: 'Nachbetrachtung mit der Dienstkraft', bm_saveAnalysis: 'Nachbetrachtung speichern', bm_letterCitizen: 'Brief an Bürger/in', bm_letterOfficer: 'Brief an Dienstkraft',
    bm_interimLetter: 'Zwischennachricht', bm_resultLetter: 'Ergebnis', bm_cards: 'Kontaktkarten drucken', bm_cardTitle: 'Beschwerde oder Anregung?', bm_cardHelp: 'Ihr Anliegen erreicht das Beschwerdemanagement, nicht die Dienstkraft selbst.',
    bm_print: 'Drucken', bm_done: 'Gespeichert.', bm_case: 'Vorgang', bm_citizenShort: 'Bürger/in',
  },
  en: {
    bm_title: 'Complaints', bm_new: 'Take in a complaint', bm_citizen: "Citizen's name", bm_contact: 'Contact (address, phone, e-mail)',
    bm_what: 'What happened?', bm_when: 'When', bm_place: 'Where', bm_officer: 'Officer concerned', bm_add: 'Take in', bm_none: 'No complaints.',
    bm_st_intake: 'taken in', bm_st_statement: 'statement written', bm_st_signed: 'signed off', bm_st_legal: 'with the legal office', bm_st_decided: 'decided', bm_st_closed: 'closed',
    bm_statement: 'Statement', bm_writeStatement: 'Submit statement', bm_sign: 'Sign off', bm_signNote: 'Note (optional)', bm_signed: 'signed off by {name} on {date}',
    bm_interim: 'Interim notice sent', bm_interimDue: 'Interim notice due by {date}', bm_interimSent: 'Interim notice sent on {date}', bm_overdue: 'overdue',
    bm_resultDue: 'Result due by {date}', bm_legal: 'Ask the legal office', bm_legalQ: 'Question to the legal office', bm_opinion: "Legal office's opinion", bm_giveOpinion: 'Give opinion',
    bm_finding: 'Finding', bm_upheld: 'upheld', bm_partly: 'partly upheld', bm_not_upheld: 'not upheld', bm_resultText: 'Reasons, to both sides', bm_sendResult: 'Send result',
    bm_analysis: 'Follow-up with the officer', bm_saveAnalysis: 'Save follow-up', bm_letterCitizen: 'Letter to citizen', bm_letterOfficer: 'Letter to officer',
    bm_interimLetter: 'Interim notice', bm_resultLetter: 'Result', bm_cards: 'Print contact cards', bm_cardTitle: 'A complaint or a suggestion?', bm_cardHelp: 'Your concern reaches complaint management, not the officer.',
    bm_print: 'Print', bm_done: 'Saved.', bm_case: 'Case', bm_citizenShort: 'Citizen',
  },
});

const q = s => encodeURIComponent(s);

export default {
  id: 'complaints',
  title: { de: 'Beschwerden', en: 'Complaints' },
  icon: 'chat',
  visible: ctx => { const m = ctx.tenant && moduleFor(ctx.tenant.id); return !!(m && m.complaints); },
  render(el, ctx) {
    ensureStyles();
    const org = ctx.tenant.id;
    const m = moduleFor(org) || { roles: [] };
    const cm = hasRole(m, 'complaints'), legal = hasRole(m, 'legal');
    const list = h('section.panel#bm-cases'), intake = h('section.panel'), cards = h('section.cs-cards#bm-cardsheet', { hidden: true });
    const page = h('div.view-page.cs-page', h('h2', t('bm_title')),
      h('p.cs-actions', h('button.btn#bm-cards', { type: 'button', onclick: () => showCards() }, t('bm_cards'))), cards, list);
    if (cm) page.insertBefore(intake, list);
    el.append(page);
    let alive = true, people = [];
    const fail = e => ctx.toast(e.message, 'error');

    async function load() {
      let r;
      try { r = await ctx.api.get(`/api/crisisroom/complaints?org=${q(org)}`); } catch (e) { clear(list, h('p.error', e.message)); return; }
      if (!alive) return;
      const items = r.items || [];
      clear(list, items.length ? items.map(caseCard) : h('p', t('bm_none')));
    }

    async function drawIntake() {
      try { people = ((await ctx.api.get(`/api/crisisroom/citystaff/people?org=${q(org)}`)).items || []).sort((a, b) => a.name.localeCompare(b.name)); } catch { people = []; }
      const f = {
        citizen: h('input#bm-citizen', { required: true, maxlength: 200 }), contact: h('textarea#bm-contact', { rows: 2, required: true, maxlength: 500 }),
        what: h('textarea#bm-what', { rows: 3, required: true, maxlength: 8000 }), when: h('input#bm-when', { type: 'datetime-local' }), place: h('input#bm-place', { maxlength: 300 }),
        officer: h('select#bm-officer', { required: true }, h('option', { value: '' }, '–'), people.map(p => h('option', { value: p.id }, p.name + (p.department ? ' (' + p.department + ')' : '')))),
      };
      const form = h('form.cs-form#bm-intake', h('h3', t('bm_new')),
        h('label', t('bm_citizen'), f.citizen), h('label', t('bm_contact'), f.contact), h('label', t('bm_what'), f.what),
        h('div.grid-form', h('label', t('bm_when'), f.when), h('label', t('bm_place'), f.place)), h('label', t('bm_officer'), f.officer),
        h('p', h('button.btn.primary#bm-add', { type: 'submit' }, t('bm_add'))));
      form.onsubmit = async ev => {
        ev.preventDefault();
        try {
          await ctx.api.post('/api/crisisroom/complaints', { organisation: org, citizen_name: f.citizen.value, citizen_contact: f.contact.value, what: f.what.value,
            occurred_at: f.when.value ? new Date(f.when.value).toISOString() : '', place: f.place.value, officer: f.officer.value });
          form.reset(); ctx.toast(t('bm_done')); load();
        } catch (e) { fail(e); }
      };
      clear(intake, form);
    }

    function caseCard(c) {
      const step = async (s, b) => { try { await ctx.api.post(`/api/crisisroom/complaints/${c.id}/${s}`, b || {}); ctx.toast(t('bm_done')); load(); } catch (e) { fail(e); } };
      const area = (id, label) => { const x = h('textarea', { id: id + '-' + c.id, rows: 3, maxlength: 8000, 'aria-label': label }); return [h('label', label, x), x]; };
      const parts = [];
      const open = c.status !== 'decided' && c.status !== 'closed';
      if (c.me_officer && (c.status === 'intake' || c.status === 'statement')) {
        const [lab, x] = area('bm-statement', t('bm_statement'));
        x.value = c.statement || '';
        parts.push(lab, h('button.btn.primary', { type: 'button', id: 'bm-statement-send-' + c.id, onclick: () => step('statement', { text: x.value }) }, t('bm_writeStatement')));
      } else if (c.statement) parts.push(h('p', h('strong', t('bm_statement') + ': '), c.statement));
      if (c.signed_at) parts.push(h('p.muted', t('bm_signed', { name: c.signed_by_name, date: fmtDate(c.signed_at) }), c.sign_note ? ' – ' + c.sign_note : ''));
      if (c.me_supervisor && c.status === 'statement') {
        const note = h('input', { id: 'bm-signnote-' + c.id, 'aria-label': t('bm_signNote'), placeholder: t('bm_signNote') });
        parts.push(note, h('button.btn.primary', { type: 'button', id: 'bm-sign-' + c.id, onclick: () => step('sign', { text: note.value }) }, t('bm_sign')));
      }
      if (c.legal_question) parts.push(h('p', h('strong', t('bm_legalQ') + ': '), c.legal_question));
      if (c.legal_opinion) parts.push(h('p', h('strong', t('bm_opinion') + ': '), c.legal_opinion));
      if (legal && c.legal && open && !c.legal_opinion) {
        const [lab, x] = area('bm-opinion', t('bm_opinion'));
        parts.push(lab, h('button.btn.primary', { type: 'button', id: 'bm-opinion-send-' + c.id, onclick: () => step('opinion', { text: x.value }) }, t('bm_giveOpinion')));
      }
      if (c.finding) parts.push(h('p', h('strong', t('bm_finding') + ': ' + t('bm_' + c.finding) + '. '), c.result));
      if (c.analysis) parts.push(h('p', h('strong', t('bm_analysis') + ': '), c.analysis));
      if (cm) {
        const letters = h('div.cs-actions');
        for (const kind of ['interim', 'result']) {
          if (kind === 'result' && !c.finding) continue;
          for (const to of ['citizen', 'officer']) {
            letters.append(h('button.btn', { type: 'button', id: `bm-letter-${kind}-${to}-${c.id}`, onclick: () => download(`/api/crisisroom/complaints/${c.id}/letter?kind=${kind}&to=${to}`, `${c.number}-${kind}-${to}.pdf`).catch(fail) },
              t(kind === 'interim' ? 'bm_interimLetter' : 'bm_resultLetter') + ': ' + t(to === 'citizen' ? 'bm_letterCitizen' : 'bm_letterOfficer')));
          }
        }
        parts.push(letters);
        if (open) {
          const acts = h('div.cs-actions');
          if (!c.interim_sent_at) acts.append(h('button.btn', { type: 'button', id: 'bm-interim-' + c.id, onclick: () => step('interim') }, t('bm_interim')));
          if (!c.legal) {
            const lq = h('input', { id: 'bm-legalq-' + c.id, 'aria-label': t('bm_legalQ'), placeholder: t('bm_legalQ') });
            acts.append(lq, h('button.btn', { type: 'button', id: 'bm-legal-' + c.id, onclick: () => step('legal', { text: lq.value }) }, t('bm_legal')));
          }
          parts.push(acts);
          if (c.status === 'signed' || c.status === 'legal') {
            const finding = h('select', { id: 'bm-finding-' + c.id, 'aria-label': t('bm_finding') }, ['not_upheld', 'partly', 'upheld'].map(f => h('option', { value: f }, t('bm_' + f))));
            const [lab, x] = area('bm-result', t('bm_resultText'));
            parts.push(h('label', t('bm_finding'), finding), lab, h('button.btn.primary', { type: 'button', id: 'bm-result-send-' + c.id, onclick: () => step('result', { finding: finding.value, text: x.value }) }, t('bm_sendResult')));
          }
        }
        if (c.status === 'decided') {
          const [lab, x] = area('bm-analysis', t('bm_analysis'));
          parts.push(lab, h('button.btn.primary', { type: 'button', id: 'bm-analysis-send-' + c.id, onclick: () => step('analysis', { text: x.value }) }, t('bm_saveAnalysis')));
        }
      }
      const due = [];
      if (c.interim_sent_at) due.push(h('span', t('bm_interimSent', { date: fmtDate(c.interim_sent_at) })));
      else if (open) due.push(h('span', { class: c.interim_overdue ? 'cs-overdue' : '' }, t('bm_interimDue', { date: fmtDate(c.due_interim) }), c.interim_overdue ? ' – ' + t('bm_overdue') : ''));
      if (open) due.push(' · ', h('span', { class: c.result_overdue ? 'cs-overdue' : '' }, t('bm_resultDue', { date: fmtDate(c.due_result) })));
      return h('article.cs-card', { dataset: { case: c.id, status: c.status } },
        h('header', h('strong', c.number), ' · ', c.officer_name, h('span.cs-chip', t('bm_st_' + c.status))),
        h('p.muted', fmtDateTime(c.created), c.citizen_name ? ' · ' + t('bm_citizenShort') + ': ' + c.citizen_name : ''),
        c.citizen_contact ? h('p.muted', c.citizen_contact) : null,
        h('p', c.what), h('p.muted', due), parts);
    }

    async function showCards() {
      let c;
      try { c = await ctx.api.get(`/api/crisisroom/complaints/card?org=${q(org)}`); } catch (e) { fail(e); return; }
      const card = () => h('div.cs-contactcard',
        h('img', { src: c.qr, alt: c.qr_text, width: 96, height: 96 }),
        h('div', h('strong', t('bm_cardTitle')), h('p', c.office), h('p', (c.address || '').split('\n').map((l, i) => [i ? h('br') : null, l])),
          c.phone ? h('p', '☎ ' + c.phone) : null, c.email ? h('p', c.email) : null, h('p.muted', t('bm_cardHelp'))));
      clear(cards, h('p.cs-actions.noprint', h('button.btn.primary#bm-print', { type: 'button', onclick: () => window.print() }, t('bm_print'))),
        h('div.cs-cardgrid', Array.from({ length: 8 }, card)));
      cards.hidden = false;
      document.body.classList.add('cs-printing-cards');
    }

    if (cm) drawIntake();
    load();
    return () => { alive = false; document.body.classList.remove('cs-printing-cards'); };
  },
};
