package callout

import (
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
)

// Connected reports whether the person has a live realtime (SSE) connection to the
// appliance right now: a PocketBase realtime client that has subscribed with the
// person's token (the web app subscribes to crisisroom/me as soon as it signs in). It
// reads PocketBase's own table of connections, so there is no second record of
// presence to drift; a closed laptop's connection ends when its TCP connection does.
func Connected(app core.App, userId string) bool {
	if userId == "" {
		return false
	}
	for _, c := range app.SubscriptionsBroker().Clients() {
		if c.IsDiscarded() {
			continue
		}
		if a, _ := c.Get(apis.RealtimeClientAuthKey).(*core.Record); a != nil && a.Id == userId && a.Collection().Name == "users" {
			return true
		}
	}
	return false
}
