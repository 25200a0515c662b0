package fax

import (
	"errors"
	"fmt"
	"strings"
)

// T.30 facsimile control fields (FCF) as a Class 1 modem (ITU T.31) hands
// them over: the first bit on the line is bit 0 of the byte. Bit 0 of most
// FCFs is the "X" bit (1 from the station that received a DIS), so frames
// are compared with that bit masked off; DIS/DTC, CSI/CIG and NSF/NSC differ
// only in that bit and are told apart by the whole byte.
const (
	fcfDIS = 0x80 // digital identification signal (answerer's capabilities)
	fcfCSI = 0x40 // called subscriber identification
	fcfNSF = 0x20 // non-standard facilities
	fcfDTC = 0x81 // digital transmit command (polling)
	fcfCIG = 0x41 // calling subscriber identification
	fcfNSC = 0x21 // non-standard facilities command
	fcfDCS = 0x82 // digital command signal (sender's choice)
	fcfTSI = 0x42 // transmitting subscriber identification
	fcfNSS = 0x22 // non-standard set-up
	fcfSUB = 0xC2 // sub-address
	fcfCFR = 0x84 // confirmation to receive (training good)
	fcfFTT = 0x44 // failure to train
	fcfEOM = 0x8E // end of message (back to phase B)
	fcfMPS = 0x4E // multi-page signal (another page, same format)
	fcfEOP = 0x2E // end of procedure (last page)
	fcfPRI = 0x10 // PRI-EOM/MPS/EOP: the same with an operator request
	fcfMCF = 0x8C // message confirmation (page good)
	fcfRTP = 0xCC // retrain positive (page good, train again)
	fcfRTN = 0x4C // retrain negative (page bad, train again)
	fcfPIP = 0xAC // procedure interrupt positive
	fcfPIN = 0x2C // procedure interrupt negative
	fcfDCN = 0xFA // disconnect
	fcfCRP = 0x1A // command repeat (last frame arrived damaged)
)

var fcfNames = map[byte]string{
	fcfDIS: "DIS", fcfCSI: "CSI", fcfNSF: "NSF", fcfDTC: "DTC", fcfCIG: "CIG", fcfNSC: "NSC",
	fcfDCS: "DCS", fcfTSI: "TSI", fcfNSS: "NSS", fcfSUB: "SUB", fcfCFR: "CFR", fcfFTT: "FTT",
	fcfEOM: "EOM", fcfMPS: "MPS", fcfEOP: "EOP", fcfEOM | fcfPRI: "PRI-EOM", fcfMPS | fcfPRI: "PRI-MPS",
	fcfEOP | fcfPRI: "PRI-EOP", fcfMCF: "MCF", fcfRTP: "RTP", fcfRTN: "RTN", fcfPIP: "PIP",
	fcfPIN: "PIN", fcfDCN: "DCN", fcfCRP: "CRP",
}

// fcfKind keeps the bits that name a frame: the whole byte for the
// identification frames of phase B (their bit 0 tells DIS from DTC), the
// byte without the X bit for all others.
func fcfKind(fcf byte) byte {
	switch fcf {
	case fcfDIS, fcfDTC, fcfCSI, fcfCIG, fcfNSF, fcfNSC:
		return fcf
	}
	return fcf &^ 1
}

// FCFName names a T.30 control field ("DIS", "MCF"), or gives it in hex.
func FCFName(fcf byte) string {
	if n, ok := fcfNames[fcfKind(fcf)]; ok {
		return n
	}
	return fmt.Sprintf("FCF 0x%02X", fcf)
}

// Frame is one T.30 HDLC frame without its flags and FCS: address 0xFF,
// control 0x03 (more frames follow) or 0x13 (final frame), FCF, FIF.
type Frame struct {
	FCF   byte
	Final bool
	FIF   []byte // facsimile information field, may be empty
}

// Kind is the frame's FCF with the X bit masked off where it is not part of
// the name (see fcfKind).
func (f Frame) Kind() byte { return fcfKind(f.FCF) }

