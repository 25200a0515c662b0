package ui

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// badge is a JS expression: the unread badge of the channel with this id in the channel
// list (” when it has none).
func badge(id string) string {
	return `(document.querySelector('button.chan[data-channel="` + id + `"] .badge')?.textContent || '')`
}

// readToEnd scrolls the open channel to its end until its badge is gone (the demo leaves
// many messages unread).
func readToEnd(p *Person, channel string) {
	p.Wait(`(() => { const l = document.querySelector('.msglist'); l.scrollTop = l.scrollHeight; return !`+badge(channel)+`; })()`, "the open channel read to its end")
}

// Coming back to a busy channel: the channel opens at the first message not read, the line
// "Neue Nachrichten" at the top of the list and a button below it counting the new ones
// still below the view; the badge in the channel list counts what was not yet seen, fewer
// while reading down. On the laptop more came than a page holds. (The previous code opened
// the channel at its end, the line thousands of pixels above, and counted all as read.)
func TestReturningToABusyChannelLandsOnTheFirstUnread(t *testing.T) {
	s, b := startDemo(t)
	flood := s.Demo.Channels["Hochwasser Rhein"].Id
	for _, size := range []string{"laptop", "phone"} {
		p := SignIn(t, s, b, "kvogel")
		resize(p, size)
		p.OpenChannel("Hochwasser Rhein")
		settle(p)
		readToEnd(p, flood)
		if size == "phone" {
			p.Click(`document.querySelector('button.back')`, "←")
		} else {
			p.OpenChannel("Stromausfall Süd")
		}
		n := 80
		if size == "phone" {
			n = 25
		}
		var news []string
		for i := 1; i <= n; i++ {
			m := fmt.Sprintf("POL %s %d: Lage am Deich unverändert, Pegel steigt langsam weiter", size, i)
			post(t, s, "jwagner", flood, m)
			news = append(news, m)
		}
		p.Wait(badge(flood)+` === '`+strconv.Itoa(n)+`'`, "the badge counting the new messages")
		p.OpenChannel("Hochwasser Rhein")
		p.Wait(`(() => { const l = document.querySelector('.unread-line'); return !!l && l.nextElementSibling?.querySelector('.body')?.textContent === `+JSString(news[0])+`; })()`, "the line above the first new message")
		settle(p)
		p.Wait(inListView(`document.querySelector('.unread-line')`)+` && `+inListView(`document.querySelector('.unread-line').nextElementSibling`), "the line and the first new message in view")
		p.Wait(`(() => { const l = document.querySelector('.msglist'), u = document.querySelector('.unread-line'); return u.getBoundingClientRect().top - l.getBoundingClientRect().top < 60; })()`, "the line at the top of the list")
		p.Wait(`/^\d+ neue Nachrichten? ↓$/.test(document.querySelector('.new-below')?.textContent || '') && !document.querySelector('.new-below-wrap').hidden`, "the button counting the new ones below")
		p.Screenshot("newcomer8-landed-" + size)
		// Only what was seen counts as read: the badge still counts those below.
		settle(p)
		p.Run(chromedp.Sleep(800 * time.Millisecond))
		var left string
		p.Eval(badge(flood), &left)
		if k, _ := strconv.Atoi(left); k <= 0 || k >= n {
			t.Errorf("%s: after the landing the badge says %q; %d came, most below the view", size, left, n)
		}
		// Reading down: the badge follows.
		p.Run(chromedp.Evaluate(`document.querySelector('.msglist').scrollTop += document.querySelector('.msglist').clientHeight * 0.8`, nil))
		p.Wait(badge(flood)+` !== `+JSString(left), "the badge counting fewer after reading down")
		p.Click(`document.querySelector('.new-below')`, "the button below")
		p.Wait(HasMessage(news[n-1])+` && `+inListView(`[...document.querySelectorAll('article.msg[data-id]')].pop()`), "the newest message in view")
		p.Wait(`!`+badge(flood), "all read at the end")
	}
}

// On a phone, messages that arrive while the list of channels covers the open channel
// ("←") are not read: the channel gets its badge, and the messages count as unread on the
// server too; tapping the channel lands on the first of them. (The previous code counted
// them read because the tab was visible.)
func TestPhoneBackToListKeepsMessagesUnread(t *testing.T) {
	s, b := startDemo(t)
	flood := s.Demo.Channels["Hochwasser Rhein"].Id
	p := SignIn(t, s, b, "kvogel")
	phone(p)
	p.OpenChannel("Hochwasser Rhein")
	settle(p)
	readToEnd(p, flood)
	p.Click(`document.querySelector('button.back')`, "←")
	p.Wait(`!!document.querySelector('button.chan[data-channel="`+flood+`"]')?.getClientRects().length`, "the channel list")
	var news []string
	for i := 1; i <= 10; i++ {
		m := fmt.Sprintf("Meldung %d: Sandsäcke an Abschnitt %d angekommen", i, i)
		post(t, s, "jwagner", flood, m)
		news = append(news, m)
	}
	p.Wait(badge(flood)+` === '10'`, "the badge counting 10 new messages while the list is shown")
	p.Run(chromedp.Sleep(1500 * time.Millisecond))
	p.Wait(badge(flood)+` === '10'`, "the badge still 10")
	p.Screenshot("newcomer8-phone-list-10")
	p.OpenChannel("Hochwasser Rhein")
	p.Wait(`(() => { const l = document.querySelector('.unread-line'); return !!l && l.nextElementSibling?.querySelector('.body')?.textContent === `+JSString(news[0])+`; })()`, "the line above the first new message")
	settle(p)
	p.Wait(inListView(`document.querySelector('.unread-line')`)+` && `+inListView(`document.querySelector('.unread-line').nextElementSibling`), "the line and the first new message in view")
	p.Screenshot("newcomer8-phone-return")
}

