package fax

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"crisisroom/hardware/serialport"
)

const (
	dle = 0x10
	etx = 0x03
	dc2 = 0x12
	sub = 0x1A
)

// pollSlice is the longest a single Read waits, so a blocked reader still
// notices cancellation and queued send jobs promptly.
const pollSlice = 100 * time.Millisecond

var errTimeout = errors.New("modem did not answer in time")

// modem speaks AT commands over a Port, keeping bytes that arrived after a
// line for the next read.
type modem struct {
	ctx  context.Context
	port serialport.Port
	buf  []byte
	log  *slog.Logger
}

func (m *modem) fill(deadline time.Time) error {
	if err := m.ctx.Err(); err != nil {
		return err
	}
	wait := time.Until(deadline)
	if wait <= 0 {
		return errTimeout
	}
	if err := m.port.SetReadTimeout(min(wait, pollSlice)); err != nil {
		return err
	}
	var b [4096]byte
	n, err := m.port.Read(b[:])
	m.buf = append(m.buf, b[:n]...)
	if errors.Is(err, serialport.ErrTimeout) {
		return nil
	}
	return err
}

func (m *modem) readByte(deadline time.Time) (byte, error) {
	for len(m.buf) == 0 {
		if err := m.fill(deadline); err != nil {
			return 0, err
		}
	}
	c := m.buf[0]
	m.buf = m.buf[1:]
	return c, nil
}

// readLine returns the next non-empty line of modem text. Echoed commands
// (before ATE0 takes effect) and stray flow-control bytes are skipped.
func (m *modem) readLine(deadline time.Time) (string, error) {
	for {
		if i := strings.IndexAny(string(m.buf), "\r\n"); i >= 0 {
			line := strings.TrimSpace(strings.Map(func(r rune) rune {
				if r < 0x20 {
					return -1
				}
				return r
			}, string(m.buf[:i])))
			// A CR LF pair ends one line; leaving the LF behind would put a
			// stray byte in front of the page data that follows CONNECT.
			if m.buf[i] == '\r' && i+1 < len(m.buf) && m.buf[i+1] == '\n' {
				i++
			}
			m.buf = m.buf[i+1:]
			if line == "" || strings.HasPrefix(strings.ToUpper(line), "AT") {
				continue
			}
			m.log.Debug("modem said", "line", line)
			return line, nil
		}
		if err := m.fill(deadline); err != nil {
			return "", err
		}
	}
}

func (m *modem) write(b []byte) error {
	return serialport.WriteAll(m.ctx, m.port, b)
}

func (m *modem) send(cmd string) error {
	m.log.Debug("to modem", "cmd", cmd)
	return m.write([]byte(cmd + "\r"))
}

func isFinal(line string) bool {
	switch line {
	case "OK", "ERROR", "CONNECT", "BUSY", "NO CARRIER", "NO DIALTONE", "NO DIAL TONE", "NO ANSWER":
		return true
	}
	return strings.HasPrefix(line, "CONNECT ")
}

// response is what a modem said up to and including its final result.
type response struct {
	lines  []string // information lines (+FCO, +FTI:…)
	final  string
	hangup string // +FHS code, if reported
}

func (r response) value(prefix string) (string, bool) {
	for _, l := range r.lines {
		if strings.HasPrefix(l, prefix) {
			return strings.Trim(strings.TrimSpace(l[len(prefix):]), `"`), true
		}
	}
	return "", false
}

// await collects lines until a final result code.
func (m *modem) await(timeout time.Duration) (response, error) {
	deadline := time.Now().Add(timeout)
	var r response
	for {
		line, err := m.readLine(deadline)
		if err != nil {
			return r, err
		}
		if line == "RING" {
			continue // an incoming call while we talk to the modem; it rings again later
		}
		if strings.HasPrefix(line, "+FHS:") {
			r.hangup = strings.TrimSpace(line[5:])
		}
		if isFinal(line) {
			r.final = line
			return r, nil
		}
		r.lines = append(r.lines, line)
	}
}

// command sends cmd and waits for its final result; anything but OK (or
// CONNECT) is returned as an error.
func (m *modem) command(cmd string, timeout time.Duration) (response, error) {
	if err := m.send(cmd); err != nil {
		return response{}, err
	}
	r, err := m.await(timeout)
	if err != nil {
		return r, fmt.Errorf("%s: %w", cmd, err)
	}
	if r.final != "OK" && !strings.HasPrefix(r.final, "CONNECT") {
		return r, fmt.Errorf("%s: %w", cmd, &modemResult{r.final})
	}
	return r, nil
}

type modemResult struct{ result string }

func (e *modemResult) Error() string { return "modem answered " + e.result }

// callError turns whatever ended a call into something to report.
func callError(err error, r response) *CallError {
	var ce *CallError
	var mr *modemResult
	switch {
	case err == nil && r.hangup != "" && r.hangup != "00" && r.hangup != "0":
		return hangupError(r.hangup)
	case err == nil:
		return nil
	case errors.As(err, &ce):
		return ce
	case r.hangup != "" && r.hangup != "00":
		e := hangupError(r.hangup)
		e.Err = err
		return e
	case errors.As(err, &mr):
		e := resultError(mr.result)
		e.Err = err
		return e
	case serialport.IsGone(err):
		return &CallError{Reason: ResultReason("GONE"), Retry: true, Err: err}
	case errors.Is(err, errTimeout), errors.Is(err, serialport.ErrWriteTimeout):
		return &CallError{Reason: ResultReason("TIMEOUT"), Retry: true, Err: err}
	}
	return &CallError{Reason: Reason{"ERROR", "Fehler: " + err.Error(), "Error: " + err.Error()}, Retry: true, Err: err}
}
