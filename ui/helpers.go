// Package ui holds the browser tests of the web UI and the helpers other packages'
// browser tests share: sign a person in, wait for what the page shows, take screenshots.
package ui

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	cdpruntime "github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"crisisroom/hooks/demo"
	"crisisroom/testkit"
)

// Person is one signed-in browser: its own chromium, profile and service worker.
type Person struct {
	Ctx      context.Context
	Username string
	t        testing.TB
}

// SignIn starts a separate chromium for username (a demo user with hooks.DemoPassword),
// signs in through the sign-in form and waits until the app shows the tenant switcher.
func SignIn(t testing.TB, s *testkit.Server, b *testkit.Browser, username string) *Person {
	t.Helper()
	p := Open(t, s, b, username)
	p.SignInForm(username, demo.Password)
	return p
}

// logConsole copies script errors and console errors into the test log: a failing UI
// test should say why.
func (p *Person) logConsole() {
	chromedp.ListenTarget(p.Ctx, func(ev any) {
		switch e := ev.(type) {
		case *cdpruntime.EventExceptionThrown:
			p.t.Logf("%s: page error: %s", p.Username, e.ExceptionDetails.Error())
		case *cdpruntime.EventConsoleAPICalled:
			if e.Type == cdpruntime.APITypeError || e.Type == cdpruntime.APITypeWarning {
				var parts []string
				for _, a := range e.Args {
					parts = append(parts, strings.Trim(string(a.Value), `"`)+a.Description)
				}
				p.t.Logf("%s: console %s: %s", p.Username, e.Type, strings.Join(parts, " "))
			}
		}
	})
}

// SignInForm fills the sign-in form and waits for the signed-in app.
func (p *Person) SignInForm(username, password string) {
	p.t.Helper()
	p.Run(chromedp.SendKeys(`#identity`, username, chromedp.ByQuery),
		chromedp.SendKeys(`#password`, password, chromedp.ByQuery),
		chromedp.Click(`form.signin button[type=submit]`, chromedp.ByQuery))
	p.Wait(`!!document.querySelector('#tenants button.tenant')`, "the signed-in app")
}

// Run runs chromedp actions and fails the test on error.
func (p *Person) Run(actions ...chromedp.Action) {
	p.t.Helper()
	if err := chromedp.Run(p.Ctx, actions...); err != nil {
		p.t.Fatalf("%s: %v", p.Username, err)
	}
}

// Eval evaluates a JavaScript expression and stores its result in out.
func (p *Person) Eval(js string, out any) {
	p.t.Helper()
	p.Run(chromedp.Evaluate(js, out, awaitPromise))
}

func awaitPromise(ep *cdpruntime.EvaluateParams) *cdpruntime.EvaluateParams {
	return ep.WithAwaitPromise(true)
}

// Wait polls a JavaScript expression until it is truthy (default 15 s).
func (p *Person) Wait(js string, what string, timeout ...time.Duration) {
	p.t.Helper()
	d := 15 * time.Second
	if len(timeout) > 0 {
		d = timeout[0]
	}
	deadline := time.Now().Add(d)
	var ok bool
	var err error
	for {
		ok = false
		err = chromedp.Run(p.Ctx, chromedp.Poll(js, &ok, chromedp.WithPollingTimeout(time.Until(deadline)), chromedp.WithPollingInterval(50*time.Millisecond)))
		// A reload (sign-out, service worker update) replaces the page's context: poll again.
		if err != nil && time.Now().Before(deadline) && (strings.Contains(err.Error(), "context with specified id") || strings.Contains(err.Error(), "context was destroyed") || strings.Contains(err.Error(), "navigated or closed")) {
			time.Sleep(50 * time.Millisecond)
			continue
		}
		break
	}
	if err != nil || !ok {
		var body string
		_ = chromedp.Run(p.Ctx, chromedp.Evaluate(`document.body.innerText.slice(-1500)`, &body))
		p.t.Fatalf("%s: waited %v for %s (%s): %v\npage text:\n%s", p.Username, d, what, js, err, body)
	}
}

// OpenChannel clicks the channel with this name in the channel list and waits until its
// history is shown.
func (p *Person) OpenChannel(name string) {
	p.t.Helper()
	js := fmt.Sprintf(`(() => { const b = [...document.querySelectorAll('button.chan')].find(b => b.querySelector('.chan-name').textContent === %q); if (b) b.click(); return !!b; })()`, name)
	p.Wait(js, "channel "+name+" in the list")
	p.Wait(fmt.Sprintf(`document.querySelector('#channel-title')?.textContent === %q && !document.querySelector('.msglist > p.muted')`, name), "channel "+name+" open")
}

// SwitchTenant clicks the organisation with this short name in the tenant switcher.
func (p *Person) SwitchTenant(short string) {
	p.t.Helper()
	p.Wait(fmt.Sprintf(`(() => { const b = [...document.querySelectorAll('button.tenant')].find(b => b.querySelector('.tenant-short').textContent === %q); if (b) b.click(); return !!b && b.getAttribute('aria-pressed') === 'true'; })()`, short), "tenant "+short)
}

