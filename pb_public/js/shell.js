// Extension points of the app shell (app.js) for features that are not a view of their
// own: something in the top bar, in the user menu, or code that runs once per sign-in.
//
//   topBarSlots.push(ctx => Node|null)        drawn in the top bar's tools, before the language button
//   userMenuItems.push(ctx => Node|null)      a button in the user menu (e.g. "Profil")
//   onSignIn.push(ctx => cleanup|void)        runs after sign-in (and again after a reload); the
//                                             cleanup runs at sign-out
//   banner(id, node|draw|null)                shows (or with null removes) a banner above every view,
//                                             below the Blitz bar: e.g. a siren waiting for release;
//                                             it stays when the shell is drawn anew (draw() is
//                                             called again then: the new language)
//   detailsToggle(el)                         makes a banner's text (.flash-body) the keyboard's way
//                                             to its details, as a tap is (banner() does it itself)
//
// Modules that use them are listed in ./extensions.js; app.js imports each once after
// sign-in, before the shell is drawn. ctx is the same object views get (see app.js).

export const topBarSlots = [];
export const userMenuItems = [];
export const onSignIn = [];

// The banners shown, by id: the shell draws its banner area anew (a language switch),
// and a banner must outlive that until its module removes it (an open call-out must never
// vanish). A banner given as a function is drawn again then, in the new language.
const shownBanners = new Map();

export function banner(id, node) {
  if (!node) shownBanners.delete(id); else shownBanners.set(id, node);
  const box = document.getElementById('banners');
  if (!box) return;
  const old = box.querySelector(`:scope > [data-banner="${CSS.escape(id)}"]`);
  if (!node) { if (old) old.remove(); return; }
  const el = typeof node === 'function' ? node() : node;
  el.dataset.banner = id;
  const text = el.querySelector(':scope > .flash-body');
  if (text) detailsToggle(text);
  if (old) old.replaceWith(el); else if (el.dataset.first) box.prepend(el); else box.append(el);
}

// redrawBanners puts the banners shown into a new banner area (app.js, after drawing the
// shell), in their order, a banner given as a function drawn anew; one whose element says
// data-first (a call-out: on a phone the area scrolls, its answer must be in sight) first.
export function redrawBanners() {
  const box = document.getElementById('banners');
  if (!box) return;
  for (const [id, node] of shownBanners) {
    if (box.querySelector(`:scope > [data-banner="${CSS.escape(id)}"]`)) continue;
    const el = typeof node === 'function' ? node() : node;
    el.dataset.banner = id;
    const text = el.querySelector(':scope > .flash-body');
    if (text) detailsToggle(text);
    if (el.dataset.first) box.prepend(el); else box.append(el);
  }
}

// A banner's text opens its details when tapped (the banner area's click handler in app.js
// toggles .expanded); on a phone the details hold buttons (the minutes of a call-out's
// answer, "Ich komme nicht", "Im Kanal zeigen"), so the keyboard must reach them too:
// the text becomes a button (Enter or Space) that says whether it is open.
export function detailsToggle(el) {
  if (el.dataset.toggle) return el;
  el.dataset.toggle = '1';
  el.tabIndex = 0;
  el.setAttribute('role', 'button');
  const state = () => el.setAttribute('aria-expanded', String(!!el.parentElement && el.parentElement.classList.contains('expanded')));
  state();
  el.addEventListener('click', () => setTimeout(state));
  el.addEventListener('keydown', ev => { if (ev.key === 'Enter' || ev.key === ' ') { ev.preventDefault(); el.click(); } });
  return el;
}
