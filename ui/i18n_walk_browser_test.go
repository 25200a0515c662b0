package ui

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"crisisroom/testkit"
)

// wrongLanguageJS lists the visible texts of the page that belong to the other language:
//   - a text (or placeholder, aria-label, title) equal to a sentence of the other language's
//     i18n table that the language in use does not have;
//   - a "Deutsch / English" line: German-only words before " / ", English-only after it
//     (or the other way round);
//   - in the page's chrome (buttons, labels, headings, table heads, options), two or more
//     words that only the other language's table uses.
//
// Words "only one language uses" come from the i18n table itself (all strings the app and
// its views have added), so the check grows with the table. Messages, names and other
// things people wrote are not checked: they are in the language their author chose.
const wrongLanguageJS = `(async () => {
  const m = await import('/js/i18n.js');
  const cur = m.lang(), other = cur === 'de' ? 'en' : 'de';
  const mineT = m.table(cur), theirT = m.table(other);
  const mine = new Set(Object.values(mineT).filter(v => typeof v === 'string').map(v => v.trim()));
  const esc = s => s.replace(/[.*+?^$()|[\]\\]/g, '\\$&');
  const theirs = [];
  for (const [k, v] of Object.entries(theirT)) {
    if (typeof v !== 'string') continue;
    const s = v.trim();
    if (mine.has(s) || mineT[k] === v) continue;
    const literal = s.replace(/\{\w+\}/g, '').replace(/[^A-Za-zÄÖÜäöüß]/g, '');
    if (literal.length < 4) continue;
    theirs.push({ k, s, re: /\{\w+\}/.test(s) ? new RegExp('^' + s.split(/\{\w+\}/).map(esc).join('.+') + '$') : null });
  }
  const words = tab => { const w = new Set(); for (const v of Object.values(tab)) if (typeof v === 'string') for (const x of v.replace(/\{\w+\}/g, ' ').toLowerCase().match(/[a-zäöüß]{4,}/g) || []) w.add(x); return w; };
  const wm = words(mineT), wt = words(theirT);
  const onlyTheirs = new Set([...wt].filter(x => !wm.has(x)));
  const onlyDe = cur === 'de' ? new Set([...wm].filter(x => !wt.has(x))) : onlyTheirs;
  const onlyEn = cur === 'en' ? new Set([...wm].filter(x => !wt.has(x))) : onlyTheirs;
  const has = (s, set) => (s.toLowerCase().match(/[a-zäöüß]{4,}/g) || []).some(x => set.has(x));
  const count = (s, set) => (s.toLowerCase().match(/[a-zäöüß]{4,}/g) || []).filter(x => set.has(x)).length;
  // What people wrote: message bodies, names of channels, people, organisations, devices.
  const USER = 'article.msg .body, article.msg .author, .flash-body, .flash-head b, .chan-name, #channel-title, .chead-sub, .chip, .tenant, .avatar, .person, .user-name, .replyref, .replybox, .sit-item, #situation-items, .etb-text, .etb-table td, .fname, .files, .dlg header h2, .chosen, code, .creds, [data-user-content], td b, .muted.small, .topic, .summary b';
  // Names of organisations, channels and devices are what their people called them.
  const names = [];
  try {
    const tok = (JSON.parse(localStorage.getItem('pocketbase_auth') || 'null') || {}).token;
    const get = u => tok ? fetch(u, { headers: { Authorization: tok } }).then(r => r.ok ? r.json() : {}).catch(() => ({})) : Promise.resolve({});
    const [o, d, c] = await Promise.all([get('/api/collections/organisations/records?perPage=500'), get('/api/collections/devices/records?perPage=500'), get('/api/crisisroom/channels')]);
    for (const r of [...(o.items || []), ...(d.items || []), ...(Array.isArray(c) ? c : (c.items || c.channels || []))]) for (const f of ['name', 'title', 'topic', 'zone']) if (r[f] && String(r[f]).length > 2) names.push(String(r[f]));
  } catch { /* signed out: no names */ }
  names.sort((a, b) => b.length - a.length);
  const unname = s => { for (const n of names) if (s.includes(n)) s = s.split(n).join(' '); return s; };
  const bad = [];
  const visible = el => !!el && el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';
  const check = (s, el, where) => {
    s = s.replace(/\s+/g, ' ').trim();
    if (s.length < 3 || names.includes(s)) return;
    for (const x of theirs) if (x.re ? x.re.test(s) : s === x.s) { bad.push(where + ': "' + s + '" is ' + other + ' (' + x.k + ')'); return; }
    const parts = s.split(' / ');
    if (parts.length === 2 && ((has(parts[0], onlyDe) && has(parts[1], onlyEn)) || (has(parts[0], onlyEn) && has(parts[1], onlyDe)))) { bad.push(where + ': "' + s + '" mixes German and English'); return; }
    if (el.matches('button, button *, label, th, h1, h2, h3, legend, option, summary') && count(unname(s), onlyTheirs) >= 2) bad.push(where + ': "' + s + '" has ' + other + ' words');
  };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n; (n = walker.nextNode());) {
    const el = n.parentElement;
    if (!el || el.closest('script, style') || el.closest(USER) || !visible(el)) continue;
    check(n.textContent, el, el.tagName.toLowerCase() + (el.className && typeof el.className === 'string' ? '.' + el.className.split(' ')[0] : ''));
  }
  // A line or field in both languages, its halves in separate elements ("Einladung
  // <span>/ Invitation</span>", a label with an English <small>): judged as a whole.
  for (const el of document.querySelectorAll('h1, h2, h3, p, label, button, li, th, option, summary, legend')) {
    if (!visible(el) || el.closest(USER) || el.querySelector(USER)) continue;
    const s = unname(el.textContent.replace(/\s+/g, ' ').trim());
    const where = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '');
    const parts = s.split(/ \/ |\s\/(?=\s|\w)/);
    if (parts.length === 2 && ((has(parts[0], onlyDe) && has(parts[1], onlyEn)) || (has(parts[0], onlyEn) && has(parts[1], onlyDe)))) bad.push(where + ': "' + s.slice(0, 90) + '" mixes German and English');
    else if (count(s, onlyDe) >= 3 && count(s, onlyEn) >= 3) bad.push(where + ': "' + s.slice(0, 90) + '" mixes German and English');
  }
  for (const el of document.querySelectorAll('[placeholder], [aria-label], [title]')) {
    if (!visible(el) || el.closest(USER) || el.matches(USER)) continue;
    for (const a of ['placeholder', 'aria-label', 'title']) if (el.hasAttribute(a)) check(el.getAttribute(a), el, el.tagName.toLowerCase() + '[' + a + ']');
  }
  return [...new Set(bad)];
})()`

