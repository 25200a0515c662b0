package sms

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"crisisroom/hardware/serialport"
)

// pollSlice is the longest a single Read waits, so the driver notices cancellation
// and due messages promptly.
const pollSlice = 100 * time.Millisecond

var errTimeout = errors.New("modem did not answer in time")

// URC is an unsolicited result the modem sent between commands: a new message in
// storage (+CMTI, 3GPP TS 27.005 §3.4.1) or a status report routed directly (+CDS).
type URC struct {
	Kind  string // "CMTI" or "CDS"
	Index int    // storage index of +CMTI
	PDU   string // hex PDU of +CDS
}

// modem speaks AT commands (3GPP TS 27.007/27.005) over a Port, keeping bytes that
// arrived after a line for the next read and unsolicited results for the driver.
type modem struct {
	ctx  context.Context
	port serialport.Port
	buf  []byte
	log  *slog.Logger
	urcs []URC
	// cdsPending: the line after a +CDS header is its PDU.
	cdsPending bool
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
	var b [1024]byte
	n, err := m.port.Read(b[:])
	m.buf = append(m.buf, b[:n]...)
	if errors.Is(err, serialport.ErrTimeout) {
		return nil
	}
	return err
}

// readLine returns the next non-empty line; the "> " prompt of AT+CMGS counts as a
// line. Echoed commands are skipped.
func (m *modem) readLine(deadline time.Time) (string, error) {
	for {
		if strings.HasPrefix(string(m.buf), "> ") || string(m.buf) == ">" {
			m.buf = m.buf[min(2, len(m.buf)):]
			return ">", nil
		}
		if i := strings.IndexAny(string(m.buf), "\r\n"); i >= 0 {
			line := strings.TrimSpace(strings.Map(func(r rune) rune {
				if r < 0x20 {
					return -1
				}
				return r
			}, string(m.buf[:i])))
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

// response is what a modem said up to and including its final result.
type response struct {
	lines []string
	final string
}

func (r response) value(prefix string) (string, bool) {
	for _, l := range r.lines {
		if strings.HasPrefix(l, prefix) {
			return strings.TrimSpace(l[len(prefix):]), true
		}
	}
	return "", false
}

// IsFinal reports whether line ends a command's answer (V.250 result codes and the
// error reports of TS 27.007 §9.2 and TS 27.005 §3.2.5).
func IsFinal(line string) bool {
	return line == "OK" || line == "ERROR" || line == ">" || strings.HasPrefix(line, "+CME ERROR") || strings.HasPrefix(line, "+CMS ERROR")
}

// takeURC keeps an unsolicited result; it reports whether line was one.
func (m *modem) takeURC(line string) bool {
	if m.cdsPending {
		m.cdsPending = false
		m.urcs = append(m.urcs, URC{Kind: "CDS", PDU: line})
		return true
	}
	if u, ok := ParseURC(line); ok {
		if u.Kind == "CDS" {
			m.cdsPending = true
			return true
		}
		m.urcs = append(m.urcs, u)
		return true
	}
	return false
}

// ParseURC reads "+CMTI: "SM",3" and "+CDS: 25" (the header of a status report whose
// PDU follows on the next line). Anything else is not a URC.
func ParseURC(line string) (URC, bool) {
	switch {
	case strings.HasPrefix(line, "+CMTI:"):
		f := splitFields(line[6:])
		if len(f) < 2 {
			return URC{}, false
		}
		i, err := strconv.Atoi(f[1])
		if err != nil || i < 0 || i > 65535 {
			return URC{}, false
		}
		return URC{Kind: "CMTI", Index: i}, true
	case strings.HasPrefix(line, "+CDS:"):
		return URC{Kind: "CDS"}, true
	}
	return URC{}, false
}

// splitFields splits an information response's parameters at commas outside quotes
// and removes the quotes.
func splitFields(s string) []string {
	var out []string
	var cur strings.Builder
	quoted := false
	for _, r := range strings.TrimSpace(s) {
		switch {
		case r == '"':
			quoted = !quoted
		case r == ',' && !quoted:
			out = append(out, strings.TrimSpace(cur.String()))
			cur.Reset()
		default:
			cur.WriteRune(r)
		}
	}
	return append(out, strings.TrimSpace(cur.String()))
}

// await collects lines until a final result code, setting unsolicited results aside.
func (m *modem) await(timeout time.Duration) (response, error) {
	deadline := time.Now().Add(timeout)
	var r response
	for {
		line, err := m.readLine(deadline)
		if err != nil {
			return r, err
		}
		if m.takeURC(line) {
			continue
		}
		if IsFinal(line) {
			r.final = line
			return r, nil
		}
		r.lines = append(r.lines, line)
	}
}

// ModemError is a modem's refusal: "ERROR", "+CME ERROR: n" or "+CMS ERROR: n".
type ModemError struct {
	Cmd    string
	Result string
	CMS    int // the +CMS ERROR code, or -1
	CME    int // the +CME ERROR code, or -1
}

func (e *ModemError) Error() string { return e.Cmd + ": modem answered " + e.Result }

// ParseModemError reads a final result that is not OK.
func ParseModemError(cmd, final string) *ModemError {
	e := &ModemError{Cmd: cmd, Result: final, CMS: -1, CME: -1}
	if v, ok := strings.CutPrefix(final, "+CMS ERROR:"); ok {
		if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil {
			e.CMS = n
		}
	}
	if v, ok := strings.CutPrefix(final, "+CME ERROR:"); ok {
		if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil {
			e.CME = n
		}
	}
	return e
}

// command sends cmd and waits for its final result; anything but OK is a *ModemError.
func (m *modem) command(cmd string, timeout time.Duration) (response, error) {
	m.log.Debug("to modem", "cmd", cmd)
	if err := m.write([]byte(cmd + "\r")); err != nil {
		return response{}, err
	}
	r, err := m.await(timeout)
	if err != nil {
		return r, fmt.Errorf("%s: %w", cmd, err)
	}
	if r.final != "OK" {
		return r, ParseModemError(cmd, r.final)
	}
	return r, nil
}

// submit sends one PDU with AT+CMGS (TS 27.005 §3.5.1, PDU mode) and returns the
// message reference the network gave it.
func (m *modem) submit(p SubmitPDU) (int, error) {
	cmd := fmt.Sprintf("AT+CMGS=%d", p.TPDULen)
	if err := m.write([]byte(cmd + "\r")); err != nil {
		return 0, err
	}
	r, err := m.await(10 * time.Second)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", cmd, err)
	}
	if r.final != ">" {
		return 0, ParseModemError(cmd, r.final)
	}
	if err := m.write([]byte(p.Hex + "\x1a")); err != nil {
		return 0, err
	}
	// The network may take a while; 60 s is what modem makers give as the maximum.
	r, err = m.await(60 * time.Second)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", cmd, err)
	}
	if r.final != "OK" {
		return 0, ParseModemError(cmd, r.final)
	}
	v, _ := r.value("+CMGS:")
	mr, err := strconv.Atoi(strings.TrimSpace(strings.SplitN(v, ",", 2)[0]))
	if err != nil {
		return 0, fmt.Errorf("%s: no message reference in %q", cmd, v)
	}
	return mr, nil
}

// StoredPDU is one message read with AT+CMGL or AT+CMGR.
type StoredPDU struct {
	Index int
	PDU   string
}

// ParseListing reads the information lines of AT+CMGL (PDU mode): a
// "+CMGL: <index>,<stat>,[<alpha>],<length>" header, then the PDU on the next line.
// Malformed headers are skipped.
func ParseListing(lines []string) []StoredPDU {
	var out []StoredPDU
	for i := 0; i < len(lines); i++ {
		v, ok := strings.CutPrefix(lines[i], "+CMGL:")
		if !ok || i+1 >= len(lines) {
			continue
		}
		f := splitFields(v)
		idx, err := strconv.Atoi(f[0])
		if err != nil || idx < 0 {
			continue
		}
		out = append(out, StoredPDU{Index: idx, PDU: lines[i+1]})
		i++
	}
	return out
}

// ParseCSQ reads "+CSQ: <rssi>,<ber>" (TS 27.007 §8.5) and returns the signal in dBm
// (-113 … -51) and whether it is known (rssi 99 means not known).
func ParseCSQ(v string) (dbm int, known bool) {
	f := splitFields(v)
	n, err := strconv.Atoi(f[0])
	if err != nil || n < 0 || n > 31 {
		return 0, false
	}
	return -113 + 2*n, true
}

// ParseCREG reads "+CREG: <n>,<stat>[,…]" (TS 27.007 §7.2) and returns stat:
// 0 not searching, 1 home, 2 searching, 3 denied, 4 unknown, 5 roaming.
func ParseCREG(v string) int {
	f := splitFields(v)
	if len(f) < 2 {
		return 4
	}
	n, err := strconv.Atoi(f[1])
	if err != nil || n < 0 || n > 10 {
		return 4
	}
	return n
}
