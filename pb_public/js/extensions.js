// Modules that extend the shell or the messenger (see shell.js and messaging/state.js),
// imported once after sign-in, in this order. Paths are relative to this folder.
export default [
  './release-banner.js',
  './citystaff.js',
  './features/notify.js', './features/mentions.js', './features/pins.js', './features/forward.js',
  './features/forms.js',
  './callout-banner.js',
];
