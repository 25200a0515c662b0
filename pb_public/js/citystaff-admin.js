// The city administration's own admins switch the modules (ZeMAG, complaints) on and give
// their people roles, a direct supervisor and a department. Shown inside the ZeMAG view;
// the server accepts it from the organisation's admins only and logs every change for
// the data-protection officer.

import { t, addStrings } from './i18n.js';
import { h, clear } from './ui.js';
import { put } from './citystaff.js';

addStrings({
  de: {
    csa_settings: 'Einstellungen', csa_roles: 'Rollen', csa_zemag: 'Bedrohungsregister (ZeMAG) einschalten', csa_complaints: 'Beschwerdeverfahren einschalten',
    csa_review: 'Prüffrist eines Eintrags (Monate)', csa_interim: 'Zwischennachricht fällig nach (Tagen)', csa_result: 'Ergebnis fällig nach (Tagen)', csa_city: 'Stadt',
    csa_office: 'Beschwerdestelle', csa_address: 'Anschrift der Beschwerdestelle', csa_phone: 'Telefon', csa_email: 'E-Mail', csa_url: 'Internetadresse (für den QR-Code)',
    csa_zks: 'Anschrift der ZKS', csa_dpo: 'Anschrift der/des Datenschutzbeauftragten', csa_save: 'Speichern', csa_saved: 'Gespeichert.',
    csa_role_zks: 'ZKS', csa_role_lookup: 'Abfrage', csa_role_dpo: 'Datenschutz', csa_role_complaints: 'Beschwerdemanagement', csa_role_legal: 'Rechtsamt',
    csa_supervisor: 'Vorgesetzte Person', csa_department: 'Dienststelle', csa_none: '–', csa_enableFirst: 'Erst unter „Einstellungen“ ein Modul einschalten.',
  },
  en: {
    csa_settings: 'Settings', csa_roles: 'Roles', csa_zemag: 'Switch on the threat register (ZeMAG)', csa_complaints: 'Switch on the complaint procedure',
    csa_review: 'Review period of an entry (months)', csa_interim: 'Interim notice due after (days)', csa_result: 'Result due after (days)', csa_city: 'City',
    csa_office: 'Complaint office', csa_address: 'Address of the complaint office', csa_phone: 'Phone', csa_email: 'E-mail', csa_url: 'Web address (for the QR code)',
    csa_zks: 'Address of the ZKS', csa_dpo: 'Address of the data-protection officer', csa_save: 'Save', csa_saved: 'Saved.',
    csa_role_zks: 'ZKS', csa_role_lookup: 'Lookup', csa_role_dpo: 'Data protection', csa_role_complaints: 'Complaint management', csa_role_legal: 'Legal office',
    csa_supervisor: 'Supervisor', csa_department: 'Department', csa_none: '–', csa_enableFirst: 'First switch a module on under “Settings”.',
  },
});

const ROLES = ['zks', 'lookup', 'dpo', 'complaints', 'legal'];
const q = s => encodeURIComponent(s);

// renderSettings fills box with the organisation's module settings; onSaved runs after a save.
export async function renderSettings(box, ctx, org, onSaved) {
  let s;
  try { s = await ctx.api.get(`/api/crisisroom/citystaff/settings?org=${q(org)}`); } catch (e) { clear(box, h('p.error', e.message)); return; }
  const chk = (id, v) => h('input', { id, type: 'checkbox', checked: !!v });
  const num = (id, v, max) => h('input', { id, type: 'number', min: 1, max, value: v });
  const txt = (id, v, area) => area ? h('textarea', { id, rows: 3, maxlength: 500 }, v || '') : h('input', { id, value: v || '', maxlength: 300 });
  const f = {
    zemag: chk('csa-zemag', s.zemag), complaints: chk('csa-complaints', s.complaints),
    review_months: num('csa-review', s.review_months, 120), interim_days: num('csa-interim', s.interim_days, 365), result_days: num('csa-result', s.result_days, 730),
    city: txt('csa-city', s.city), complaint_office: txt('csa-office', s.complaint_office), complaint_address: txt('csa-address', s.complaint_address, true),
    complaint_phone: txt('csa-phone', s.complaint_phone), complaint_email: txt('csa-email', s.complaint_email), complaint_url: txt('csa-url', s.complaint_url),
    zks_address: txt('csa-zks', s.zks_address, true), dpo_address: txt('csa-dpo', s.dpo_address, true),
  };
  const form = h('form.panel.cs-form#csa-settings',
    h('h3', t('csa_settings')),
    h('label.cs-check', f.zemag, ' ', t('csa_zemag')), h('label.cs-check', f.complaints, ' ', t('csa_complaints')),
    h('label', t('csa_review'), f.review_months), h('label', t('csa_interim'), f.interim_days), h('label', t('csa_result'), f.result_days),
    h('label', t('csa_city'), f.city), h('label', t('csa_office'), f.complaint_office), h('label', t('csa_address'), f.complaint_address),
    h('label', t('csa_phone'), f.complaint_phone), h('label', t('csa_email'), f.complaint_email), h('label', t('csa_url'), f.complaint_url),
    h('label', t('csa_zks'), f.zks_address), h('label', t('csa_dpo'), f.dpo_address),
    h('p', h('button.btn.primary#csa-save', { type: 'submit' }, t('csa_save'))));
  form.onsubmit = async ev => {
    ev.preventDefault();
    const body = { organisation: org };
    for (const [k, el] of Object.entries(f)) body[k] = el.type === 'checkbox' ? el.checked : el.type === 'number' ? Number(el.value) : el.value;
    try { await put('/api/crisisroom/citystaff/settings', body); ctx.toast(t('csa_saved')); if (onSaved) onSaved(); } catch (e) { ctx.toast(e.message, 'error'); }
  };
  clear(box, form);
}

// renderRoles fills box with the organisation's people, their roles, supervisor and department.
export async function renderRoles(box, ctx, org) {
  let people;
  try { people = ((await ctx.api.get(`/api/crisisroom/citystaff/people?org=${q(org)}`)).items || []).sort((a, b) => a.name.localeCompare(b.name)); }
  catch (e) { clear(box, h('p.error', t('csa_enableFirst'))); return; }
  const rows = people.map(p => {
    const boxes = ROLES.map(r => h('label.cs-check', h('input', { type: 'checkbox', value: r, checked: (p.roles || []).includes(r) }), ' ', t('csa_role_' + r)));
    const sup = h('select', { 'aria-label': t('csa_supervisor') }, h('option', { value: '' }, t('csa_none')),
      people.filter(x => x.id !== p.id).map(x => h('option', { value: x.id, selected: x.id === p.supervisor }, x.name)));
    const dept = h('input', { value: p.department || '', maxlength: 200, 'aria-label': t('csa_department') });
    const save = h('button.btn.primary', { type: 'button', onclick: async () => {
      const roles = boxes.map(b => b.querySelector('input')).filter(i => i.checked).map(i => i.value);
      try { await put('/api/crisisroom/citystaff/roles', { organisation: org, user: p.id, roles, supervisor: sup.value, department: dept.value }); ctx.toast(t('csa_saved')); }
      catch (e) { ctx.toast(e.message, 'error'); }
    } }, t('csa_save'));
    return h('article.cs-card', { dataset: { person: p.id } }, h('header', h('strong', p.name)), h('div.cs-actions', boxes),
      h('label', t('csa_supervisor'), sup), h('label', t('csa_department'), dept), h('div.cs-actions', save));
  });
  clear(box, h('h3', t('csa_roles')), rows);
}
