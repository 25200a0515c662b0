// "Verwaltung": an organisation's admin manages its people (roles, functions, guests'
// end dates, signing a lost phone out) and its channels; a host operator manages the
// shared crisis channels and which organisations take part; every admin adds their own
// people to the shared channels their organisation is in. The server decides who may do
// what; this screen only offers what the role suggests and shows the server's answer.

import { addStrings, t } from '../i18n.js';
import { h, clear, confirmDialog, fmtDate, orgChip, icon } from '../ui.js';

addStrings({
  de: {
    adm_title: 'Verwaltung', adm_members: 'Mitglieder von {org}', adm_name: 'Name', adm_role: 'Rolle', adm_function: 'Funktion',
    adm_until: 'Gast bis', adm_actions: 'Aktionen', adm_signout: 'Überall abmelden', adm_remove: 'Entfernen',
    adm_signoutQ: '{name} auf allen Geräten abmelden? Auf den Geräten wird alles Gespeicherte gelöscht.', adm_signedOut: '{name} wurde überall abgemeldet.',
    adm_removeQ: '{name} aus {org} entfernen?', adm_saved: 'Gespeichert.', adm_invitesHint: 'Neue Personen kommen über Einladungen (QR-Code) dazu.',
    adm_orgChannels: 'Kanäle von {org}', adm_channelName: 'Kanalname', adm_topic: 'Thema', adm_create: 'Anlegen', adm_save: 'Speichern',
    adm_archive: 'Archivieren', adm_unarchive: 'Wiederherstellen', adm_archived: 'archiviert', adm_archiveQ: 'Kanal „{name}“ archivieren? Er bleibt lesbar, aber niemand kann mehr schreiben.',
    adm_shared: 'Gemeinsame Lagekanäle', adm_participants: 'Beteiligte Organisationen', adm_newShared: 'Neuer gemeinsamer Kanal',
    adm_ownPeople: 'Eigene Leute in gemeinsamen Kanälen', adm_ownPeopleHelp: 'Jede Organisation bestimmt selbst, wer von ihr in einem gemeinsamen Kanal ist.',
    adm_add: 'Hinzufügen', adm_addPerson: 'Person hinzufügen', adm_nobodyLeft: 'Alle sind schon drin.', adm_none: 'Keine.',
    adm_notAdmin: 'Hier verwalten Admins ihre Organisation. Sie haben in {org} keine Admin-Rolle.', adm_readonly: 'nur lesen',
  },
  en: {
    adm_title: 'Administration', adm_members: 'Members of {org}', adm_name: 'Name', adm_role: 'Role', adm_function: 'Function',
    adm_until: 'Guest until', adm_actions: 'Actions', adm_signout: 'Sign out everywhere', adm_remove: 'Remove',
    adm_signoutQ: 'Sign {name} out on all devices? Everything stored on those devices is deleted.', adm_signedOut: '{name} was signed out everywhere.',
    adm_removeQ: 'Remove {name} from {org}?', adm_saved: 'Saved.', adm_invitesHint: 'New people join through invitations (QR code).',
    adm_orgChannels: 'Channels of {org}', adm_channelName: 'Channel name', adm_topic: 'Topic', adm_create: 'Create', adm_save: 'Save',
    adm_archive: 'Archive', adm_unarchive: 'Restore', adm_archived: 'archived', adm_archiveQ: 'Archive channel “{name}”? It stays readable, but nobody can write any more.',
    adm_shared: 'Shared crisis channels', adm_participants: 'Participating organisations', adm_newShared: 'New shared channel',
    adm_ownPeople: 'Own people in shared channels', adm_ownPeopleHelp: 'Each organisation decides itself who of its people is in a shared channel.',
    adm_add: 'Add', adm_addPerson: 'Add person', adm_nobodyLeft: 'Everyone is in already.', adm_none: 'None.',
    adm_notAdmin: 'Admins manage their organisation here. You are not an admin of {org}.', adm_readonly: 'read only',
  },
});

const q = s => encodeURIComponent(s);
const items = r => (r && r.items) || [];

