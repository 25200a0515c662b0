package messaging

import (
	"encoding/json"
	"unicode/utf8"

	"github.com/pocketbase/pocketbase/core"
)

// rememberUploadNames keeps the names attachments had when they were sent
// (messages.attachment_names, stored name → name as uploaded), for the files being saved
// now; names of files no longer attached are dropped. Whatever a client sends in the field
// itself is replaced: only the upload decides.
func rememberUploadNames(m *core.Record) {
	names := map[string]string{}
	if orig := m.Original(); orig != nil && !m.IsNew() {
		_ = json.Unmarshal([]byte(orig.GetString("attachment_names")), &names)
	}
	for _, f := range m.GetUnsavedFiles("attachments") {
		if f.OriginalName != "" && utf8.ValidString(f.OriginalName) && len(f.OriginalName) <= 255 {
			names[f.Name] = f.OriginalName
		}
	}
	keep := map[string]string{}
	for _, n := range m.GetStringSlice("attachments") {
		if v, ok := names[n]; ok {
			keep[n] = v
		}
	}
	for _, f := range m.GetUnsavedFiles("attachments") {
		if v, ok := names[f.Name]; ok {
			keep[f.Name] = v
		}
	}
	if len(keep) == 0 {
		m.Set("attachment_names", nil)
		return
	}
	m.Set("attachment_names", keep)
}
