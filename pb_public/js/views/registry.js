// The screens in the main navigation besides "Nachrichten", in this order. Each path is
// a module relative to this folder whose default export is a view (see js/app.js).
export default [
  './admin.js',
  './fax.js',
  './invitations.js',
  './situation.js',
  './journal.js',
  './sirens.js',
  './devices.js',
  './search.js', './roster.js', './profile.js',
  './zemag.js', './complaints.js',
  './forms.js',
  './callout.js',
];
