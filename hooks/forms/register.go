// Package forms is the staff's message flow: the functions of the staff as data, the
// Nachrichtenvordruck (four-part message form) with its enforced flow (THW DV 1-101
// ch. 4.3, pp. 4-63f), the in/out register (Nachweisung), orders (tasks) and the next
// Lagebesprechung. Every step is a server-side action that checks the form's state and
// the person's function; each is recorded append-only in form_events, and decisions
// and orders go into the host's Einsatztagebuch (hooks/journal).
package forms

import (
	"sync"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"

	"crisisroom/hooks/audit"
)

var once sync.Once

// Register binds the routes under /api/crisisroom/forms, …/functions, …/tasks and
// …/briefing, the fax intake, the upkeep of the functions, and the demo's functions.
func Register(app core.App) {
	once.Do(func() {
		audit.AppendOnlyCollections = append(audit.AppendOnlyCollections, "form_events")
	})
	bindRealtime(app)
	// form_events: nobody rewrites a step, also not Go code or a superuser.
	refuse := func(e *core.RecordEvent) error { return errAppendOnly }
	app.OnRecordUpdate("form_events").BindFunc(refuse)
	app.OnRecordDelete("form_events").BindFunc(refuse)

	app.OnRecordAfterCreateSuccess("faxes").BindFunc(func(e *core.RecordEvent) error {
		if err := faxIntake(e.App, e.Record); err != nil {
			e.App.Logger().Error("fax intake as form failed", "fax", e.Record.Id, "error", err)
		}
		return e.Next()
	})
	app.OnRecordAfterUpdateSuccess("faxes").BindFunc(func(e *core.RecordEvent) error {
		if err := faxIntake(e.App, e.Record); err != nil {
			e.App.Logger().Error("fax intake as form failed", "fax", e.Record.Id, "error", err)
		}
		if err := faxFailed(e.App, e.Record); err != nil {
			e.App.Logger().Error("failed fax not returned to its form", "fax", e.Record.Id, "error", err)
		}
		return e.Next()
	})
	// A new organisation gets its Verbindungsstelle.
	app.OnRecordAfterCreateSuccess("organisations").BindFunc(func(e *core.RecordEvent) error {
		if err := EnsureFunctions(e.App); err != nil {
			e.App.Logger().Error("staff functions", "error", err)
		}
		return e.Next()
	})

	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		if err := EnsureFunctions(se.App); err != nil {
			se.App.Logger().Error("staff functions", "error", err)
		}
		g := se.Router.Group("/api/crisisroom")
		g.Bind(apis.RequireAuth("users"), apis.BodyLimit(64<<10))
		g.GET("/functions", handleFunctions)
		g.POST("/functions/{id}/holders", handleHolder)
		g.GET("/forms", handleList)
		g.POST("/forms", handleCreate)
		g.GET("/forms/queues", handleQueues)
		g.POST("/forms/capture", handleCapture)
		g.GET("/forms/register", handleRegister)
		g.GET("/forms/{id}", handleGet)
		g.PATCH("/forms/{id}", handleUpdate)
		g.GET("/forms/{id}/pdf", handlePDF)
		g.POST("/forms/{id}/{action}", handleStep)
		g.GET("/tasks", handleTasks)
		g.POST("/tasks", handleCreateTask)
		g.POST("/tasks/{id}/status", handleTaskStatus)
		g.GET("/briefing", handleBriefing)
		g.POST("/briefing", handleSetBriefing)
		g.POST("/briefing/results", handleResults)
		return se.Next()
	})
}
