// The composer: text, priority (Normal, Sofort, Blitz), acknowledgement request, reply,
// attachments (picked, pasted or dropped) and sending through the outbox.

import { t, addStrings, lang } from '../i18n.js';
import { newClientKey } from '../api.js';
import { h, clear, fmtSize, orgChip, icon } from '../ui.js';
import { S, author, mayWrite, fileIcon, composerHooks, extCtx } from './state.js';
import { openChannel } from './channels.js';

export const MAX_FILE = 25 * 1024 * 1024;
// messages.body's limit on the server (characters, counted as code points like the server).
export const MAX_BODY = 20000;

addStrings({
  de: {
    writingAs: 'Sie schreiben als', writingAsLabel: 'Organisation, für die Sie schreiben',
    bodyCount: '{n} von höchstens {max} Zeichen',
    bodyTooLong: 'Die Nachricht ist zu lang: {n} von höchstens {max} Zeichen. Kürzen oder als Datei anhängen.',
  },
  en: {
    writingAs: 'Writing as', writingAsLabel: 'Organisation you write for',
    bodyCount: '{n} of at most {max} characters',
    bodyTooLong: 'The message is too long: {n} of at most {max} characters. Shorten it or attach it as a file.',
  },
});

const fmtN = n => n.toLocaleString(lang() === 'de' ? 'de-DE' : 'en-GB');
const bodyLength = s => { let n = 0; for (const _ of s) n++; return n; };

// writeAsOptions: the organisations the person may write for in the open channel, i.e. the
// live memberships among those taking part in a shared channel (the server accepts no
// other: hooks/messaging/author_org.go). Other kinds of channel have one, decided there.
export function writeAsOptions() {
  const c = S.current;
  if (!c || c.kind !== 'shared') return [];
  const ids = new Set((c.organisations || []).map(o => o.id || o));
  const all = (S.deps.getTenants && S.deps.getTenants()) || [];
  return all.filter(x => ids.has(x.id) && x.status !== 'suspended');
}
const writeAsKey = id => 'crisisroom_writeas_' + id;

// renderWriteAs shows "Sie schreiben als …" with a choice whenever the person could write
// for more than one organisation in the open channel. The choice is kept per channel;
// without one, the person writes for whom their newest message there (among those
// loaded) was written, so that looking at another organisation's channels in between does
// not change it; else for the organisation in view if it takes part; else the first.
export function renderWriteAs() {
  const { ui, current } = S;
  if (!ui || !ui.writeAs) return;
  const opts = writeAsOptions();
  ui.writeAs.hidden = opts.length < 2;
  if (opts.length < 2) { clear(ui.writeAsSel, []); return; }
  let want = '';
  try { want = localStorage.getItem(writeAsKey(current.id)) || ''; } catch { /* storage off */ }
  const tenant = S.deps.getTenant();
  if (!opts.some(o => o.id === want)) {
    const mine = [...S.msgs.values()].filter(r => r.author === S.deps.me.id && r.channel === current.id && r.org && opts.some(o => o.id === r.org.id))
      .sort((a, b) => (a.created || '') < (b.created || '') ? 1 : -1)[0];
    want = mine ? mine.org.id : opts.some(o => o.id === tenant?.id) ? tenant.id : opts[0].id;
  }
  clear(ui.writeAsSel, opts.map(o => h('option', { value: o.id, selected: o.id === want }, `${o.name} (${o.short || o.name})`)));
  ui.writeAsSel.value = want;
  updateWriteAsChip();
}
function updateWriteAsChip() {
  const { ui } = S;
  const o = writeAsOptions().find(x => x.id === ui.writeAsSel.value);
  clear(ui.writeAsChip, o ? [orgChip(o)] : []);
}
// chosenOrg: the organisation a new message is written for (sent as author_org).
function chosenOrg() {
  const { ui } = S;
  if (ui && ui.writeAs && !ui.writeAs.hidden && ui.writeAsSel.value) return ui.writeAsSel.value;
  const tenant = S.deps.getTenant();
  const opts = writeAsOptions();
  // One possible organisation in a shared channel: that one, whatever is in view.
  if (opts.length === 1) return opts[0].id;
  return tenant ? tenant.id : '';
}

