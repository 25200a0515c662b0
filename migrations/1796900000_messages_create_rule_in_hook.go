package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// The rest of the messages create rule (a signed-in person, writing as themselves, not
// as a device, from the web) moves into the create hook (messaging.checkCreateRule, the
// first handler of every message create request), which answers as the rule did: 400
// "Failed to create record". PocketBase checks a non-empty create rule with a query of its
// own on every create (a WITH of the whole record under a fresh random name, so SQLite
// parses and prepares it anew each time): 12 % of the appliance's CPU under a stream of
// messages, for four comparisons Go makes for free. An empty rule is the only one for
// which PocketBase runs no query; the hook refuses everybody the old rule refused
// (TestMessagesCreateRuleInHook, and the attacker suite's create rows).
func init() {
	m.Register(upMessagesCreateRuleInHook, downMessagesCreateRuleInHook, "1796900000_messages_create_rule_in_hook.go")
}

func upMessagesCreateRuleInHook(app core.App) error {
	return setMessagesCreateRule(app, "")
}

func downMessagesCreateRuleInHook(app core.App) error {
	return setMessagesCreateRule(app, MessagesCreateRule)
}
