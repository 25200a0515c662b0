// @mentions: completion of names and functions in the composer ("@S2" offers the S2 of
// the channel), mentions highlighted in messages (one's own stronger), the function of
// each author beside the name, and per channel an "@n" badge beside the unread count
// (the server counts the unread messages that mention the person: GET /api/crisisroom/mentions).

import { t, addStrings } from '../i18n.js';
import { api } from '../api.js';
import { h } from '../ui.js';
import { S, events, composerHooks, messageDecorators } from '../messaging/state.js';
import { onSignIn } from '../shell.js';

addStrings({
  de: { sr_mentionSuggestions: 'Vorschläge für die Erwähnung', sr_mentionsN: '{n} Erwähnungen', sr_mentionHelp: 'Mit @ erwähnen Sie Personen oder Funktionen (z. B. @S2).' },
  en: { sr_mentionSuggestions: 'Suggestions for the mention', sr_mentionsN: '{n} mentions', sr_mentionHelp: 'Type @ to mention people or functions (e.g. @S2).' },
});

// ---- who can be mentioned, per channel (cached for a minute) ----
const people = new Map(); // channel id -> {at, list | promise}
export function mentionable(channel) {
  const hit = people.get(channel);
  if (hit && Date.now() - hit.at < 60000) return hit.p;
  const p = api.get(`/api/crisisroom/channels/${channel}/mentionable`).then(r => Array.isArray(r) ? r : []).catch(() => []);
  people.set(channel, { at: Date.now(), p });
  return p;
}
const norm = s => (s || '').toLowerCase();
const firstWord = f => norm(f).split(' ')[0];

// candidates: people whose username, name or function starts with the typed prefix;
// a function once per holder ("@S2" → "S2 Lage · Jonas Wagner").
const codeHit = (p, q) => (p.codes || []).find(c => norm(c).startsWith(q));
const fnHit = (p, q) => !!q && (!!codeHit(p, q) || (p.function && (norm(p.function).startsWith(q) || norm(p.function).replace(/\s+/g, '').startsWith(q))));
export function candidates(list, prefix) {
  const q = norm(prefix);
  return list.filter(p => !q || norm(p.username).startsWith(q) || norm(p.name).split(/\s+/).some(w => w.startsWith(q)) || fnHit(p, q))
    .sort((a, b) => (fnHit(a, q) ? 0 : 1) - (fnHit(b, q) ? 0 : 1) || norm(a.name).localeCompare(norm(b.name)))
    .slice(0, 8);
}

// functionLabel: the staff functions held (codes of the message forms) and the
// membership's function, once each ("S2 · S2 Lage").
export function functionLabel(p) {
  const fn = p.function || '';
  const codes = (p.codes || []).filter(c => norm(c) !== firstWord(fn));
  return [...codes, fn].filter(Boolean).join(' · ');
}

// What a pick inserts: the function's first word when the prefix typed was a function
// ("@S2"), else the username; both reach the person (hooks/staffroom/mentions.go).
function token(p, prefix) {
  const q = norm(prefix);
  const code = q && codeHit(p, q);
  if (code) return code;
  if (p.function && q && (norm(p.function).startsWith(q) || firstWord(p.function).startsWith(q))) return p.function.split(' ')[0];
  return p.username;
}

// ---- completion in the composer ----
let box = null, items = [], active = 0, ta = null, range = null;

function closeBox() { if (box) { box.remove(); box = null; } items = []; range = null; if (ta) { ta.removeAttribute('aria-activedescendant'); ta.setAttribute('aria-expanded', 'false'); } }

function pick(i) {
  const p = items[i];
  if (!p || !ta || !range) return closeBox();
  const ins = '@' + token(p, range.prefix) + ' ';
  ta.value = ta.value.slice(0, range.start) + ins + ta.value.slice(range.end);
  const pos = range.start + ins.length;
  ta.setSelectionRange(pos, pos);
  ta.dispatchEvent(new Event('input', { bubbles: true }));
  closeBox();
  ta.focus();
}

function drawBox() {
  if (!items.length) return closeBox();
  if (!box) {
    box = h('ul.mention-box#mention-box', { role: 'listbox', 'aria-label': t('sr_mentionSuggestions') });
    (ta.closest('form') || ta.parentElement).append(box);
  }
  box.replaceChildren(...items.map((p, i) => h('li', {
    role: 'option', id: 'mention-opt-' + i, 'aria-selected': i === active ? 'true' : 'false',
    onmousedown: ev => { ev.preventDefault(); pick(i); },
  }, h('b', p.name), functionLabel(p) ? h('span.fn', ' · ' + functionLabel(p)) : null, h('span.muted', ' @' + p.username))));
  ta.setAttribute('aria-expanded', 'true');
  ta.setAttribute('aria-activedescendant', 'mention-opt-' + active);
}