// On a phone, error toasts (a file too large, a program) are compact, one or two lines
// each, and a tap elsewhere ends them; they leave the newest messages in view. (The
// previous ones took three or four lines each, over a quarter of the screen, for 20 s.)
func TestPhoneErrorToastsCompactAndGoneOnTap(t *testing.T) {
	s, b := startDemo(t)
	p := SignIn(t, s, b, "tkeller")
	phone(p)
	p.OpenChannel("Hochwasser Rhein")
	big := filepath.Join(t.TempDir(), "big.pdf")
	if err := os.WriteFile(big, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(big, 30<<20); err != nil {
		t.Fatal(err)
	}
	p.Run(chromedp.SetUploadFiles(`#file-input`, []string{big}, chromedp.ByQuery))
	p.Wait(`[...document.querySelectorAll('.toast.error')].some(e => e.textContent.includes('big.pdf') && e.textContent.includes('25 MB'))`, "the size refusal")
	p.Run(evalJS(`(() => { const dt = new DataTransfer(); dt.items.add(new File(['MZ'], 'tool.exe', {type: 'application/x-msdownload'}));
		document.querySelector('section.channel').dispatchEvent(new DragEvent('drop', {dataTransfer: dt, bubbles: true, cancelable: true})); return true; })()`))
	p.Wait(`[...document.querySelectorAll('.toast.error')].some(e => e.textContent.includes('tool.exe'))`, "the program refused")
	var lines []float64
	p.Eval(`[...document.querySelectorAll('.toast')].map(e => { const x = e.querySelector('.toast-text'); return x.getBoundingClientRect().height / parseFloat(getComputedStyle(x).lineHeight); })`, &lines)
	var share float64
	p.Eval(`document.querySelector('.toasts').getBoundingClientRect().height / innerHeight`, &share)
	var buf []byte
	p.Run(chromedp.FullScreenshot(&buf, 100))
	writeShot(t, "newcomer8-phone-toasts", buf)
	t.Logf("lines per toast %v, share of the screen %.2f", lines, share)
	for _, l := range lines {
		if l > 2.2 {
			t.Errorf("a toast takes %.1f lines on a phone", l)
		}
	}
	if share > 0.15 {
		t.Errorf("the toasts cover %.0f%% of the phone's screen", share*100)
	}
	// A tap on the messages ends them.
	p.Run(chromedp.Sleep(700*time.Millisecond), chromedp.MouseClickXY(195, 300))
	p.Wait(`!document.querySelector('.toast')`, "the toasts gone after a tap elsewhere")
}

// Messages that arrive while the tab is hidden are not read: the channel counts them, and
// back in the tab the reader lands on the first of them, the rest counted below. (The
// previous code kept the list at its end and marked all read on return.)
func TestHiddenTabKeepsMessagesUnreadAndLandsOnTheFirst(t *testing.T) {
	s, b := startDemo(t)
	flood := s.Demo.Channels["Hochwasser Rhein"].Id
	p := SignIn(t, s, b, "kvogel")
	laptop(p)
	p.OpenChannel("Hochwasser Rhein")
	settle(p)
	readToEnd(p, flood)
	vis := func(state string) chromedp.Action {
		return chromedp.Evaluate(`Object.defineProperty(document, 'visibilityState', { value: '`+state+`', configurable: true }); document.dispatchEvent(new Event('visibilitychange')); true`, nil)
	}
	p.Run(vis("hidden"))
	var news []string
	for i := 1; i <= 30; i++ {
		m := fmt.Sprintf("Versorgung %d: Feldküche am Deich 4 meldet Bedarf an Trinkwasser", i)
		post(t, s, "jwagner", flood, m)
		news = append(news, m)
	}
	p.Wait(badge(flood)+` === '30'`, "the badge counting 30 while the tab is hidden")
	p.Run(chromedp.Sleep(1000*time.Millisecond), vis("visible"))
	p.Wait(`(() => { const l = document.querySelector('.unread-line'); return !!l && l.nextElementSibling?.querySelector('.body')?.textContent === `+JSString(news[0])+`; })()`, "the line above the first message missed")
	settle(p)
	p.Wait(inListView(`document.querySelector('.unread-line').nextElementSibling`), "the first message missed in view")
	p.Run(chromedp.Sleep(800 * time.Millisecond))
	var left string
	p.Eval(badge(flood), &left)
	if k, _ := strconv.Atoi(left); k <= 0 || k >= 30 {
		t.Errorf("back in the tab the badge says %q; 30 came, most below the view", left)
	}
	p.Screenshot("newcomer8-hidden-tab-return")
}
