package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// The channel check of a new message moves from the create rule into one prepared SQL
// query of the create hook (messaging.onCreateRequest, tenancy.CanWriteIn). The rule's
// @request.auth.channel_members_via_user joins made PocketBase parse the users
// collection's indexes and build, prepare and run a query of several joins on every
// message: 40 % of the appliance's CPU under a stream of messages. The rule keeps what
// costs no join (a signed-in person, writing as themselves, not as a device); the hook
// answers 400 as the rule did when the person may not write in the channel.
// TestWriterCheckAgreesWithRule holds the hook's query and the old rule piece together.
func init() {
	m.Register(upMessagesWriterCheck, downMessagesWriterCheck, "1796800000_messages_create_writer_check.go")
}

// MessagesCreateRule is the messages create rule from this migration on.
const MessagesCreateRule = `(author = @request.auth.id && ` + isUser + ` && device = "" && (source = "" || source = "web"))`

// MessagesCreateRuleBefore is the rule before it: the same and the channel check.
var MessagesCreateRuleBefore = allOf(`author = @request.auth.id`, `device = ""`, `(source = "" || source = "web")`, `channel.archived = false`, writerIn("channel"))

// ChannelWriterRule is the channel check the create rule made before (a live, not
// read-only channel membership, in a channel not archived) as a rule of the channels
// collection, for the test that holds it and tenancy.ChannelWriterSQL together.
var ChannelWriterRule = allOf(`archived = false`, writerIn("id"))

func setMessagesCreateRule(app core.App, rule string) error {
	c, err := app.FindCollectionByNameOrId("messages")
	if err != nil {
		return err
	}
	c.CreateRule = ptr(rule)
	return app.Save(c)
}

func upMessagesWriterCheck(app core.App) error {
	return setMessagesCreateRule(app, MessagesCreateRule)
}

func downMessagesWriterCheck(app core.App) error {
	return setMessagesCreateRule(app, MessagesCreateRuleBefore)
}
