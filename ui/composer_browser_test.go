package ui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pocketbase/dbx"

	"crisisroom/hooks/tenancy"
)

// A person in two organisations of a shared channel is told for whom they write there
// and chooses it; the message carries the chosen organisation, whichever is in view. In
// an organisation's own channel there is nothing to choose.
func TestComposerSaysForWhomOneWrites(t *testing.T) {
	s, b := startDemo(t)
	if _, err := tenancy.NewMembership(s.App, s.Demo.Users["tkeller"].Id, s.Demo.Orgs["FW"].Id, "member", "", nil); err != nil {
		t.Fatal(err)
	}
	p := SignIn(t, s, b, "tkeller")
	p.SwitchTenant("FW")
	p.OpenChannel("Hochwasser Rhein")
	p.Wait(`(() => { const w = document.querySelector('.writeas'); return !!w && !w.hidden && w.offsetHeight > 0 && w.textContent.startsWith('Sie schreiben als') })()`, "Sie schreiben als … above the composer")
	var opts []string
	p.Eval(`[...document.querySelectorAll('#write-as option')].map(o => o.textContent)`, &opts)
	if strings.Join(opts, "|") != "Polizeipräsidium (POL)|Berufsfeuerwehr (FW)" {
		t.Fatalf("choices %q, want POL and FW", opts)
	}
	p.Wait(`document.querySelector('#write-as').value === `+JSString(s.Demo.Orgs["FW"].Id)+` && document.querySelector('.writeas .chip')?.textContent === 'FW'`, "the organisation in view as the first choice")
	p.Run(chromedp.SetValue(`#write-as`, s.Demo.Orgs["POL"].Id, chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelector('#write-as').dispatchEvent(new Event('change', { bubbles: true }))`, nil))
	p.Wait(`document.querySelector('.writeas .chip')?.textContent === 'POL'`, "the chosen organisation's chip")
	p.Screenshot("composer-write-as")
	text := fmt.Sprintf("Als Verbindungsbeamter der Polizei %d", time.Now().UnixNano())
	p.Send(text)
	p.Wait(fmt.Sprintf(`[...document.querySelectorAll('article.msg')].some(a => a.querySelector('.body')?.textContent === %q && a.querySelector('.chip')?.textContent === 'POL')`, text), "the message with the POL chip")
	m, err := s.App.FindFirstRecordByFilter("messages", "body = {:b}", dbx.Params{"b": text})
	if err != nil {
		t.Fatal(err)
	}
	if got := m.GetString("author_org"); got != s.Demo.Orgs["POL"].Id {
		t.Fatalf("the message was stored for %q, want POL", got)
	}
	// The choice stays with the channel.
	p.OpenChannel("FW intern")
	p.Wait(`document.querySelector('.writeas').hidden`, "no choice in the fire brigade's own channel")
	p.OpenChannel("Hochwasser Rhein")
	p.Wait(`document.querySelector('#write-as').value === `+JSString(s.Demo.Orgs["POL"].Id), "the choice kept for the channel")
}

// A message over the server's limit is refused in the browser in plain words before it
// is sent, with a counter near the limit; the text stays in the composer.
func TestComposerRefusesTooLongMessage(t *testing.T) {
	s, b := startDemo(t)
	p := SignIn(t, s, b, "jwagner")
	p.OpenChannel("Hochwasser Rhein")
	p.Run(chromedp.Evaluate(`(() => { const x = document.querySelector('#composer-text'); x.value = 'a'.repeat(18500); x.dispatchEvent(new Event('input', { bubbles: true })) })()`, nil))
	p.Wait(`(() => { const c = document.querySelector('.body-count'); return !!c && !c.hidden && c.textContent === '18.500 von höchstens 20.000 Zeichen' })()`, "the counter near the limit")
	p.Run(chromedp.Evaluate(`(() => { const x = document.querySelector('#composer-text'); x.value = 'Lagebericht '.repeat(3333) + 'Ende'; x.dispatchEvent(new Event('input', { bubbles: true })) })()`, nil))
	p.Wait(`document.querySelector('.body-count').classList.contains('over')`, "the counter marked over the limit")
	p.Click(`document.querySelector('form.composer button.send')`, "Senden")
	p.Wait(`[...document.querySelectorAll('.toast')].some(e => e.textContent.includes('Die Nachricht ist zu lang: 40.000 von höchstens 20.000 Zeichen. Kürzen oder als Datei anhängen.'))`, "the refusal in German")
	p.Screenshot("composer-too-long")
	var kept int
	p.Eval(`document.querySelector('#composer-text').value.length`, &kept)
	if kept != 40000 {
		t.Fatalf("the composer holds %d characters after the refusal, want 40000", kept)
	}
	n, err := s.App.CountRecords("messages", dbx.NewExp("length(body) > 20000"))
	if err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("%d over-long messages reached the server", n)
	}
}
