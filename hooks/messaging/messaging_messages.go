package messaging

import (
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/gabriel-vasile/mimetype"
	"github.com/pocketbase/dbx"
	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/filesystem"
	"github.com/pocketbase/pocketbase/tools/hook"
	"github.com/pocketbase/pocketbase/tools/types"

	"crisisroom/apperr"
	"crisisroom/hooks/audit"
	"crisisroom/hooks/tenancy"
)

// MaxAttachmentSize is the largest file a message may carry.
const MaxAttachmentSize = 25 << 20

// Programs and scripts never travel through the room: a crisis is when people open
// attachments in a hurry.
var forbiddenExtensions = map[string]bool{
	".exe": true, ".bat": true, ".cmd": true, ".com": true, ".scr": true, ".js": true, ".vbs": true,
	".msi": true, ".sh": true, ".ps1": true, ".jar": true, ".dll": true, ".cpl": true, ".hta": true,
	".wsf": true, ".pif": true, ".msp": true, ".lnk": true, ".reg": true, ".jse": true, ".vbe": true,
}

var forbiddenMimes = []string{
	"application/x-msdownload", "application/vnd.microsoft.portable-executable", "application/x-dosexec",
	"application/x-ms-installer", "application/x-msi", "application/x-executable", "application/x-elf",
	"application/x-sh", "application/x-shellscript", "text/x-shellscript", "application/javascript",
	"text/javascript", "application/java-archive", "application/x-java-archive", "application/x-bat",
	"application/x-mach-binary",
}

func (ms *messaging) bindMessages(app core.App) {
	// First of all create request handlers: the create rule is empty (migration
	// 1796900000), so nothing may act on a request before this check has passed.
	app.OnRecordCreateRequest("messages").Bind(&hook.Handler[*core.RecordRequestEvent]{
		Id: "crisisroomMessagesCreateRule", Func: checkCreateRule, Priority: -1000,
	})
	app.OnRecordCreateRequest("messages").BindFunc(ms.onCreateRequest)
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		se.Router.Bind(&hook.Handler[*core.RequestEvent]{Id: "crisisroomMessagesCreateLog", Func: skipCreateSuccessLog})
		return se.Next()
	})
	app.OnRecordUpdateRequest("messages").BindFunc(ms.onUpdateRequest)

	// Every save passes here, also the room IT's and Go-side ones (fax gateway, MQTT).
	app.OnRecordValidate("messages").BindFunc(func(e *core.RecordEvent) error {
		for _, f := range e.Record.GetUnsavedFiles("attachments") {
			if err := checkAttachment(f); err != nil {
				return validation.Errors{"attachments": validation.NewError("validation_attachment_refused", err.Error())}
			}
		}
		// A reply answers a message of its own channel. Checked before PocketBase's own
		// relation check, so that a message of another channel and one that does not
		// exist get the same answer: the reply tells nothing of other channels.
		if to := e.Record.GetString("reply_to"); to != "" {
			orig, err := e.App.FindRecordById("messages", to)
			if err != nil || orig.GetString("channel") != e.Record.GetString("channel") {
				return validation.Errors{"reply_to": validation.NewError("validation_reply_elsewhere",
					apperr.Message("messaging.reply_elsewhere"))}
			}
		}
		return e.Next()
	})
	// Go-side saves (the seed, the fax gateway, MQTT) pass here too.
	app.OnRecordCreate("messages").BindFunc(func(e *core.RecordEvent) error {
		normaliseBody(e.Record)
		if e.Record.GetString("priority") == "" {
			e.Record.Set("priority", "normal")
		}
		ms.setAuthorOrg(e.App, e.Record)
		rememberUploadNames(e.Record)
		if e.Record.GetString("source") == "" {
			if e.Record.GetString("device") != "" {
				e.Record.Set("source", "mqtt")
			} else {
				e.Record.Set("source", "web")
			}
		}
		return e.Next()
	})
	app.OnRecordCreateExecute("messages").BindFunc(ms.orderedWrite)
	app.OnRecordAfterCreateSuccess("messages").BindFunc(func(e *core.RecordEvent) error {
		if needsReceipts(e.Record) {
			createReceipts(e.App, e.Record)
		}
		ms.fan.commit(e.Record, "create")
		return e.Next()
	})
	app.OnRecordAfterCreateError("messages").BindFunc(func(e *core.RecordErrorEvent) error {
		ms.fan.abandon(e.Record)
		return e.Next()
	})
	app.OnRecordUpdate("messages").BindFunc(func(e *core.RecordEvent) error {
		rememberUploadNames(e.Record)
		return e.Next()
	})
	app.OnRecordUpdateExecute("messages").BindFunc(ms.orderedWrite)
	app.OnRecordAfterUpdateSuccess("messages").BindFunc(func(e *core.RecordEvent) error {
		ms.fan.commit(e.Record, "update")
		return e.Next()
	})
	app.OnRecordAfterUpdateError("messages").BindFunc(func(e *core.RecordErrorEvent) error {
		ms.fan.abandon(e.Record)
		return e.Next()
	})

	// The stock REST answers and stock realtime events show a deleted message as a gap.
	app.OnRecordEnrich("messages").BindFunc(func(e *core.RecordEnrichEvent) error {
		if e.Record.GetBool("deleted") {
			e.Record.Set("body", "")
			e.Record.Set("attachments", []string{})
		}
		return e.Next()
	})
	// The files of a deleted message stay on disk as evidence, for the room's IT only.
	app.OnFileDownloadRequest("messages").BindFunc(func(e *core.FileDownloadRequestEvent) error {
		if e.Record.GetBool("deleted") && !tenancy.IsSuperuser(e.Auth) {
			return apperr.NotFound("messaging.message_deleted")
		}
		return e.Next()
	})
}

