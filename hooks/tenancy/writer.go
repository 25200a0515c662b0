package tenancy

import (
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// ChannelWriterSQL is the SQL condition "the user may write into the channel": a
// channel_members row of alias for that channel which is live (LiveChannelMemberSQL)
// and not read-only, in a channel (joined as chAlias) that is not archived. It is what the
// messages create rule said with @request.auth.channel_members_via_user joins
// (migrations.WriterRule); TestWriterCheckAgreesWithRule holds the two together.
func ChannelWriterSQL(alias, chAlias string) string {
	return "(" + alias + ".role != 'readonly' AND " + chAlias + ".archived = FALSE AND " + LiveChannelMemberSQL(alias) + ")"
}

// writerSQL runs on every message a person sends (its statement stays prepared on each
// connection: durability.Connect).
var writerSQL = `SELECT COUNT(*) FROM channel_members cm JOIN channels ch ON ch.id = cm.channel
	WHERE cm.user = {:user} AND cm.channel = {:channel} AND ` + ChannelWriterSQL("cm", "ch")

// CanWriteIn reports whether userId may write a message into channelId: a live channel
// membership (ChannelMember's definition) that is not read-only, in a channel that is
// not archived. Empty ids never qualify. An error means the database did not answer;
// callers refuse then.
func CanWriteIn(app core.App, userId, channelId string) (bool, error) {
	if userId == "" || channelId == "" {
		return false, nil
	}
	var n int
	err := app.DB().NewQuery(writerSQL).Bind(dbx.Params{"user": userId, "channel": channelId}).Row(&n)
	return n > 0, err
}