// Send types text into the composer and presses Enter.
func (p *Person) Send(text string) {
	p.t.Helper()
	// DevTools' synthetic Enter can leave a stray newline behind after a send: start empty.
	p.Run(chromedp.Evaluate(`document.querySelector('#composer-text').value = ''`, nil),
		chromedp.Focus(`#composer-text`, chromedp.ByQuery),
		chromedp.SendKeys(`#composer-text`, text, chromedp.ByQuery))
	p.Wait(fmt.Sprintf(`document.querySelector('#composer-text').value === %q`, text), "the text in the composer")
	p.Run(chromedp.KeyEvent("\r"))
}

// HasMessage is a JS expression: a message with exactly this body is in the open channel.
func HasMessage(body string) string {
	return fmt.Sprintf(`[...document.querySelectorAll('article.msg[data-id] .body')].some(b => b.textContent === %q)`, body)
}

// ScreenshotPath is docs/screenshots/<name>.png in the repository when SCREENSHOTS=1
// (to refresh the README's pictures), <UI_SHOTS>/<name>.png when UI_SHOTS names a folder,
// else a file in the test's temp dir, so that an ordinary test run leaves the work tree
// as it was.
func ScreenshotPath(t testing.TB, name string) string {
	if os.Getenv("SCREENSHOTS") == "1" {
		return filepath.Join(RepoRoot(), "docs", "screenshots", name+".png")
	}
	// UI_SHOTS=<folder> keeps the pictures of a run there, to look at them after it.
	if dir := os.Getenv("UI_SHOTS"); dir != "" {
		return filepath.Join(dir, name+".png")
	}
	return filepath.Join(t.TempDir(), name+".png")
}

// Screenshot saves the page as a PNG (see ScreenshotPath).
func (p *Person) Screenshot(name string) {
	p.t.Helper()
	path := ScreenshotPath(p.t, name)
	// Notices from earlier steps would cover the picture.
	p.Run(chromedp.Evaluate(`document.querySelectorAll('.toast').forEach(e => e.remove())`, nil))
	var buf []byte
	// Quality 100 makes chromium encode PNG; below it, JPEG.
	p.Run(chromedp.FullScreenshot(&buf, 100))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		p.t.Fatal(err)
	}
	if err := os.WriteFile(path, buf, 0o644); err != nil {
		p.t.Fatalf("screenshot %s: %v", name, err)
	}
}

// RepoRoot is the repository's top folder (where go.mod is).
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	dir := filepath.Dir(file)
	for d := dir; d != filepath.Dir(d); d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d
		}
	}
	return filepath.Dir(dir)
}

// PublicDir is the UI folder on disk, so tests see edits without rebuilding the embed;
// UI_PUBLIC_DIR names another one (an earlier version's, to see a new test fail on it).
func PublicDir() string {
	if dir := os.Getenv("UI_PUBLIC_DIR"); dir != "" {
		return dir
	}
	return filepath.Join(RepoRoot(), "pb_public")
}

// JSString quotes s for use inside a JavaScript expression.
func JSString(s string) string { return fmt.Sprintf("%q", s) }

// Open starts a separate chromium for username at the sign-in page, without signing in.
func Open(t testing.TB, s *testkit.Server, b *testkit.Browser, username string) *Person {
	t.Helper()
	ctx := b.NewContext(t, 150*time.Second)
	p := &Person{Ctx: ctx, Username: username, t: t}
	p.logConsole()
	p.Run(chromedp.Navigate(s.URL+"/"), chromedp.WaitVisible(`#identity`, chromedp.ByQuery))
	return p
}

// Click clicks the element a JavaScript expression returns, once it exists.
func (p *Person) Click(expr, what string) {
	p.t.Helper()
	p.Wait(fmt.Sprintf(`(() => { const el = %s; if (el) el.click(); return !!el; })()`, expr), what)
}

// API calls the appliance from Go as username through testkit's client and decodes the
// JSON answer into out (when not nil); it returns the HTTP status.
func API(t testing.TB, s *testkit.Server, username, method, path string, body any, out any) int {
	t.Helper()
	r := s.As(t, username).Do(t, method, path, body)
	if out != nil {
		_ = json.Unmarshal(r.Body, out)
	}
	return r.Status
}

func evalJS(js string) chromedp.Action { return chromedp.Evaluate(js, nil) }

// Contrast returns the WCAG 2.x contrast ratio (1 to 21) between the text colour of the
// element matching selector and the first opaque background behind it, walking up the
// ancestors; 0 when there is no such element.
func (p *Person) Contrast(selector string) float64 {
	var ratio float64
	p.Eval(`(() => {
		const el = document.querySelector(`+strconv.Quote(selector)+`);
		if (!el) return 0;
		const rgb = s => (s.match(/[0-9.]+/g) || []).map(Number);
		const lum = ([r, g, b]) => { const f = c => { c /= 255; return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4); }; return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
		let bg = null;
		for (let n = el; n && !bg; n = n.parentElement) { const c = rgb(getComputedStyle(n).backgroundColor); if (c.length === 3 || (c.length >= 4 && c[3] > 0.5)) bg = c; }
		bg = bg || [255, 255, 255];
		const a = lum(rgb(getComputedStyle(el).color)), b = lum(bg);
		return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
	})()`, &ratio)
	return ratio
}