// orderedWrite takes a message's place in its channel's event sequence together with
// the write, so events leave in the order rows were stored. Inside a transaction the
// write connection already serialises writers; outside one, writeMu does (the lock is
// never taken inside a transaction, so it cannot wait on the connection's holder).
//
// A new message's created time also follows that order: it is later than the created time
// of every message written to its channel before by this process (channelClock), so two
// messages stored within one millisecond keep the order they were written in wherever
// created orders them (the history's pages, the browser's list), as the events do.
func (ms *messaging) orderedWrite(e *core.RecordEvent) error {
	if !e.App.IsTransactional() {
		ms.writeMu.Lock()
		defer ms.writeMu.Unlock()
	}
	channel := e.Record.GetString("channel")
	if e.Record.IsNew() && e.Record.GetDateTime("created").IsZero() {
		// Set before PocketBase's autodate, which keeps a value set by hand.
		e.Record.SetRaw("created", ms.clock.next(channel, types.NowDateTime()))
	}
	if err := e.Next(); err != nil {
		return err
	}
	ms.fan.reserve(channel, e.Record)
	return nil
}

// channelClock gives each channel's new messages strictly increasing created times, in
// PocketBase's millisecond steps: the clock's time, or a millisecond after the channel's
// last one when that is not earlier (two writes in one millisecond, or a clock set back).
type channelClock struct {
	mu   sync.Mutex
	last map[string]types.DateTime // by channel id; only channels written to since start
}

// next returns the created time of a message written now to channel.
func (c *channelClock) next(channel string, now types.DateTime) types.DateTime {
	// The stored text has milliseconds (types.DefaultDateLayout): compare in them.
	now, _ = types.ParseDateTime(now.Time().Truncate(time.Millisecond))
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.last == nil {
		c.last = map[string]types.DateTime{}
	}
	if last, ok := c.last[channel]; ok && !now.After(last) {
		now = last.Add(time.Millisecond)
	}
	c.last[channel] = now
	return now
}

// checkCreateRule is the messages create rule in Go (migration 1796900000): a superuser
// passes; anybody else must be a signed-in person (not a device or another auth
// collection) writing as themselves (author), not as a device, from the web (source empty
// or "web"). A refusal is PocketBase's own answer to a failed create rule, 400 "Failed to
// create record." (common.record_not_saved), so nobody learns which part failed.
func checkCreateRule(e *core.RecordRequestEvent) error {
	if e.HasSuperuserAuth() {
		return e.Next()
	}
	r := e.Record
	if e.Auth == nil || e.Auth.Collection().Name != "users" || r.GetString("author") != e.Auth.Id ||
		r.GetString("device") != "" || (r.GetString("source") != "" && r.GetString("source") != "web") {
		return e.BadRequestError("Failed to create record", nil)
	}
	return e.Next()
}

