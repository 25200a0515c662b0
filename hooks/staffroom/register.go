// Package staffroom holds what a crisis staff asks for first, on top of messaging:
// @mentions (who is named in a message is told, counted per channel), pins, forwarding,
// the search over every channel one may read (SQLite FTS5), the duty roster with
// presence, and the Blitz follow-up (a reminder to those who have not acknowledged, and
// to the sender a list of who still has not).
//
// Every route asks the one definition of a live channel membership (hooks.ChannelMember)
// before it reads or writes anything of a channel; what one person is told lives in the
// notices collection, which only that person sees (migrations/1796350000_staffroom.go).
package staffroom

import (
	"os"
	"time"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
)

// DefaultRemindAfter is how long a Blitz waits for acknowledgements before the follow-up
// reminds those who have not acknowledged (FwDV 100 asks a Blitz to be answered at once;
// five minutes is long enough not to nag a person who is reading it).
const DefaultRemindAfter = 5 * time.Minute

// RemindAfterEnv names the environment variable that sets the Blitz follow-up delay as a
// Go duration ("90s", "10m"); "0" or "off" turns the automatic reminder off.
const RemindAfterEnv = "CRISISROOM_BLITZ_REMIND_AFTER"

// Config is the staff room's configuration.
type Config struct {
	// RemindAfter: a Blitz unacknowledged this long is followed up once (0: DefaultRemindAfter;
	// negative: never automatically; the sender's "remind" still works).
	RemindAfter time.Duration
}

type staffroom struct {
	remindAfter time.Duration
	presence    *presence
}

// Register binds the staff room's hooks and routes to app. The Blitz follow-up delay is
// cfg.RemindAfter, overridden by the environment variable RemindAfterEnv when it is set.
func Register(app core.App, cfg Config) {
	s := &staffroom{remindAfter: cfg.RemindAfter, presence: newPresence()}
	if s.remindAfter == 0 {
		s.remindAfter = DefaultRemindAfter
	}
	if v := os.Getenv(RemindAfterEnv); v != "" {
		if v == "off" || v == "0" {
			s.remindAfter = -1
		} else if d, err := time.ParseDuration(v); err == nil && d > 0 {
			s.remindAfter = d
		} else {
			app.Logger().Warn("ignoring an invalid Blitz follow-up delay", "env", RemindAfterEnv, "value", v)
		}
	}
	s.bindMentions(app)
	s.bindSettings(app)
	s.bindFollowUp(app)
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		g := se.Router.Group("/api/crisisroom")
		g.Bind(apis.RequireAuth("users"))
		g.GET("/search", s.handleSearch)
		g.GET("/messages/{id}/context", s.handleContext)
		g.GET("/channels/{id}/pins", s.handlePins)
		g.POST("/messages/{id}/pin", s.handlePin)
		g.DELETE("/messages/{id}/pin", s.handleUnpin)
		g.POST("/messages/{id}/forward", s.handleForward)
		g.POST("/messages/{id}/remind", s.handleRemind)
		g.GET("/mentions", s.handleMentionCounts)
		g.GET("/channels/{id}/mentionable", s.handleMentionable)
		g.GET("/roster", s.handleRoster)
		g.POST("/presence", s.handlePresence)
		g.GET("/profile/settings", s.handleOwnSettings)
		g.POST("/profile/settings", s.handleSettings)
		return se.Next()
	})
}