// updateCounter shows the length from 90 % of the limit on, and marks it over the limit.
export function updateCounter() {
  const { ui } = S;
  if (!ui || !ui.counter) return;
  const n = bodyLength(ui.text.value.trim());
  const show = n >= MAX_BODY * 0.9;
  ui.counter.hidden = !show;
  if (!show) return;
  ui.counter.textContent = t('bodyCount', { n: fmtN(n), max: fmtN(MAX_BODY) });
  ui.counter.classList.toggle('over', n > MAX_BODY);
}
// Refused at once in the browser for a quick answer; the server checks again.
const FORBIDDEN_EXT = /\.(exe|com|bat|cmd|scr|pif|msi|msp|vbs|vbe|js|jse|wsf|wsh|ps1|psm1|jar|apk|app|dll|sys|cpl|lnk|reg|hta|sh|bash|dmg|iso)$/i;
const FORBIDDEN_MIME = /^(application\/(x-msdownload|x-msdos-program|x-ms-installer|x-sh|java-archive|vnd\.android\.package-archive|x-executable)|text\/javascript)$/i;

export function fileProblem(f) {
  if (f.size > MAX_FILE) return t('fileTooBig', { name: f.name, size: fmtSize(f.size) });
  if (FORBIDDEN_EXT.test(f.name) || FORBIDDEN_MIME.test(f.type || '')) return t('fileForbidden', { name: f.name });
  if (f.size === 0) return t('fileEmpty', { name: f.name });
  return '';
}

export function updateComposerRights() {
  const { ui } = S;
  if (!ui) return;
  const w = mayWrite() && !S.current.archived;
  ui.composerInner.hidden = !w;
  ui.readonlyNote.hidden = w;
  renderWriteAs();
}

function stageFiles(files) {
  for (const f of files) {
    const why = fileProblem(f);
    if (why) { S.deps.toast(why, 'error'); continue; }
    S.stagedFiles.push(f);
  }
  renderStaged();
}
function renderStaged() {
  const { ui } = S;
  clear(ui.staged, S.stagedFiles.map((f, i) => h('span.staged-file', h('span.fileicon', { 'aria-hidden': 'true' }, fileIcon(f.name, f.type)), f.name, ' ', h('span.muted', fmtSize(f.size)),
    h('button.icon', { type: 'button', 'aria-label': t('removeFile', { name: f.name }), onclick: () => { S.stagedFiles.splice(i, 1); renderStaged(); } }, '✕'))));
  ui.staged.hidden = !S.stagedFiles.length;
}

async function send() {
  const { ui, current } = S;
  if (!current || !ui) return;
  const body = ui.text.value.trim();
  if (!body && !S.stagedFiles.length) { ui.text.focus(); return; }
  // Refused here in words, before the server refuses it in its own; the text stays.
  const n = bodyLength(body);
  if (n > MAX_BODY) { S.deps.toast(t('bodyTooLong', { n: fmtN(n), max: fmtN(MAX_BODY) }), 'error'); updateCounter(); ui.text.focus(); return; }
  const prio = ui.form.querySelector('input[name=prio]:checked').value;
  // The organisation the message is written for (stored with it): the one chosen under
  // "Sie schreiben als" in a shared channel, else the one in view.
  let fields = { channel: current.id, author: S.deps.me.id, body, priority: prio, ack_required: ui.ackBox.checked ? 'true' : 'false', source: 'web', author_org: chosenOrg() };
  for (const hk of composerHooks) {
    if (!hk.beforeSend) continue;
    const r = hk.beforeSend(fields, extCtx);
    if (r === false) return;
    if (r) fields = r;
  }
  const key = newClientKey();
  fields.client_key = key;
  if (S.replyTo) fields.reply_to = S.replyTo.id;
  const item = { client_key: key, fields, files: S.stagedFiles.slice(), queued: Date.now() };
  ui.text.value = '';
  updateCounter();
  S.stagedFiles = []; renderStaged();
  S.replyTo = null; renderReply();
  ui.form.querySelector('input[name=prio][value=normal]').checked = true;
  ui.ackBox.checked = false;
  updatePrioStyle();
  // Sent from search hits or an older part of the channel: back to the newest messages,
  // where the new one appears (the hits take no new messages).
  const back = !!(S.searchQ || S.detached);
  await S.sender.send(item);
  if (back && S.current && S.current.id === current.id) openChannel(current.id, { force: true, focus: false });
}

function updatePrioStyle() {
  const { ui } = S;
  if (!ui) return;
  const p = ui.form.querySelector('input[name=prio]:checked').value;
  ui.form.dataset.prio = p;
  // A Blitz is always confirmed by everyone; the box shows it.
  if (p === 'flash') { ui.ackBox.checked = true; ui.ackBox.disabled = true; } else ui.ackBox.disabled = false;
}

