package hooks

import (
	"context"
	"errors"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"golang.org/x/sync/semaphore"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/filesystem"
	"github.com/pocketbase/pocketbase/tools/list"

	"crisisroom/apperr"
	"crisisroom/imagebound"
)

// MaxImagePixels is the most pixels (width × height) an image may declare in its header
// to be stored or thumbnailed (imagebound.MaxPixels, where the choice is explained).
const MaxImagePixels = imagebound.MaxPixels

// thumbWait is how long a thumbnail waits for memory before the original is served
// instead (PocketBase's own default wait for its workers).
const thumbWait = 60 * time.Second

// thumbBudget is the pixels of the thumbnails being made at once. It is one for the
// process, since memory is (tests run several appliances in one). FIFO: a large image
// waiting is not overtaken by a stream of small ones.
var thumbBudget = semaphore.NewWeighted(MaxImagePixels)

// PocketBase's thumbnail sizes every file field allows, and the content types it makes
// thumbnails of (apis/file.go).
var (
	defaultThumbSizes = []string{"100x100"}
	thumbContentTypes = []string{"image/png", "image/jpg", "image/jpeg", "image/gif", "image/webp"}
)

// RegisterImageBounds keeps decompression bombs (a small file declaring a huge image)
// away from the server's memory:
//   - every save of a record (API or our own routes, any collection) refuses a new file
//     whose image header declares more than MaxImagePixels: 400 with code
//     common.image_too_large, before anything is stored;
//   - a thumbnail (GET /api/files/…?thumb=WxH) of a stored image over the bound, or whose
//     header cannot be read, is not made: the original file is served, as PocketBase does
//     when it cannot make a thumbnail, and the image is never decoded here;
//   - thumbnails being made at once share a budget of MaxImagePixels pixels (one image at
//     the bound, or four 12 MP photos), so memory stays bounded whatever the number of
//     requests.
//
// Only headers are read (imagebound.Check), never the pixels.
func RegisterImageBounds(app core.App) {
	app.OnRecordValidate().BindFunc(func(e *core.RecordEvent) error {
		for _, f := range e.Record.Collection().Fields {
			if f.Type() != core.FieldTypeFile {
				continue
			}
			for _, file := range e.Record.GetUnsavedFiles(f.GetName()) {
				if err := checkImageFile(file); err != nil {
					return err
				}
			}
		}
		return e.Next()
	})

	thumbs := &thumbBound{budget: thumbBudget}
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		// A middleware, because PocketBase makes the thumbnail inside its download
		// handler, before the download hook runs.
		se.Router.BindFunc(thumbs.serve)
		return se.Next()
	})
}

// checkImageFile is the API error (400, common.image_too_large) of a file whose image
// header declares more than MaxImagePixels; nil for smaller images and for files that are
// no image Go can read (PocketBase cannot decode those either).
func checkImageFile(f *filesystem.File) error {
	rd, err := f.Reader.Open()
	if err != nil {
		return nil // PocketBase reports an unreadable upload itself
	}
	defer rd.Close()
	var tl *imagebound.TooLargeError
	if _, _, err := imagebound.Check(rd); errors.As(err, &tl) {
		return apperr.BadRequest("common.image_too_large", tl.Width, tl.Height, MaxImagePixels/1_000_000)
	}
	return nil
}

// thumbBound decides, before PocketBase's download handler, whether a thumbnail may be
// made and waits for its share of the memory budget.
type thumbBound struct {
	budget *semaphore.Weighted // in pixels, MaxImagePixels in all
}

func (t *thumbBound) serve(e *core.RequestEvent) error {
	if e.Request.Method != http.MethodGet || !strings.HasPrefix(e.Request.URL.Path, "/api/files/") {
		return e.Next()
	}
	size := e.Request.URL.Query().Get("thumb")
	if size == "" {
		return e.Next()
	}
	// the values PocketBase's download route reads, as its router matched them
	coll, id, name := e.Request.PathValue("collection"), e.Request.PathValue("recordId"), e.Request.PathValue("filename")
	if coll == "" || id == "" || name == "" {
		return e.Next()
	}
	pixels, ok, err := thumbPixels(e.App, coll, id, name, size)
	if err != nil || !ok {
		// Not a thumbnail PocketBase would make (no such record or size, not an image,
		// or already made): its answer as ever.
		return e.Next()
	}
	if pixels < 0 {
		e.App.Logger().Warn("Thumbnail refused: image over the pixel bound or unreadable header",
			"collection", coll, "record", id, "file", name)
		return originalInstead(e)
	}
	ctx, cancel := context.WithTimeout(e.Request.Context(), thumbWait)
	defer cancel()
	w := min(max(pixels, 1), MaxImagePixels)
	if err := t.budget.Acquire(ctx, w); err != nil {
		return originalInstead(e)
	}
	defer t.budget.Release(w)
	err = e.Next()
	if w >= freeAfterPixels {
		// The decoded image is garbage now, but Go keeps the pages for minutes: a 48 MP
		// PNG left the appliance at 380 MB instead of 50 MB. Give them back at once.
		debug.FreeOSMemory()
	}
	return err
}

// freeAfterPixels is the size of image (in pixels, 8 MP: about 100 MB while it is being
// thumbnailed) after whose thumbnail the memory is given back to the system.
const freeAfterPixels = 8_000_000

// originalInstead drops the thumb parameter, so PocketBase serves the original file
// (after its own access check) without decoding it.
func originalInstead(e *core.RequestEvent) error {
	q := e.Request.URL.Query()
	q.Del("thumb")
	e.Request.URL.RawQuery = q.Encode()
	return e.Next()
}

// thumbPixels tells whether PocketBase would make a new thumbnail of size for the file
// (ok) and how many pixels its header declares: -1 when over MaxImagePixels or the header
// cannot be read. err is a lookup failure, which PocketBase answers itself.
func thumbPixels(app core.App, collection, recordID, filename, size string) (pixels int64, ok bool, err error) {
	c, err := app.FindCachedCollectionByNameOrId(collection)
	if err != nil {
		return 0, false, err
	}
	rec, err := app.FindRecordById(c, recordID)
	if err != nil {
		return 0, false, err
	}
	field := rec.FindFileFieldByFile(filename)
	if field == nil || !(list.ExistInSlice(size, defaultThumbSizes) || list.ExistInSlice(size, field.Thumbs)) {
		return 0, false, nil
	}
	base := rec.BaseFilesPath()
	if c.IsView() {
		fr, err := app.FindRecordByViewFile(c.Id, field.Name, filename)
		if err != nil {
			return 0, false, err
		}
		base = fr.BaseFilesPath()
	}
	fsys, err := app.NewFilesystem()
	if err != nil {
		return 0, false, err
	}
	defer fsys.Close()
	original := base + "/" + filename
	attrs, err := fsys.Attributes(original)
	if err != nil {
		return 0, false, err
	}
	if !list.ExistInSlice(attrs.ContentType, thumbContentTypes) {
		return 0, false, nil
	}
	if made, _ := fsys.Exists(base + "/thumbs_" + filename + "/" + size + "_" + filename); made {
		return 0, false, nil
	}
	r, err := fsys.GetReader(original)
	if err != nil {
		return -1, true, nil // unchecked is never thumbnailed
	}
	defer r.Close()
	cfg, _, err := imagebound.Check(r)
	if err != nil {
		return -1, true, nil
	}
	return int64(cfg.Width) * int64(cfg.Height), true, nil
}
