package messaging

import (
	"fmt"
	"sync"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"crisisroom/hooks/tenancy"
)

// recipientTTL bounds how long a channel's cached live members are trusted without a
// write: an end date (of a channel row or an organisation membership) passes by the clock
// alone, and the figure it feeds may then be off by one for at most this long. At one
// second a channel with a message every few seconds missed the cache nearly every time.
const recipientTTL = 10 * time.Second

// recipientCache keeps the live members (tenancy.LiveChannelMemberSQL) of each channel for
// the receipt figure of a message event ("read by 3 of 99"). Counting them is a query
// with nested look-ups per member (membership, organisation, the channel's participants);
// done for every new message it was 15 % of the appliance's CPU at 150 messages/s to
// 100-member channels. Any write to channel_members (except a member's last_read moving,
// which happens on every read), memberships, organisations or channels empties the cache.
// It feeds a figure people see, never who receives an event: that is the fan-out's
// topic index, checked on every change of membership.
type recipientCache struct {
	mu   sync.Mutex
	gen  uint64
	sets map[string]recipientSet // by channel id
	// reads counts moves of a last_read: a set loaded while one moved may hold an older
	// maxRead and is not kept.
	reads uint64
}

type recipientSet struct {
	gen   uint64
	read  time.Time
	users map[string]struct{}
	// maxRead is the latest last_read among the live members (PocketBase's date text,
	// which sorts as time): a message created after it has been read by nobody yet, which
	// is every new message, so its event needs no query for who has read it.
	maxRead string
}

func newRecipientCache(app core.App) *recipientCache {
	c := &recipientCache{sets: map[string]recipientSet{}}
	reset := func(e *core.RecordEvent) error {
		c.reset()
		return e.Next()
	}
	names := []string{"memberships", "organisations", "channels"}
	app.OnRecordAfterCreateSuccess(names...).BindFunc(reset)
	app.OnRecordAfterUpdateSuccess(names...).BindFunc(reset)
	app.OnRecordAfterDeleteSuccess(names...).BindFunc(reset)
	app.OnRecordAfterCreateSuccess("channel_members").BindFunc(reset)
	app.OnRecordAfterDeleteSuccess("channel_members").BindFunc(reset)
	app.OnRecordAfterUpdateSuccess("channel_members").BindFunc(func(e *core.RecordEvent) error {
		if onlyReadMoved(e.Record) {
			c.noteRead(e.Record.GetString("channel"), e.Record.GetString("last_read"))
		} else {
			c.reset()
		}
		return e.Next()
	})
	return c
}

func (c *recipientCache) reset() {
	c.mu.Lock()
	c.gen++
	clear(c.sets)
	c.mu.Unlock()
}

// noteRead follows a member's last_read moving to lastRead in a channel.
func (c *recipientCache) noteRead(channelId, lastRead string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.reads++
	if set, ok := c.sets[channelId]; ok && lastRead > set.maxRead {
		set.maxRead = lastRead
		c.sets[channelId] = set
	}
}

// onlyReadMoved: a channel_members update changed nothing but last_read (and updated).
func onlyReadMoved(r *core.Record) bool {
	orig := r.Original()
	for _, f := range r.Collection().Fields {
		name := f.GetName()
		if name == "last_read" || name == "updated" {
			continue
		}
		if fmt.Sprint(orig.Get(name)) != fmt.Sprint(r.Get(name)) {
			return false
		}
	}
	return true
}

// members returns the live members of a channel, by user id, and the latest last_read
// among them ("\uffff" when unknown: a read moved while they were loaded).
func (c *recipientCache) members(app core.App, channelId string) (map[string]struct{}, string, error) {
	now := time.Now()
	c.mu.Lock()
	set, ok := c.sets[channelId]
	gen, reads := c.gen, c.reads
	c.mu.Unlock()
	if ok && set.gen == gen && now.Sub(set.read) < recipientTTL {
		return set.users, set.maxRead, nil
	}
	var rows []struct {
		User     string `db:"user"`
		LastRead string `db:"last_read"`
	}
	err := app.DB().NewQuery(`SELECT user, last_read FROM channel_members WHERE channel = {:c} AND ` + tenancy.LiveChannelMemberSQL("channel_members")).
		Bind(dbx.Params{"c": channelId}).All(&rows)
	if err != nil {
		return nil, "", err
	}
	m := make(map[string]struct{}, len(rows))
	maxRead := ""
	for _, r := range rows {
		m[r.User] = struct{}{}
		maxRead = max(maxRead, r.LastRead)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.reads != reads {
		return m, unknownRead, nil
	}
	if c.gen == gen { // no write since the query began
		c.sets[channelId] = recipientSet{gen: gen, read: now, users: m, maxRead: maxRead}
	}
	return m, maxRead, nil
}

// unknownRead sorts after every date: "someone may have read anything".
const unknownRead = "\uffff"

// readersSQL runs for every new message's event.
const readersSQL = `SELECT user FROM channel_members WHERE channel = {:c} AND last_read != '' AND last_read >= {:created}`

// summary is plainReceiptSummary from the cached members: the live members but the
// author, and those of them whose last_read reaches the message (one short query on the
// channel's rows, skipped when no member has read that far: a new message).
func (c *recipientCache) summary(app core.App, m *core.Record) ReceiptSummary {
	channelId, author := m.GetString("channel"), m.GetString("author")
	users, maxRead, err := c.members(app, channelId)
	if err != nil {
		return plainReceiptSummary(app, channelId, m)
	}
	var readers []string
	if created := m.GetString("created"); created <= maxRead {
		if err = app.DB().NewQuery(readersSQL).Bind(dbx.Params{"c": channelId, "created": created}).Column(&readers); err != nil {
			return plainReceiptSummary(app, channelId, m)
		}
	}
	s := ReceiptSummary{Total: len(users)}
	if _, ok := users[author]; ok {
		s.Total--
	}
	for _, u := range readers {
		if _, ok := users[u]; ok && u != author {
			s.Read++
		}
	}
	return s
}