export function startReply(rec) { S.replyTo = rec; renderReply(); S.ui.text.focus(); }
export function renderReply() {
  const { ui, replyTo } = S;
  if (!ui) return;
  clear(ui.replyBox, replyTo ? [h('span', '↪ ', orgChip(replyTo.org), ' ', t('replyingTo', { name: author(replyTo) }), ': ', (replyTo.body || '').slice(0, 80)), h('button.icon', { type: 'button', 'aria-label': t('cancelReply'), onclick: () => { S.replyTo = null; renderReply(); } }, '✕')] : []);
  ui.replyBox.hidden = !replyTo;
}

// buildComposer returns the composer's form and its parts; wireComposer(pane) adds the
// keyboard, paste and drag-and-drop handling once the form is in the page.
export function buildComposer() {
  const text = h('textarea#composer-text', { rows: 2, placeholder: t(window.matchMedia('(pointer: coarse), (max-width: 760px)').matches ? 'writePlaceholderTouch' : 'writePlaceholder'), 'aria-label': t('message'), enterkeyhint: 'send' });
  const fileInput = h('input', { type: 'file', multiple: true, hidden: true, id: 'file-input' });
  const ackBox = h('input', { type: 'checkbox', id: 'ack-required' });
  const prio = (v, label) => h('label.prio-opt.prio-' + v, h('input', { type: 'radio', name: 'prio', value: v, checked: v === 'normal' }), h('span', label));
  const writeAsSel = h('select#write-as', { 'aria-label': t('writingAsLabel') });
  const writeAsChip = h('span.writeas-chip');
  const writeAs = h('div.writeas', { hidden: true }, h('label', { for: 'write-as' }, t('writingAs')), ' ', writeAsChip, writeAsSel);
  const counter = h('div.body-count', { hidden: true, 'aria-live': 'polite' });
  const composerInner = h('div.composer-inner',
    writeAs,
    h('div.replybox', { hidden: true }),
    h('div.staged', { hidden: true, 'aria-live': 'polite' }),
    text,
    counter,
    h('div.composer-row',
      // A guest sends no Blitz (the server refuses it too).
      h('fieldset.prio-group', h('legend.sr', t('priority')), prio('normal', t('prioNormal')), prio('immediate', t('prioImmediate')), S.deps.getTenant()?.role === 'guest' ? null : prio('flash', t('prioFlash'))),
      h('label.ackopt', ackBox, ' ', t('requestAck')),
      h('button.btn.attach', { type: 'button', onclick: () => fileInput.click(), 'aria-label': t('attachFiles') }, icon('clip'), h('span.lbl', t('attach'))),
      fileInput,
      h('button.btn.primary.send', { type: 'submit' }, t('send'))));
  const readonlyNote = h('p.muted.readonly', { hidden: true }, t('readOnlyChannel'));
  const form = h('form.composer', { hidden: true, 'aria-label': t('composer') }, composerInner, readonlyNote);
  return { form, composerInner, readonlyNote, text, ackBox, fileInput, writeAs, writeAsSel, writeAsChip, counter };
}

export function wireComposer({ form, text, fileInput, composerInner }, pane, drop) {
  form.addEventListener('submit', ev => { ev.preventDefault(); send(); });
  form.addEventListener('change', ev => {
    if (ev.target.name === 'prio') updatePrioStyle();
    if (ev.target.id === 'write-as' && S.current) {
      try { localStorage.setItem(writeAsKey(S.current.id), ev.target.value); } catch { /* storage off */ }
      updateWriteAsChip();
    }
  });
  text.addEventListener('input', updateCounter);
  text.addEventListener('keydown', ev => {
    for (const hk of composerHooks) { if (hk.keydown && hk.keydown(ev, text, extCtx)) return; }
    if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing) { ev.preventDefault(); send(); }
    if (ev.key === 'Escape' && S.replyTo) { S.replyTo = null; renderReply(); }
  });
  text.addEventListener('paste', ev => {
    const files = [...(ev.clipboardData?.files || [])];
    if (files.length) { ev.preventDefault(); stageFiles(files); }
  });
  fileInput.addEventListener('change', () => { stageFiles([...fileInput.files]); fileInput.value = ''; });
  let depth = 0;
  pane.addEventListener('dragenter', ev => { if (ev.dataTransfer?.types.includes('Files')) { depth++; drop.hidden = false; } });
  pane.addEventListener('dragleave', () => { if (--depth <= 0) { depth = 0; drop.hidden = true; } });
  pane.addEventListener('dragover', ev => { if (ev.dataTransfer?.types.includes('Files')) ev.preventDefault(); });
  pane.addEventListener('drop', ev => { ev.preventDefault(); depth = 0; drop.hidden = true; stageFiles([...(ev.dataTransfer?.files || [])]); });
  for (const hk of composerHooks) { if (hk.mount) { try { hk.mount(composerInner, extCtx); } catch (e) { console.error('composer hook', e); } } }
}
