package messaging

import (
	"sync"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
)

// messaging: messages, receipts, the realtime fan-out, the routes of the messaging UI
// and device sessions. Every route checks channel membership on the server.
type messaging struct {
	dir      *directory
	fan      *fanout
	stock    *stockWatch
	admit    *admission // realtime connections that hold no subscription, per address
	directMu sync.Mutex // one direct conversation per pair, even when both start it at once
	writeMu  sync.Mutex // see orderedWrite
	clock    channelClock
}

func Register(app core.App) {
	dir := newDirectory(app)
	ms := &messaging{dir: dir, fan: newFanout(app, dir), stock: newStockWatch(), admit: newAdmission()}
	ms.bindMessages(app)
	ms.bindRealtime(app)
	ms.bindStockWatch(app)
	ms.bindReceipts(app)
	ms.bindSessions(app)
	// A guest is marked wherever PocketBase's own API shows a person (expand=author, the
	// users list), as the appliance's routes and events mark it (Person.Guest).
	app.OnRecordEnrich("users").BindFunc(func(e *core.RecordEnrichEvent) error {
		if p := dir.person(e.App, e.Record.Id); p != nil && p.Guest {
			e.Record.WithCustomData(true)
			e.Record.Set("guest", true)
		}
		return e.Next()
	})
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		g := se.Router.Group("/api/crisisroom")
		g.Bind(apis.RequireAuth("users"))
		g.GET("/channels", ms.handleChannels)
		g.GET("/unread", ms.handleUnread)
		g.GET("/channels/{id}/messages", ms.handleMessages)
		g.POST("/channels/{id}/read", ms.handleRead)
		g.GET("/channels/{id}/files", ms.handleFiles)
		g.POST("/messages/{id}/ack", ms.handleAck)
		g.GET("/messages/{id}/receipts", ms.handleReceipts)
		g.GET("/flashes", ms.handleFlashes)
		g.POST("/direct", ms.handleDirect)
		g.GET("/people", ms.handlePeople)
		g.GET("/sessions", ms.handleSessions)
		g.POST("/users/{id}/signout", ms.handleSignout)
		return se.Next()
	})
}