func (f Frame) String() string { return FCFName(f.FCF) }

// ErrBadFrame is returned by ParseFrame for bytes that are not a T.30 frame.
var ErrBadFrame = errors.New("t30: not a T.30 frame")

// maxFrame bounds a T.30 frame: the longest control frames (NSF) carry well
// under 256 bytes of FIF.
const maxFrame = 260

// ParseFrame reads a T.30 frame as a Class 1 modem delivers it after
// AT+FRH=3: address, control, FCF, FIF and, if withFCS, the two FCS bytes
// (T.31 modems pass them on; they are dropped here, the modem has checked
// them and says OK or ERROR). It never panics on garbage.
func ParseFrame(b []byte, withFCS bool) (Frame, error) {
	if withFCS {
		if len(b) < 5 {
			return Frame{}, fmt.Errorf("%w: %d bytes", ErrBadFrame, len(b))
		}
		b = b[:len(b)-2]
	}
	if len(b) < 3 || len(b) > maxFrame {
		return Frame{}, fmt.Errorf("%w: %d bytes", ErrBadFrame, len(b))
	}
	if b[0] != 0xFF {
		return Frame{}, fmt.Errorf("%w: address 0x%02X", ErrBadFrame, b[0])
	}
	if b[1] != 0x03 && b[1] != 0x13 {
		return Frame{}, fmt.Errorf("%w: control 0x%02X", ErrBadFrame, b[1])
	}
	return Frame{FCF: b[2], Final: b[1] == 0x13, FIF: append([]byte(nil), b[3:]...)}, nil
}

// bytes renders the frame for AT+FTH=3 (the modem adds flags and FCS).
func (f Frame) bytes() []byte {
	ctl := byte(0x03)
	if f.Final {
		ctl = 0x13
	}
	return append([]byte{0xFF, ctl, f.FCF}, f.FIF...)
}

// stationID encodes a CSI/TSI/CIG: 20 characters, space-padded, sent last
// character first (T.30 5.3.6.2.4). Characters outside digits, '+' and
// space are replaced by spaces, as T.30 allows only those.
func stationID(id string) []byte {
	b := make([]byte, 20)
	for i := range b {
		b[i] = ' '
	}
	id = strings.TrimSpace(id)
	for i := 0; i < len(id) && i < 20; i++ {
		c := id[i]
		if !(c >= '0' && c <= '9' || c == '+' || c == ' ') {
			c = ' '
		}
		b[19-i] = c
	}
	return b
}

// parseStationID undoes stationID; printable ASCII only (many machines send
// letters although T.30 does not allow them).
func parseStationID(fif []byte) string {
	var b strings.Builder
	for i := len(fif) - 1; i >= 0; i-- {
		c := fif[i]
		if c < 0x20 || c > 0x7E {
			c = ' '
		}
		b.WriteByte(c)
	}
	return strings.TrimSpace(b.String())
}

// Modulation is a Class 1 high-speed carrier: the T.31 code for AT+FTM/FRM
// with long training, its bit rate and its modem family.
type Modulation struct {
	Code   int // AT+FTM=<code>, long training (e.g. 145: V.17 14400)
	Short  int // the code with short training (same as Code for V.29/V.27ter)
	BPS    int
	Family string // "V.17", "V.29", "V.27ter"
	dcs    byte   // DCS bits 11–14 (byte 1, mask 0x3C)
}

func (m Modulation) String() string { return fmt.Sprintf("%s %d", m.Family, m.BPS) }

// modulations, fastest first: the order of step-down after FTT.
var modulations = []Modulation{
	{145, 146, 14400, "V.17", 0x20},
	{121, 122, 12000, "V.17", 0x28},
	{97, 98, 9600, "V.17", 0x24},
	{96, 96, 9600, "V.29", 0x04},
	{73, 74, 7200, "V.17", 0x2C},
	{72, 72, 7200, "V.29", 0x0C},
	{48, 48, 4800, "V.27ter", 0x08},
	{24, 24, 2400, "V.27ter", 0x00},
}