export default {
  id: 'admin',
  title: { de: 'Verwaltung', en: 'Administration' },
  icon: 'gear',
  // Only where the person's role allows it: an admin of POL who is a member of FW sees it
  // in POL, not in FW (where it could only say no).
  visible: ctx => ctx.hostOperator || ctx.tenant?.role === 'admin',
  render(el, ctx) {
    const page = h('div.view-page');
    el.append(page);
    let alive = true;
    const isAdmin = ctx.tenant.role === 'admin';
    const sections = [];
    if (isAdmin) sections.push(members, orgChannels, ownPeople);
    if (ctx.hostOperator) sections.push(sharedChannels);
    if (!sections.length) page.append(h('div.panel', h('p', t('adm_notAdmin', { org: ctx.tenant.name }))));
    const boxes = sections.map(() => h('section.panel'));
    page.append(...boxes);
    let memberCache = null;
    const refresh = () => sections.forEach((fn, i) => fn(boxes[i]).catch(e => { if (alive) clear(boxes[i], h('p.error', e.message)); }));
    refresh();
    return () => { alive = false; };

    async function loadMembers() {
      const r = await ctx.api.get(`/api/collections/memberships/records?perPage=500&sort=created&expand=user&filter=${q(`organisation='${ctx.tenant.id}'`)}`);
      memberCache = items(r);
      return memberCache;
    }

    async function members(box) {
      const list = await loadMembers();
      if (!alive) return;
      const row = m => {
        const u = (m.expand && m.expand.user) || { name: '?', username: '' };
        const role = h('select', { 'aria-label': t('adm_role') + ' ' + u.name }, ['admin', 'operator', 'member', 'guest'].map(r => h('option', { value: r, selected: m.role === r }, t('role_' + r))));
        const fn = h('input', { value: m.function || '', maxlength: 60, 'aria-label': t('adm_function') + ' ' + u.name });
        const save = async patch => {
          try { Object.assign(m, await ctx.api.patch(`/api/collections/memberships/records/${m.id}`, patch)); ctx.toast(t('adm_saved')); }
          catch (e) { ctx.toast(e.message, 'error'); role.value = m.role; fn.value = m.function || ''; }
        };
        role.onchange = () => save({ role: role.value });
        fn.onchange = () => save({ function: fn.value.trim() });
        return h('tr', { dataset: { user: u.id } },
          h('td', h('b', u.name), h('div.muted.small', u.username)),
          h('td', role), h('td', fn),
          h('td', m.role === 'guest' || m.expires ? h('span.guest-end', fmtDate(m.expires)) : '–'),
          h('td', u.id !== ctx.me.id ? [
            h('button.btn', { type: 'button', onclick: async () => {
              if (!(await confirmDialog(t('adm_signoutQ', { name: u.name }), t('adm_signout')))) return;
              try { await ctx.api.post(`/api/crisisroom/users/${u.id}/signout`); ctx.toast(t('adm_signedOut', { name: u.name })); }
              catch (e) { ctx.toast(e.message, 'error'); }
            } }, t('adm_signout')), ' ',
            h('button.btn', { type: 'button', onclick: async () => {
              if (!(await confirmDialog(t('adm_removeQ', { name: u.name, org: ctx.tenant.short || ctx.tenant.name }), t('adm_remove')))) return;
              try { await ctx.api.del(`/api/collections/memberships/records/${m.id}`); refresh(); }
              catch (e) { ctx.toast(e.message, 'error'); }
            } }, t('adm_remove'))] : null));
      };
      clear(box, h('h2', orgChip(ctx.tenant), t('adm_members', { org: ctx.tenant.name })),
        h('p.muted', t('adm_invitesHint')),
        h('div', { style: { overflowX: 'auto' } }, h('table.list#members',
          h('thead', h('tr', ['adm_name', 'adm_role', 'adm_function', 'adm_until', 'adm_actions'].map(k => h('th', t(k))))),
          h('tbody', list.map(row)))));
    }

    function channelRow(c, { participants = null } = {}) {
      const name = h('input', { value: c.name || '', maxlength: 80, 'aria-label': t('adm_channelName') });
      const topic = h('input', { value: c.topic || '', maxlength: 500, 'aria-label': t('adm_topic') });
      const picks = participants ? orgPicker(participants, c.organisations || []) : null;
      const save = h('button.btn.primary', { type: 'button', onclick: async () => {
        const body = { name: name.value.trim(), topic: topic.value.trim() };
        if (picks) body.organisations = picks.value();
        try { await ctx.api.patch(`/api/collections/channels/records/${c.id}`, body); ctx.toast(t('adm_saved')); }
        catch (e) { ctx.toast(e.message, 'error'); }
      } }, t('adm_save'));
      const arch = h('button.btn', { type: 'button', onclick: async () => {
        if (!c.archived && !(await confirmDialog(t('adm_archiveQ', { name: c.name }), t('adm_archive')))) return;
        try { await ctx.api.patch(`/api/collections/channels/records/${c.id}`, { archived: !c.archived }); refresh(); }
        catch (e) { ctx.toast(e.message, 'error'); }
      } }, c.archived ? t('adm_unarchive') : t('adm_archive'));
      return h('tr', { dataset: { channel: c.id } },
        h('td', name, c.archived ? h('span.muted.small', t('adm_archived')) : null), h('td', topic, picks ? picks.el : null), h('td', save, ' ', arch));
    }

    function orgPicker(orgs, selected) {
      const boxes = orgs.map(o => ({ o, cb: h('input', { type: 'checkbox', value: o.id, checked: selected.includes(o.id) }) }));
      return {
        el: h('div.orgpick', { role: 'group', 'aria-label': t('adm_participants') }, boxes.map(({ o, cb }) => h('label', cb, orgChip(o), ' ', o.name))),
        value: () => boxes.filter(b => b.cb.checked).map(b => b.o.id),
      };
    }

    async function orgChannels(box) {
      const r = await ctx.api.get(`/api/collections/channels/records?perPage=200&sort=name&filter=${q(`organisation='${ctx.tenant.id}' && kind='org'`)}`);
      if (!alive) return;
      const name = h('input', { required: true, maxlength: 80, placeholder: t('adm_channelName'), 'aria-label': t('adm_channelName') });
      const topic = h('input', { maxlength: 500, placeholder: t('adm_topic'), 'aria-label': t('adm_topic') });
      const form = h('form.grid-form', name, topic, h('button.btn.primary', { type: 'submit' }, t('adm_create')));
      form.onsubmit = async ev => {
        ev.preventDefault();
        try { await ctx.api.post('/api/collections/channels/records', { organisation: ctx.tenant.id, kind: 'org', name: name.value.trim(), topic: topic.value.trim() }); refresh(); }
        catch (e) { ctx.toast(e.message, 'error'); }
      };
      clear(box, h('h2', t('adm_orgChannels', { org: ctx.tenant.name })),
        h('table.list', h('thead', h('tr', h('th', t('adm_channelName')), h('th', t('adm_topic')), h('th', t('adm_actions')))),
          h('tbody', items(r).map(c => channelRow(c)))), form);
    }

    async function sharedChannels(box) {
      const host = ctx.host || ctx.tenants.find(x => x.kind === 'host');
      const [chs, orgs] = await Promise.all([
        ctx.api.get(`/api/collections/channels/records?perPage=200&sort=name&filter=${q("kind='shared'")}`),
        ctx.api.get('/api/collections/organisations/records?perPage=200&sort=name'),
      ]);
      if (!alive) return;
      const all = items(orgs);
      const name = h('input', { maxlength: 80, placeholder: t('adm_channelName'), 'aria-label': t('adm_channelName') });
      const topic = h('input', { maxlength: 500, placeholder: t('adm_topic'), 'aria-label': t('adm_topic') });
      const picks = orgPicker(all, host ? [host.id] : []);
      const form = h('form', h('h3', t('adm_newShared')), h('div.grid-form', name, topic), picks.el, h('button.btn.primary', { type: 'submit' }, t('adm_create')));
      form.onsubmit = async ev => {
        ev.preventDefault();
        try {
          await ctx.api.post('/api/collections/channels/records', { organisation: host && host.id, kind: 'shared', name: name.value.trim(), topic: topic.value.trim(), organisations: picks.value() });
          refresh();
        } catch (e) { ctx.toast(e.message, 'error'); }
      };
      clear(box, h('h2', icon('share'), t('adm_shared')),
        h('table.list#shared-admin', h('thead', h('tr', h('th', t('adm_channelName')), h('th', t('adm_topic') + ' · ' + t('adm_participants')), h('th', t('adm_actions')))),
          h('tbody', items(chs).map(c => channelRow(c, { participants: all })))), form);
    }

    async function ownPeople(box) {
      const [chs, mine] = await Promise.all([
        ctx.api.get(`/api/collections/channels/records?perPage=200&sort=name&filter=${q(`kind='shared' && archived=false && organisations~'${ctx.tenant.id}'`)}`),
        memberCache ? Promise.resolve(memberCache) : loadMembers(),
      ]);
      if (!alive) return;
      const staff = mine.filter(m => m.role !== 'guest').map(m => m.expand && m.expand.user).filter(Boolean);
      const staffIds = new Set(staff.map(u => u.id));
      const blocks = await Promise.all(items(chs).map(async c => {
        const cms = items(await ctx.api.get(`/api/collections/channel_members/records?perPage=500&expand=user&filter=${q(`channel='${c.id}'`)}`));
        const ours = cms.filter(cm => staffIds.has(cm.user));
        const inIds = new Set(cms.map(cm => cm.user));
        const left = staff.filter(u => !inIds.has(u.id));
        const sel = h('select', { 'aria-label': t('adm_addPerson') + ' – ' + c.name }, left.map(u => h('option', { value: u.id }, u.name)));
        return h('div.shared-block', { dataset: { channel: c.id } },
          h('h3', c.name),
          ours.length ? h('ul.plain', ours.map(cm => h('li', (cm.expand && cm.expand.user && cm.expand.user.name) || cm.user, cm.role === 'readonly' ? h('span.muted', ' (', t('adm_readonly'), ')') : null, ' ',
            h('button.link', { type: 'button', onclick: async () => {
              try { await ctx.api.del(`/api/collections/channel_members/records/${cm.id}`); refresh(); } catch (e) { ctx.toast(e.message, 'error'); }
            } }, t('adm_remove'))))) : h('p.muted', t('adm_none')),
          left.length ? h('div.grid-form', sel, h('button.btn', { type: 'button', onclick: async () => {
            try { await ctx.api.post('/api/collections/channel_members/records', { channel: c.id, user: sel.value, role: 'member' }); refresh(); }
            catch (e) { ctx.toast(e.message, 'error'); }
          } }, t('adm_add'))) : h('p.muted.small', t('adm_nobodyLeft')));
      }));
      if (!alive) return;
      clear(box, h('h2', t('adm_ownPeople')), h('p.muted', t('adm_ownPeopleHelp')), blocks.length ? blocks : h('p', t('adm_none')));
    }
  },
};
