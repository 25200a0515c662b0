package testkit

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/chromedp"
)

// Browser starts headless chromium processes. Each NewContext is a separate chromium
// with its own profile (cookies, storage, service workers), like a second person at
// another desk.
type Browser struct {
	path string
	// AllowCSPViolations keeps a Content-Security-Policy violation from failing the
	// test (for a test that provokes one on purpose); CSPViolations still lists them.
	AllowCSPViolations bool

	mu  sync.Mutex
	csp []string
}

// CSPViolations returns chromium's reports of Content-Security-Policy violations (the
// console's "Refused to … because it violates the following Content Security Policy
// directive" lines) in every context of b so far.
func (b *Browser) CSPViolations() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.csp...)
}

// chromiumPath finds Debian's chromium. Outside CI a missing browser skips the test;
// in CI (CI=true) it fails, because ./test.sh installs it.
func chromiumPath(t testing.TB) string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("chromium is not installed; ./test.sh installs it with apt-get")
	}
	t.Skip("chromium is not installed (run ./test.sh, which installs it)")
	return ""
}

// NewBrowser finds chromium (or skips/fails the test as chromiumPath says).
func NewBrowser(t testing.TB) *Browser {
	t.Helper()
	return &Browser{path: chromiumPath(t)}
}

// NewContext starts a fresh chromium and returns a context for its first tab. It ends
// with the test, or after timeout.
func (b *Browser) NewContext(t testing.TB, timeout time.Duration) context.Context {
	t.Helper()
	opts := append([]chromedp.ExecAllocatorOption{},
		chromedp.ExecPath(b.path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		// Without these chromium phones home, and this machine has no uplink.
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("autoplay-policy", "no-user-gesture-required"),
		chromedp.UserDataDir(filepath.Join(t.TempDir(), "chromium")),
		chromedp.WindowSize(1280, 860),
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(alloc)
	ctx, cancelT := context.WithTimeout(ctx, timeout)
	// chromedp.Cancel closes chromium and waits for it, so the profile folder (a TempDir,
	// removed after this) is no longer written to: otherwise RemoveAll failed now and then.
	// A test may have closed it already (a second Cancel would panic).
	t.Cleanup(func() {
		if ctx.Err() == nil {
			func() { defer func() { _ = recover() }(); _ = chromedp.Cancel(ctx) }()
		}
		cancelT()
		cancel()
		cancelAlloc()
	})
	// The UI has no inline script or style: the appliance's CSP would refuse it, and
	// the person would see a page that does not work. Any violation fails the test.
	chromedp.ListenTarget(ctx, func(ev any) {
		if e, ok := ev.(*cdplog.EventEntryAdded); ok && strings.Contains(e.Entry.Text, "Content Security Policy") {
			b.mu.Lock()
			b.csp = append(b.csp, e.Entry.URL+": "+e.Entry.Text)
			b.mu.Unlock()
		}
	})
	if err := chromedp.Run(ctx); err != nil {
		t.Fatalf("chromium did not start: %v", err)
	}
	t.Cleanup(func() { // runs before the cleanups above (last in, first out)
		if b.AllowCSPViolations {
			return
		}
		for _, v := range b.CSPViolations() {
			t.Errorf("Content-Security-Policy violation: %s", v)
		}
	})
	return ctx
}

// Screenshot saves a PNG of the whole page to path (quality 100 makes chromium write
// PNG; below it, JPEG).
func Screenshot(ctx context.Context, path string) error {
	var buf []byte
	if err := chromedp.Run(ctx, chromedp.FullScreenshot(&buf, 100)); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, buf, 0o644)
}
