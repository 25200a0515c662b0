// Loads the staff room's style sheet once (a <link>: the CSP allows only the app's own
// style sheets, no inline styles).
export function ensureStyle() {
  if (document.getElementById('features-css')) return;
  const l = document.createElement('link');
  l.rel = 'stylesheet'; l.href = '/features.css'; l.id = 'features-css';
  document.head.append(l);
}
ensureStyle();
