package fax

import (
	"errors"
	"time"

	"crisisroom/hardware/fax/mh"
	"crisisroom/hardware/serialport"
)

// receive1 answers a RING on a Class 1 modem and runs T.30 as the called
// station (phases B–E): DIS, training check, pages, MCF/RTN, DCN. Only a
// vanished port is returned as an error; a failed call is reported with
// whatever pages arrived.
func (d *Driver) receive1(m *modem) error {
	c := &class1{d: d, m: m, t: d.cfg.T30, codes: d.codes}
	d.setStatus(StatusRinging, nil)
	fax := &Received{ID: newID(), ReceivedAt: time.Now()}
	cerr := c.receiveCall(fax)
	if cerr != nil && serialport.IsGone(cerr.Err) {
		d.deliver(fax, cerr)
		return cerr.Err
	}
	c.hangUp()
	d.deliver(fax, cerr)
	return nil
}

// deliver hands a received fax to the listeners; a call without pages is
// only logged.
func (d *Driver) deliver(fax *Received, cerr *CallError) {
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

// gone keeps a vanished port visible behind any T.30 code.
func gone(code string, err error) *CallError {
	if serialport.IsGone(err) {
		return &CallError{Reason: ResultReason("GONE"), Retry: true, Err: err}
	}
	if errors.Is(err, errTimeout) && code == "" {
		return &CallError{Reason: ResultReason("TIMEOUT"), Retry: true, Err: err}
	}
	return t30Error(code, err)
}

// badPageShare is the share of damaged lines above which a page is answered
// RTN (send it again after retraining) rather than MCF.
const badPageShare = 0.10

func (c *class1) receiveCall(fax *Received) *CallError {
	d := c.d
	c.x = 0 // we send the DIS
	if err := c.cmdConnect("ATA", d.cfg.Timeouts.Answer); err != nil {
		return gone("01", err)
	}
	d.setStatus(StatusReceiving, nil)
	dis := []Frame{{FCF: fcfDIS, FIF: ourDIS(c.codes)}}
	if d.cfg.LocalID != "" {
		dis = append([]Frame{{FCF: fcfCSI, FIF: stationID(d.cfg.LocalID)}}, dis...)
	}
	// ATA's CONNECT is an AT+FTH=3 CONNECT: the DIS goes out at once.
	if err := c.writeFrames(dis); err != nil {
		return gone("70", err)
	}
	var (
		dcs      Capabilities
		rejected *Page // a page answered RTN, kept in case it is not sent again
		pages    int   // pages confirmed (MCF) so far
		t1       = time.Now().Add(c.t.T1)
		haveDCS  bool
		lastResp []Frame // our answer to the last post-page message
	)
	keepRejected := func() {
		if rejected != nil {
			fax.Pages = append(fax.Pages, *rejected)
			rejected = nil
		}
	}
	// Phase B: wait for DCS, sending DIS again every T4 until T1 runs out
	// (T.30 5.3.2.4).
	frames, err := c.recvFrames(c.t.T4, false)
	for {
		if fax.Complete {
			// EOP confirmed: phase E, whatever the sender still said.
			keepRejected()
			return nil
		}
		switch {
		case errors.Is(err, errNoFrame) && !haveDCS:
			if time.Now().After(t1) {
				return gone("71", errors.New("no DCS within T1"))
			}
			if err := c.sendFrames(dis...); err != nil {
				return gone("70", err)
			}
			frames, err = c.recvFrames(c.t.T4, false)
			continue
		case errors.Is(err, errNoFrame), errors.Is(err, errNoCarrier):
			keepRejected()
			if pages > 0 || len(fax.Pages) > 0 {
				return gone("A1", err)
			}
			return gone("71", err)
		case errors.Is(err, errBadFCS):
			if err := c.respond(Frame{FCF: fcfCRP}); err != nil {
				return gone("70", err)
			}
			frames, err = c.recvFrames(c.t.T2, false)
			continue
		case err != nil:
			keepRejected()
			return gone("70", err)
		}
		if f, ok := find(frames, fcfTSI); ok {
			fax.RemoteID = parseStationID(f.FIF)
		}
		if _, ok := find(frames, fcfDCN); ok {
			keepRejected()
			if !haveDCS {
				return gone("74", errors.New("DCN before any page"))
			}
			return gone("A3", errors.New("DCN before the last page"))
		}
		if _, ok := find(frames, fcfCRP); ok {
			if err := c.sendFrames(c.last...); err != nil {
				return gone("70", err)
			}
			frames, err = c.recvFrames(c.t.T2, false)
			continue
		}
		if f, ok := find(frames, fcfDCS); ok {
			caps, perr := ParseDCS(f.FIF)
			if perr != nil || !c.codes[caps.Rate.Code] {
				if perr == nil {
					perr = errors.New("DCS asks for a modulation the modem lacks: " + caps.Rate.String())
				}
				c.sendFrames(Frame{FCF: fcfDCN})
				return gone("72", perr)
			}
			dcs, haveDCS = caps, true
			d.log.Info("t30 DCS", "rate", dcs.Rate.String(), "fine", dcs.Fine, "remote", fax.RemoteID)
			// Training check: TCF follows 75 ms after the DCS.
			// (err is the loop's: what the branches below receive next is what the loop
			// checks, not a shadow of it.)
			var tcf []byte
			tcf, err = c.recvData(dcs.Rate.Code, c.t.T2, 1<<16)
			if errors.Is(err, errWrongCarrier) {
				frames, err = c.recvFrames(c.t.T2, false)
				continue
			}
			if err != nil {
				return gone("70", err)
			}
			good, errs := tcfGood(tcf, dcs.Rate.BPS)
			d.log.Info("t30 training check", "rate", dcs.Rate.String(), "bytes", len(tcf), "errors", errs, "good", good)
			reply := fcfCFR
			if !good {
				reply = fcfFTT
			}
			if err := c.respond(Frame{FCF: byte(reply)}); err != nil {
				return gone("70", err)
			}
			if !good {
				frames, err = c.recvFrames(c.t.T2, false)
				continue
			}
			// Phase C: a page; then phase D with its post-page message.
			frames, err = c.receivePage(fax, dcs, &rejected, &pages, &lastResp)
			continue
		}
		ppm, ok := find(frames, fcfMPS, fcfEOP, fcfEOM, fcfMPS|fcfPRI, fcfEOP|fcfPRI, fcfEOM|fcfPRI)
		if ok && lastResp != nil {
			// Our MCF was lost: the sender repeats its post-page message.
			if err := c.respond(lastResp...); err != nil {
				return gone("A0", err)
			}
			frames, err = c.afterPPM(ppm, fax, dcs, &rejected, &pages, &lastResp, lastResp[0].Kind() == fcfMCF)
			continue
		}
		// Anything else (NSS alone, a stray DIS of our own echo): wait on.
		d.log.Debug("t30 ignoring frames", "frames", frames)
		if time.Now().After(t1) && !haveDCS {
			return gone("71", errors.New("no DCS within T1"))
		}
		frames, err = c.recvFrames(c.t.T2, false)
	}
}

// receivePage takes one page of phase C and the post-page message of
// phase D, answers it, and returns the next frames for receiveCall's loop
// (or io errors with the T.30 meaning already attached by the caller).
func (c *class1) receivePage(fax *Received, dcs Capabilities, rejected **Page, pages *int, lastResp *[]Frame) ([]Frame, error) {
	for {
		data, err := c.recvData(dcs.Rate.Short, c.t.T2, maxPageBytes)
		if errors.Is(err, errWrongCarrier) {
			// No page: the sender repeats a command (it missed our CFR).
			return c.recvFrames(c.t.T2, false)
		}
		if err != nil && len(data) == 0 {
			return nil, err
		}
		page := c.decodePage(data, dcs.Fine)
		frames, ferr := c.recvFrames(c.t.T2, false)
		if ferr != nil {
			// The page arrived but not what to do next: keep it.
			*rejected = nil
			fax.Pages = append(fax.Pages, page)
			return frames, ferr
		}
		ppm, ok := find(frames, fcfMPS, fcfEOP, fcfEOM, fcfMPS|fcfPRI, fcfEOP|fcfPRI, fcfEOM|fcfPRI)
		if !ok {
			fax.Pages = append(fax.Pages, page)
			return frames, nil
		}
		good := page.BadLines <= int(badPageShare*float64(page.Image.Bounds().Dy())) && len(data) > 0
		resp := []Frame{{FCF: fcfMCF}}
		if good {
			*rejected = nil
			fax.Pages = append(fax.Pages, page)
			*pages++
		} else {
			// RTN: the sender retrains and sends the page again; keep this
			// copy in case it gives up.
			resp = []Frame{{FCF: fcfRTN}}
			p := page
			*rejected = &p
			c.d.log.Warn("t30 page damaged, asking for it again", "bad_lines", page.BadLines)
		}
		if err := c.respond(resp...); err != nil {
			return nil, err
		}
		*lastResp = resp
		next, err := c.afterPPM(ppm, fax, dcs, rejected, pages, lastResp, good)
		if next != nil || err != nil || !good || ppm.Kind()&^fcfPRI != fcfMPS {
			return next, err
		}
	}
}

// afterPPM goes on after we answered a post-page message: MPS with MCF
// means another page in the same format (nil, nil: receivePage loops), EOP
// waits for DCN, EOM and RTN go back to waiting for commands.
func (c *class1) afterPPM(ppm Frame, fax *Received, dcs Capabilities, rejected **Page, pages *int, lastResp *[]Frame, good bool) ([]Frame, error) {
	kind := ppm.Kind() &^ fcfPRI
	switch {
	case kind == fcfMPS && good:
		return nil, nil
	case kind == fcfEOP && good:
		fax.Complete = true
		// Phase E: wait for DCN; a repeated EOP means our MCF was lost.
		for i := 0; i < maxRepeats; i++ {
			frames, _ := c.recvFrames(c.t.T2, false)
			if _, ok := find(frames, fcfEOP, fcfEOP|fcfPRI); !ok {
				break
			}
			if err := c.respond(Frame{FCF: fcfMCF}); err != nil {
				break
			}
		}
		return nil, nil
	case kind == fcfEOM && good:
		// Back to phase B: the sender waits for our DIS.
		dis := []Frame{{FCF: fcfDIS, FIF: ourDIS(c.codes)}}
		if err := c.sendFrames(dis...); err != nil {
			return nil, err
		}
	}
	return c.recvFrames(c.t.T2, false)
}

// decodePage turns received MH data into a page, damaged or not.
func (c *class1) decodePage(data []byte, fine bool) Page {
	p, err := mh.Decode(data, nil)
	if err != nil || p == nil {
		img := blankPage()
		return Page{Image: img, Fine: fine, BadLines: img.Bounds().Dy()}
	}
	return Page{Image: p.Image, Fine: fine, BadLines: p.BadLines}
}
