package board

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
)

// Alpha (BetaBrite) sign modes: the byte after ESC ' ' in a text file.
const (
	AlphaRotate byte = 'a'
	AlphaHold   byte = 'b'
	AlphaFlash  byte = 'c'
)

// AlphaFrame is an M-protocol "write text file" frame for the priority file "0", which
// needs no memory configuration: 5×NUL (baud sync), SOH, type 'Z' (all signs), address
// "00" (broadcast), STX, command 'A', label '0', ESC ' ' mode, text, EOT. Signs run at
// 9600 baud 7E1 and show ASCII only: German letters are spelt out, other bytes dropped.
func AlphaFrame(text string, mode byte) []byte {
	var b strings.Builder
	b.WriteString("\x00\x00\x00\x00\x00\x01Z00\x02A0\x1b ")
	b.WriteByte(mode)
	b.WriteString(alphaText(text))
	b.WriteByte(0x04)
	return []byte(b.String())
}

var spell = strings.NewReplacer("ä", "ae", "ö", "oe", "ü", "ue", "Ä", "Ae", "Ö", "Oe", "Ü", "Ue", "ß", "ss", "–", "-", "—", "-", "„", "\"", "“", "\"", "”", "\"", "€", "EUR")

func alphaText(s string) string {
	s = spell.Replace(s)
	out := make([]byte, 0, len(s))
	for _, r := range s {
		if r == '\n' || r == '\t' {
			r = ' '
		}
		if r >= 0x20 && r < 0x7f {
			out = append(out, byte(r))
		}
	}
	// The priority file holds at most 125 characters.
	if len(out) > 125 {
		out = append(out[:122], "..."...)
	}
	return string(out)
}

// AlphaFor chooses text and mode for a set: flash while anything is critical.
func AlphaFor(set Set) ([]byte, string) {
	text := Text(set)
	mode := AlphaHold
	if top, ok := Top(set.Items); ok && top.Severity == "critical" {
		mode = AlphaFlash
	} else if len(text) > 16 {
		mode = AlphaRotate
	}
	return AlphaFrame(text, mode), alphaText(text)
}

// RunAlpha drives an Alpha sign on port (opened 9600 7E1) from the board topic of
// device until ctx ends. A burst of updates shows only the latest; each shown text is
// reported retained on the board's state topic.
func RunAlpha(ctx context.Context, bus Bus, port io.Writer, prefix, device string) error {
	latest := make(chan Set, 1)
	err := bus.Subscribe(SetTopic(prefix, device), func(_ string, payload []byte) {
		var s Set
		if json.Unmarshal(payload, &s) != nil {
			return
		}
		select {
		case <-latest:
		default:
		}
		latest <- s
	})
	if err != nil {
		return fmt.Errorf("failed to subscribe to the board topic: %w", err)
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case s := <-latest:
			frame, shown := AlphaFor(s)
			if _, err := port.Write(frame); err != nil {
				return fmt.Errorf("failed to write to the sign: %w", err)
			}
			st, _ := json.Marshal(map[string]any{"shown": shown, "at": time.Now().UTC().Format(time.RFC3339)})
			_ = bus.Publish(StateTopic(prefix, device), st, true, 1)
		}
	}
}
