package ui

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/pocketbase/dbx"
)

// Messages written in a burst (Enter, Enter, Enter faster than each goes out) are stored,
// and so shown to everyone, in the order they were written: the outbox sends each once the
// one before has gone. It sent them all at once, and the server stored them in the order
// they happened to arrive (a newcomer saw "#13, #15, #14, #16").
func TestBurstOfMessagesKeepsItsOrder(t *testing.T) {
	s, b := startDemo(t)
	p := SignIn(t, s, b, "jwagner")
	p.OpenChannel("Hochwasser Rhein")
	const n = 20
	p.Run(chromedp.Evaluate(fmt.Sprintf(`(() => {
		const text = document.querySelector('#composer-text');
		for (let i = 1; i <= %d; i++) {
			text.value = 'Pegelmeldung ' + String(i).padStart(2, '0');
			text.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true, cancelable: true }));
		}
	})()`, n), nil))
	p.Wait(HasMessage(fmt.Sprintf("Pegelmeldung %02d", n)), "the last of the burst")
	var want []string
	for i := 1; i <= n; i++ {
		want = append(want, fmt.Sprintf("Pegelmeldung %02d", i))
	}
	p.Wait(fmt.Sprintf(`[...document.querySelectorAll('article.msg[data-id] .body')].map(b => b.textContent).filter(s => s.startsWith('Pegelmeldung ')).join('|') === %q`, strings.Join(want, "|")), "the burst shown in the order written")
	var stored []string
	if err := s.App.DB().NewQuery(`SELECT body FROM messages WHERE channel = {:c} AND body LIKE 'Pegelmeldung %' ORDER BY rowid`).
		Bind(dbx.Params{"c": s.Demo.Channels["Hochwasser Rhein"].Id}).Column(&stored); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(stored, "|"); got != strings.Join(want, "|") {
		t.Fatalf("stored in the order\n%s\nwant\n%s", got, strings.Join(want, "|"))
	}
}