// settleJS waits until the view's text stops changing (two looks 150 ms apart) and no
// "loading" text is shown, so that what is checked is what the person reads.
const settleJS = `new Promise(resolve => {
  let last = '', same = 0, n = 0;
  const look = () => {
    const txt = document.body.innerText;
    const loading = /Lädt …|Loading …/.test(document.querySelector('main#view')?.innerText || '');
    same = (!loading && txt === last) ? same + 1 : 0;
    last = txt;
    if (same >= 2 || ++n > 60) resolve(true); else setTimeout(look, 150);
  };
  look();
})`

// Every view, in German and in English, shows only words of its language: no sentence
// of the other language, no "Deutsch / English" line (issue 18, item 8). It walks the
// views of a host operator, the user menu and the device history, and the join page's
// first screen. I18N_WALK_PUBLIC=<dir> runs it
// against another copy of the UI (to show that it finds the strings it was made for).
func TestI18nWalkEveryView(t *testing.T) {
	dir := PublicDir()
	if d := os.Getenv("I18N_WALK_PUBLIC"); d != "" {
		dir = d
	}
	s := testkit.StartServer(t, testkit.Options{Demo: true, NoMQTT: true, PublicDir: dir})
	b := testkit.NewBrowser(t)
	var problems []string
	walk := func(p *Person, lang string) {
		p.Run(chromedp.Evaluate(`localStorage.setItem('crisisroom_lang', `+JSString(lang)+`)`, nil), chromedp.Reload())
		p.Wait(`!!document.querySelector('#tenants button.tenant') && document.documentElement.lang === `+JSString(lang), "the app in "+lang)
		var ids []string
		p.Eval(`[...document.querySelectorAll('button.navbtn')].map(b => b.dataset.view)`, &ids)
		look := func(where string) {
			p.Eval(settleJS, nil)
			var bad []string
			p.Eval(wrongLanguageJS, &bad)
			for _, x := range bad {
				problems = append(problems, fmt.Sprintf("%s, %s, %s: %s", p.Username, lang, where, x))
			}
		}
		for _, id := range ids {
			p.Click(`document.querySelector('button.navbtn[data-view=`+id+`]')`, "view "+id)
			p.Wait(`document.querySelector('main#view').className === 'view-`+id+`'`, "view "+id+" open")
			look("view " + id)
			if id == "devices" {
				p.Wait(`!!document.querySelector('#devices tr[data-device] button.btn')`, "the device list")
				p.Click(`[...document.querySelectorAll('#devices tr[data-device] button.btn')].find(b => b.textContent === (document.documentElement.lang === 'de' ? 'Verlauf' : 'History'))`, "a device's history")
				p.Wait(`!!document.querySelector('dialog.dlg[open] h3')`, "the history dialog")
				look("device history")
				p.Run(chromedp.Evaluate(`document.querySelector('dialog.dlg[open]')?.close()`, nil))
			}
		}
		p.Click(`document.querySelector('#usermenu')`, "the user menu")
		p.Wait(`!!document.querySelector('dialog.dlg[open]')`, "the user menu open")
		look("user menu")
		p.Run(chromedp.Evaluate(`document.querySelector('dialog.dlg[open]')?.close()`, nil))
	}
	// A host operator sees every view there is (and the admin's of the host).
	p := Tab(t, b, s, "jwagner", 1366, 768)
	walk(p, "de")
	walk(p, "en")
	// The join page before anybody is signed in: a link without a code.
	j := Tab(t, b, s, "", 390, 844)
	for _, lang := range []string{"de", "en"} {
		j.Run(chromedp.Evaluate(`localStorage.setItem('crisisroom_lang', `+JSString(lang)+`)`, nil), chromedp.Navigate(s.URL+"/join.html#kaputt"))
		j.Wait(`document.getElementById('msg').textContent !== '' || !document.getElementById('paste').hidden`, "the join page")
		j.Eval(settleJS, nil)
		var bad []string
		j.Eval(wrongLanguageJS, &bad)
		for _, x := range bad {
			problems = append(problems, fmt.Sprintf("join page, %s: %s", lang, x))
		}
	}
	if len(problems) > 0 {
		t.Errorf("%d texts in the wrong language:\n%s", len(problems), strings.Join(problems, "\n"))
	}
}