// parseFTM reads the answer to AT+FTM=? ("24,48,72,73,74,96,…") into the
// set of codes the modem offers. Ranges ("24-48") are not used by modems.
func parseFTM(lines []string) map[int]bool {
	codes := map[int]bool{}
	for _, l := range lines {
		l = strings.TrimPrefix(l, "+FTM:")
		for _, f := range strings.Split(l, ",") {
			var n int
			if _, err := fmt.Sscanf(strings.TrimSpace(f), "%d", &n); err == nil {
				codes[n] = true
			}
		}
	}
	return codes
}

// Capabilities are what a DIS offers or a DCS chooses (T.30 Table 2).
type Capabilities struct {
	CanReceive    bool
	V27, V29, V17 bool // DIS: families offered
	Rate          Modulation
	Fine          bool // 7.7 lines/mm (196 lpi)
	MR            bool // two-dimensional coding (MR)
	ECM           bool
	// MinScanMs is the minimum scan line time in milliseconds, for the
	// resolution in use (DIS) or chosen (DCS).
	MinScanMs int
	// FineMinScanMs is the DIS scan line time that applies at fine
	// resolution where the DIS halves it.
	FineMinScanMs int
	// only2400 is a DIS offering the V.27ter fall-back mode alone.
	only2400 bool
}

// DIS bits 11–14 as families (T.30 Table 2).
var disRates = map[byte][3]bool{ // V.27ter, V.29, V.17
	0x00: {true, false, false}, // V.27ter fallback (2400 only)
	0x08: {true, false, false},
	0x04: {false, true, false},
	0x0C: {true, true, false},
	0x2C: {true, true, true},
}

// DIS scan line times by bits 21–23 (byte 2, 0x70): normal, fine.
var disScan = map[byte][2]int{
	0x00: {20, 20}, 0x40: {40, 40}, 0x20: {10, 10}, 0x10: {5, 5},
	0x60: {10, 5}, 0x30: {20, 10}, 0x50: {40, 20}, 0x70: {0, 0},
}

var dcsScan = map[int]byte{20: 0x00, 40: 0x40, 10: 0x20, 5: 0x10, 0: 0x70}

func fifBit(fif []byte, i int, mask byte) bool { return len(fif) > i && fif[i]&mask != 0 }

// ParseDIS decodes a DIS or DTC FIF. Short or odd fields give a V.27ter
// 2400 normal-resolution station, which every fax understands.
func ParseDIS(fif []byte) Capabilities {
	var c Capabilities
	c.CanReceive = fifBit(fif, 1, 0x02)
	var r byte
	if len(fif) > 1 {
		r = fif[1] & 0x3C
	}
	fam, ok := disRates[r]
	if !ok {
		fam = [3]bool{true, false, false}
	}
	c.V27, c.V29, c.V17 = fam[0], fam[1], fam[2]
	c.only2400 = r == 0x00
	c.Fine = fifBit(fif, 1, 0x40)
	c.MR = fifBit(fif, 1, 0x80)
	var s byte = 0x00
	if len(fif) > 2 {
		s = fif[2] & 0x70
	}
	st := disScan[s]
	c.MinScanMs, c.FineMinScanMs = st[0], st[1]
	if len(fif) > 2 && fif[2]&0x80 != 0 && len(fif) > 3 {
		c.ECM = fifBit(fif, 3, 0x04)
	}
	return c
}

// ParseDCS decodes a DCS FIF: the rate, resolution and coding the sender
// chose.
func ParseDCS(fif []byte) (Capabilities, error) {
	var c Capabilities
	if len(fif) < 3 {
		return c, fmt.Errorf("%w: DCS with %d FIF bytes", ErrBadFrame, len(fif))
	}
	r := fif[1] & 0x3C
	found := false
	for _, m := range modulations {
		if m.dcs == r {
			c.Rate, found = m, true
			break
		}
	}
	if !found {
		return c, fmt.Errorf("%w: DCS rate bits 0x%02X", ErrBadFrame, r)
	}
	c.CanReceive = fif[1]&0x02 != 0
	c.Fine = fif[1]&0x40 != 0
	c.MR = fif[1]&0x80 != 0
	for ms, bits := range dcsScan {
		if fif[2]&0x70 == bits {
			c.MinScanMs = ms
		}
	}
	c.ECM = len(fif) > 3 && fif[2]&0x80 != 0 && fif[3]&0x04 != 0
	return c, nil
}