async function onInput() {
  if (!ta || !S.current) return;
  const pos = ta.selectionStart, before = ta.value.slice(0, pos);
  const m = /(^|[^\p{L}\p{N}])@([\p{L}\p{N}._-]*)$/u.exec(before);
  if (!m) return closeBox();
  const prefix = m[2], channel = S.current.id;
  const list = await mentionable(channel);
  if (!ta || ta.selectionStart !== pos || !S.current || S.current.id !== channel) return;
  items = candidates(list.filter(p => p.id !== S.deps.me.id), prefix);
  active = 0;
  range = { start: pos - prefix.length - 1, end: pos, prefix };
  drawBox();
}

composerHooks.push({
  mount(inner) {
    ta = inner.querySelector('textarea');
    if (!ta) return;
    ta.setAttribute('aria-autocomplete', 'list');
    ta.setAttribute('aria-controls', 'mention-box');
    ta.addEventListener('input', onInput);
    ta.addEventListener('blur', () => setTimeout(closeBox, 150));
  },
  keydown(ev) {
    if (!box || !items.length) return false;
    if (ev.key === 'ArrowDown' || ev.key === 'ArrowUp') { active = (active + (ev.key === 'ArrowDown' ? 1 : items.length - 1)) % items.length; drawBox(); ev.preventDefault(); return true; }
    if (ev.key === 'Enter' || ev.key === 'Tab') { ev.preventDefault(); pick(active); return true; }
    if (ev.key === 'Escape') { ev.preventDefault(); closeBox(); return true; }
    return false;
  },
});

// ---- highlighting and functions beside names ----
const MENTION = /(^|[^\p{L}\p{N}])(@[\p{L}\p{N}._-]*[\p{L}\p{N}])/gu;

function mine(tok, me, self) {
  const x = norm(tok.slice(1)), myFn = self && self.function;
  return x === norm(me.username) || (self && (self.codes || []).some(c => norm(c) === x)) ||
    (myFn && (x === norm(myFn) || x === firstWord(myFn) || x === norm(myFn).replace(/\s+/g, '')));
}

messageDecorators.push((el, rec) => {
  const body = el.querySelector('.body');
  const me = S.deps && S.deps.me;
  if (body && me && !rec.deleted && (rec.body || '').includes('@')) {
    mentionable(rec.channel).then(list => {
      const self = list.find(p => p.id === me.id);
      const walker = document.createTreeWalker(body, NodeFilter.SHOW_TEXT);
      const nodes = [];
      while (walker.nextNode()) nodes.push(walker.currentNode);
      for (const n of nodes) {
        const s = n.nodeValue;
        if (!s.includes('@')) continue;
        const frag = document.createDocumentFragment();
        let last = 0;
        for (const m of s.matchAll(MENTION)) {
          const start = m.index + m[1].length;
          frag.append(s.slice(last, start), h('mark.mention' + (mine(m[2], me, self) ? '.me' : ''), m[2]));
          last = start + m[2].length;
        }
        if (last === 0) continue;
        frag.append(s.slice(last));
        n.replaceWith(frag);
      }
      if (body.querySelector('mark.mention.me')) el.classList.add('mentions-me');
    });
  }
  // The author's function, from the channel's members (the organisation that gave the row).
  const name = el.querySelector('.meta .author');
  if (name && rec.author && !el.querySelector('.meta .fn')) {
    mentionable(rec.channel).then(list => {
      const p = list.find(x => x.id === rec.author);
      const label = p && functionLabel(p);
      if (label && !el.querySelector('.meta .fn')) name.after(h('span.fn', { title: label }, label));
    });
  }
});

// ---- "@n" beside the unread count ----
let counts = {};
function badges() {
  for (const b of document.querySelectorAll('button.chan[data-channel]')) {
    const n = counts[b.dataset.channel] || 0;
    let m = b.querySelector('.badge.mention');
    if (!n) { if (m) m.remove(); continue; }
    if (!m) { m = h('span.badge.mention'); (b.querySelector('.badge') || b.querySelector('.chan-name')).after(m); }
    const text = '@' + (n > 99 ? '99+' : n);
    if (m.textContent !== text) { m.textContent = text; m.setAttribute('aria-label', t('sr_mentionsN', { n })); }
  }
}
let timer = 0;
export function refreshMentions() {
  clearTimeout(timer);
  timer = setTimeout(() => api.get('/api/crisisroom/mentions').then(r => { counts = r || {}; badges(); }).catch(() => {}), 200);
}

onSignIn.push(() => {
  people.clear();
  refreshMentions();
  // The channel list is drawn anew on every change: put the badges back each time.
  let queued = false;
  const obs = new MutationObserver(() => { if (!queued) { queued = true; requestAnimationFrame(() => { queued = false; badges(); }); } });
  obs.observe(document.body, { childList: true, subtree: true });
  const onMention = () => refreshMentions();
  document.addEventListener('crisisroom:mention', onMention);
  const offs = [events.on('channelOpened', c => { people.delete(c.id); setTimeout(refreshMentions, 1500); })];
  return () => { obs.disconnect(); document.removeEventListener('crisisroom:mention', onMention); offs.forEach(f => f()); };
});