// skipCreateSuccessLog leaves a message create that succeeded out of PocketBase's request
// log (auxiliary.db), as PocketBase does for its realtime and auth routes: writing that row
// cost about 7 % of the appliance's CPU per message, and the message row itself keeps who
// wrote what, when and from where (author, author_org, created, source). Refused and failed
// creates are still logged with status, address and account.
func skipCreateSuccessLog(e *core.RequestEvent) error {
	if e.Request.Method == http.MethodPost && e.Request.URL.Path == "/api/collections/messages/records" {
		return apis.SkipSuccessActivityLog().Func(e)
	}
	return e.Next()
}

func (ms *messaging) onCreateRequest(e *core.RecordRequestEvent) error {
	if e.Auth == nil || e.Auth.Collection().Name != "users" {
		return e.Next() // checkCreateRule admits people only; superusers may write anywhere
	}
	// The channel check of the create rule, in one prepared query (migration 1796800000).
	// Before the client_key look-up, so that a person who lost the channel cannot learn
	// through a retry what they once wrote.
	if ok, err := tenancy.CanWriteIn(e.App, e.Auth.Id, e.Record.GetString("channel")); err != nil {
		return apperr.Internal(err)
	} else if !ok {
		return apperr.BadRequest("messaging.may_not_write_channel")
	}
	key := e.Record.GetString("client_key")
	if key != "" {
		if first := findByClientKey(e.App, e.Auth.Id, key); first != nil {
			return respondExisting(e, first)
		}
	}
	if err := checkAttachments(e.Record); err != nil {
		return err
	}
	// A guest (an outside expert) may write where the invitation allows it, but a Blitz
	// alarms the whole staff and asks everyone to acknowledge: only staff send one.
	if e.Record.GetString("priority") == "flash" && tenancy.IsGuestOnly(e.App, e.Auth.Id) {
		return apperr.Forbidden("messaging.guests_do_not_send")
	}
	e.Record.Set("deleted", false)
	e.Record.Set("edited", "")
	err := e.Next()
	if err != nil && key != "" {
		// A parallel retry won the unique index: answer with its record.
		if first := findByClientKey(e.App, e.Auth.Id, key); first != nil {
			return respondExisting(e, first)
		}
	}
	return err
}

// normaliseBody stores line breaks as "\n": browsers send form fields with "\r\n".
func normaliseBody(r *core.Record) {
	if b := r.GetString("body"); strings.Contains(b, "\r") {
		r.Set("body", strings.ReplaceAll(strings.ReplaceAll(b, "\r\n", "\n"), "\r", "\n"))
	}
}

// clientKeySQL asks, on every message, whether its client_key was sent before. The
// conditions on empty values let SQLite use the partial unique index.
const clientKeySQL = `SELECT id FROM messages WHERE author = {:author} AND client_key = {:key} AND client_key != '' AND author != '' LIMIT 1`

func findByClientKey(app core.App, author, key string) *core.Record {
	var id string
	if err := app.DB().NewQuery(clientKeySQL).Bind(dbx.Params{"author": author, "key": key}).Row(&id); err != nil || id == "" {
		return nil // nearly always: a first send
	}
	r, err := app.FindRecordById("messages", id)
	if err != nil {
		return nil
	}
	return r
}

func respondExisting(e *core.RecordRequestEvent, r *core.Record) error {
	if err := apis.EnrichRecord(e.RequestEvent, r); err != nil {
		return apperr.Internal(err)
	}
	e.Record = r
	return e.JSON(http.StatusOK, r)
}

