package fax

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"crisisroom/hardware/fax/mh"
	"crisisroom/hardware/serialport"
)

// maxPageBytes bounds one received page; a fine A4 page of dense text is
// under 200 KB in MH.
const maxPageBytes = 4 << 20

// receive answers a RING and takes pages until the caller hangs up. Only a
// vanished port is returned as an error; a failed call is reported with
// whatever pages arrived.
func (d *Driver) receive(m *modem) error {
	t := d.cfg.Timeouts
	d.setStatus(StatusRinging, nil)
	fax := &Received{ID: newID(), ReceivedAt: time.Now()}
	fine := true
	deliver := func(cerr *CallError) {
		fax.Err = cerr
		fax.Complete = cerr == nil
		if len(fax.Pages) == 0 {
			d.log.Warn("incoming call without pages", "remote", fax.RemoteID, "error", cerr)
			return
		}
		d.log.Info("fax received", "remote", fax.RemoteID, "pages", len(fax.Pages), "bad_lines", fax.BadLines(), "complete", fax.Complete)
		d.each(func(e Events) {
			if e.Received != nil {
				e.Received(fax)
			}
		})
	}
	// fail ends the call; it returns a non-nil error only if the port is gone.
	fail := func(err error, r response) error {
		cerr := callError(err, r)
		deliver(cerr)
		if serialport.IsGone(err) {
			return err
		}
		d.hangUp(m)
		return nil
	}

	r, err := m.command("ATA", t.Answer)
	if err != nil || r.hangup != "" {
		return fail(err, r)
	}
	fax.RemoteID, _ = r.value("+FTI:")
	fine = parseFine(r, fine)
	d.setStatus(StatusReceiving, nil)

	for {
		r, err := m.command("AT+FDR", t.FDRConnect)
		if r.hangup != "" {
			// After the last page the modem answers AT+FDR with +FHS.
			if r.hangup == "00" || r.hangup == "0" {
				deliver(nil)
				return nil
			}
			return fail(err, r)
		}
		if err != nil {
			return fail(err, r)
		}
		fine = parseFine(r, fine)
		if err := m.write([]byte{dc2}); err != nil {
			return fail(err, r)
		}
		data, err := d.readPageData(m)
		if len(data) > 0 {
			d.keepPage(fax, data, fine)
		}
		if err != nil {
			return fail(err, r)
		}
		post, err := m.await(t.PageReply)
		if err != nil {
			return fail(err, post)
		}
		if post.hangup != "" && post.hangup != "00" {
			return fail(nil, post)
		}
		if post.final == "ERROR" {
			// The modem judged the page bad (its +FPS says so too); we keep
			// our decoding of it rather than lose it, and go on.
			d.log.Warn("modem reported a bad page", "page", len(fax.Pages))
		}
	}
}

// keepPage decodes a page; undecodable data still counts as a page (white,
// all lines bad) so the recipient sees that something was lost.
func (d *Driver) keepPage(fax *Received, data []byte, fine bool) {
	p, err := mh.Decode(data, nil)
	if errors.Is(err, mh.ErrNoLines) {
		img := blankPage()
		fax.Pages = append(fax.Pages, Page{Image: img, Fine: fine, BadLines: img.Bounds().Dy()})
		return
	}
	fax.Pages = append(fax.Pages, Page{Image: p.Image, Fine: fine, BadLines: p.BadLines})
}

// readPageData undoes the modem's DLE shielding up to DLE ETX.
func (d *Driver) readPageData(m *modem) ([]byte, error) {
	var data []byte
	first := true
	silence := d.cfg.Timeouts.DataSilence
	for {
		c, err := m.readByte(time.Now().Add(silence))
		if err != nil {
			return data, fmt.Errorf("page data: %w", err)
		}
		if c == '\n' && len(data) == 0 && first {
			// The LF of "CONNECT\r\n" arrived late; page data starts with
			// an EOL (zero bits), never with 0x0A.
			first = false
			continue
		}
		first = false
		if c != dle {
			data = append(data, c)
		} else {
			c, err = m.readByte(time.Now().Add(silence))
			if err != nil {
				return data, fmt.Errorf("page data: %w", err)
			}
			switch c {
			case dle:
				data = append(data, dle)
			case sub:
				data = append(data, dle, dle)
			case etx:
				return data, nil
			default:
				// DLE 0x01..0x04 and other pairs carry nothing for us.
			}
		}
		if len(data) > maxPageBytes {
			return data, errors.New("page data: page too long")
		}
	}
}

// parseFine reads the vertical resolution from +FCS:vr,…
func parseFine(r response, fine bool) bool {
	v, ok := r.value("+FCS:")
	if !ok {
		return fine
	}
	vr, _, _ := strings.Cut(v, ",")
	return strings.TrimSpace(vr) != "0"
}

// hangUp ends a call the modem may still consider open. Not a bare CAN:
// that byte also occurs inside page data.
func (d *Driver) hangUp(m *modem) {
	t := d.cfg.Timeouts.Command
	m.command("AT+FKS", t)
	m.command("ATH0", t)
}