// supports reports whether a DIS allows modulation m.
func (c Capabilities) supports(m Modulation) bool {
	switch m.Family {
	case "V.17":
		return c.V17
	case "V.29":
		return c.V29
	}
	// A "V.27ter fall-back" station takes 2400 only.
	return c.V27 && (m.BPS == 2400 || !c.only2400)
}

// ourDIS builds the DIS we answer with: ready to receive, the families the
// modem offers, fine resolution, MH only (bit 16 clear: no MR), A4 width,
// unlimited length, 0 ms scan line time (software has no line-time limit),
// no ECM.
func ourDIS(codes map[int]bool) []byte {
	v17 := codes[145] || codes[121] || codes[97] || codes[73]
	v29 := codes[96] || codes[72]
	v27 := codes[48] || codes[24]
	rates := byte(0x08) // V.27ter
	switch {
	case v17 && v29 && v27:
		rates = 0x2C
	case v29 && v27:
		rates = 0x0C
	case v29:
		rates = 0x04
	}
	return []byte{0x00, 0x02 | rates | 0x40, 0x08 | 0x70}
}

// ourDCS builds the DCS for a rate and resolution, with the scan line time
// the receiver asked for.
func ourDCS(m Modulation, fine bool, scanMs int) []byte {
	b1 := byte(0x02) | m.dcs
	if fine {
		b1 |= 0x40
	}
	return []byte{0x00, b1, dcsScan[scanMs]}
}

// t30Phases names the T.30 phase of a T.32 hang-up code by its first digit
// (T.32 Table 23 groups the codes by phase and direction).
var t30Phases = map[byte][2]string{
	'0': {"Phase A (Verbindung)", "Phase A (call)"},
	'1': {"Phase A (Senden: Anruf)", "Phase A (sending: call)"},
	'2': {"Phase B (Senden: Aushandlung)", "Phase B (sending: negotiation)"},
	'3': {"Phase B (Senden: Aushandlung)", "Phase B (sending: negotiation)"},
	'4': {"Phase C (Senden: Seitendaten)", "Phase C (sending: page data)"},
	'5': {"Phase D (Senden: nach der Seite)", "Phase D (sending: after the page)"},
	'6': {"Phase D (Senden: nach der Seite)", "Phase D (sending: after the page)"},
	'7': {"Phase B (Empfang: Aushandlung)", "Phase B (receiving: negotiation)"},
	'8': {"Phase B (Empfang: Aushandlung)", "Phase B (receiving: negotiation)"},
	'9': {"Phase C (Empfang: Seitendaten)", "Phase C (receiving: page data)"},
	'A': {"Phase D (Empfang: nach der Seite)", "Phase D (receiving: after the page)"},
	'B': {"Phase D (Empfang: nach der Seite)", "Phase D (receiving: after the page)"},
}

// T30Reason explains how a Class 1 call ended: the T.32 hang-up code for
// the T.30 phase and cause (the same codes a Class 2.0 modem reports),
// prefixed with the phase in words, German first.
func T30Reason(code string) Reason {
	r := HangupReason(code)
	if r.Code == "00" {
		r.DE, r.EN = "Phase E: "+r.DE, "Phase E: "+r.EN
		return r
	}
	if p, ok := t30Phases[r.Code[0]]; ok && len(r.Code) == 2 {
		r.DE, r.EN = p[0]+": "+r.DE, p[1]+": "+r.EN
	}
	return r
}

// t30Error is a Class 1 call that ended with T.32 hang-up code code.
func t30Error(code string, err error) *CallError {
	e := hangupError(code)
	e.Reason = T30Reason(code)
	e.Err = err
	return e
}