func (ms *messaging) onUpdateRequest(e *core.RecordRequestEvent) error {
	if tenancy.IsSuperuser(e.Auth) {
		return e.Next()
	}
	orig := e.Record.Original()
	if orig.GetBool("deleted") {
		return apperr.BadRequest("messaging.deleted_message_cannot_changed")
	}
	if orig.GetBool("ack_required") != e.Record.GetBool("ack_required") {
		return apperr.BadRequest("messaging.whether_message_must_acknowledged")
	}
	if err := checkAttachments(e.Record); err != nil {
		return err
	}
	normaliseBody(e.Record)
	e.Record.Set("edited", orig.Get("edited")) // set by the server only
	// The organisation a message was written for is fixed when it is sent.
	e.Record.Set("author_org", orig.Get("author_org"))
	ch, _ := e.App.FindRecordById("channels", e.Record.GetString("channel"))
	org := ""
	if ch != nil {
		org = ch.GetString("organisation")
	}
	if e.Record.GetBool("deleted") {
		// The row stays so the conversation keeps its shape; the words go. The audit log
		// keeps a digest: it is read by admins who may not read the conversation.
		e.Record.Set("body", "")
		e.Record.Set("attachments", orig.GetStringSlice("attachments"))
		if err := e.Next(); err != nil {
			return err
		}
		audit.Write(e.App, audit.Entry{Actor: e.Auth, Action: "messages.delete", Organisation: org, Target: e.Record.Id, Data: map[string]any{
			"channel": e.Record.GetString("channel"), "body": audit.Digest(e.App, orig.GetString("body")), "attachments": len(orig.GetStringSlice("attachments")),
			"priority": orig.GetString("priority"), "created": orig.GetString("created"),
		}})
		return nil
	}
	bodyChanged := orig.GetString("body") != e.Record.GetString("body")
	filesChanged := strings.Join(orig.GetStringSlice("attachments"), "\x00") != strings.Join(e.Record.GetStringSlice("attachments"), "\x00") ||
		len(e.Record.GetUnsavedFiles("attachments")) > 0
	if !bodyChanged && !filesChanged {
		return e.Next()
	}
	// An edit says something new for the organisation the message was written for: only
	// while the author still writes for it there (setAuthorOrg's check at sending).
	if org := orig.GetString("author_org"); org != "" && !ms.writesFor(e.App, e.Record.GetString("channel"), orig.GetString("author"), org) {
		name := org
		if o := ms.dir.org(e.App, org); o != nil {
			name = o.Name
		}
		return apperr.Forbidden("messaging.no_longer_write_for", name)
	}
	e.Record.Set("edited", tenancy.NowDate())
	if err := e.Next(); err != nil {
		return err
	}
	audit.Write(e.App, audit.Entry{Actor: e.Auth, Action: "messages.edit", Organisation: org, Target: e.Record.Id, Data: map[string]any{
		"channel": e.Record.GetString("channel"), "before": audit.Digest(e.App, orig.GetString("body")), "after": audit.Digest(e.App, e.Record.GetString("body")),
		"attachments_before": len(orig.GetStringSlice("attachments")), "attachments_after": len(e.Record.GetStringSlice("attachments")),
	}})
	return nil
}

// checkAttachments refuses files that are too large or are programs, by name and by
// content, before anything is stored.
func checkAttachments(r *core.Record) error {
	for _, f := range r.GetUnsavedFiles("attachments") {
		if err := checkAttachment(f); err != nil {
			return err // an API error with its code (apperr)
		}
	}
	return nil
}

func checkAttachment(f *filesystem.File) error {
	if f.Size > MaxAttachmentSize {
		return apperr.BadRequest("messaging.attachment_too_large", f.OriginalName, float64(f.Size)/(1<<20))
	}
	ext := strings.ToLower(filepath.Ext(f.OriginalName))
	refuse := apperr.BadRequest("messaging.attachment_program", f.OriginalName)
	if forbiddenExtensions[ext] {
		return refuse
	}
	rd, err := f.Reader.Open()
	if err != nil {
		return apperr.New(http.StatusBadRequest, "messaging.attachment_unreadable", err)
	}
	defer rd.Close()
	mt, err := mimetype.DetectReader(rd)
	if err != nil {
		return apperr.New(http.StatusBadRequest, "messaging.attachment_unreadable", err)
	}
	for m := mt; m != nil; m = m.Parent() {
		for _, bad := range forbiddenMimes {
			if m.Is(bad) {
				return refuse
			}
		}
	}
	return nil
}

// createReceipts gives every member but the author a receipt, so that read and
// acknowledged can be counted per recipient.
func createReceipts(app core.App, m *core.Record) {
	coll, err := app.FindCachedCollectionByNameOrId("receipts")
	if err != nil {
		return
	}
	members := liveChannelMembers(app, m.GetString("channel"))
	err = app.RunInTransaction(func(tx core.App) error {
		for _, cm := range members {
			if cm.User == m.GetString("author") {
				continue
			}
			if _, err := tx.FindFirstRecordByFilter("receipts", "message = {:m} && user = {:u}", dbx.Params{"m": m.Id, "u": cm.User}); err == nil {
				continue
			}
			r := core.NewRecord(coll)
			r.Set("message", m.Id)
			r.Set("user", cm.User)
			if err := tx.Save(r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		app.Logger().Error("receipts not created", "message", m.Id, "error", err)
	}
}
