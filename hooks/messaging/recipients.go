package messaging

import (
	"fmt"
	"sync"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"crisisroom/hooks/tenancy"
	"crisisroom/prepared"
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
}

type recipientSet struct {
	gen   uint64
	read  time.Time
	users map[string]struct{}
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
		if !onlyReadMoved(e.Record) {
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

// members returns the live members of a channel, by user id.
func (c *recipientCache) members(app core.App, channelId string) (map[string]struct{}, error) {
	now := time.Now()
	c.mu.Lock()
	set, ok := c.sets[channelId]
	gen := c.gen
	c.mu.Unlock()
	if ok && set.gen == gen && now.Sub(set.read) < recipientTTL {
		return set.users, nil
	}
	var users []string
	err := app.DB().NewQuery(`SELECT user FROM channel_members WHERE channel = {:c} AND ` + tenancy.LiveChannelMemberSQL("channel_members")).
		Bind(dbx.Params{"c": channelId}).Column(&users)
	if err != nil {
		return nil, err
	}
	m := make(map[string]struct{}, len(users))
	for _, u := range users {
		m[u] = struct{}{}
	}
	c.mu.Lock()
	if c.gen == gen { // no write since the query began
		c.sets[channelId] = recipientSet{gen: gen, read: now, users: m}
	}
	c.mu.Unlock()
	return m, nil
}

// readersStmt runs for every new message's event: kept prepared.
var readersStmt = prepared.New(`SELECT user FROM channel_members WHERE channel = {:c} AND last_read != '' AND last_read >= {:created}`)

// summary is plainReceiptSummary from the cached members: the live members but the
// author, and those of them whose last_read reaches the message (one short query on the
// channel's rows).
func (c *recipientCache) summary(app core.App, m *core.Record) ReceiptSummary {
	channelId, author := m.GetString("channel"), m.GetString("author")
	users, err := c.members(app, channelId)
	if err != nil {
		return plainReceiptSummary(app, channelId, m)
	}
	readers, err := readersStmt.Column(app, dbx.Params{"c": channelId, "created": m.GetString("created")})
	if err != nil {
		return plainReceiptSummary(app, channelId, m)
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
