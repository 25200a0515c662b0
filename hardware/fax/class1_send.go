package fax

import (
	"errors"
	"fmt"
	"image"
	"time"

	"crisisroom/hardware/fax/mh"
	"crisisroom/hardware/serialport"
)

// sendPages1 dials on a Class 1 modem and runs T.30 as the calling station:
// DIS in, TSI+DCS and TCF out until CFR (stepping down the rate after FTT),
// each page with MPS or EOP, MCF/RTP/RTN handled, DCN. It returns how many
// pages the receiver confirmed; errors are *CallError unless the port is
// gone.
func (d *Driver) sendPages1(m *modem, job SendJob) (int, error) {
	c := &class1{d: d, m: m, t: d.cfg.T30, codes: d.codes}
	sent, cerr := c.sendCall(job)
	if cerr == nil {
		return sent, nil
	}
	if serialport.IsGone(cerr.Err) {
		return sent, cerr.Err
	}
	c.hangUp()
	return sent, cerr
}

func (c *class1) sendCall(job SendJob) (int, *CallError) {
	d := c.d
	c.x = 1 // we receive the DIS
	res, cerr := c.dial(job.Number)
	if cerr != nil {
		return 0, cerr
	}
	if res != "CONNECT" && !(len(res) > 8 && res[:8] == "CONNECT ") {
		e := resultError(res)
		return 0, e
	}
	// Phase B: the answerer's CSI/DIS follows CONNECT at once; it repeats
	// the DIS until T1 if it does not hear us.
	frames, err := c.recvFrames(c.t.T4, true)
	var dis Capabilities
	remote := ""
	for tries := 0; ; tries++ {
		if f, ok := find(frames, fcfDIS); ok {
			dis = ParseDIS(f.FIF)
			if f, ok := find(frames, fcfCSI); ok {
				remote = parseStationID(f.FIF)
			}
			break
		}
		if _, ok := find(frames, fcfDCN); ok {
			return 0, t30Error("26", errors.New("DCN instead of DIS"))
		}
		if err != nil && !errors.Is(err, errNoFrame) && !errors.Is(err, errBadFCS) {
			return 0, gone("10", err)
		}
		if c.t.T4*time.Duration(tries+1) > c.t.T1 {
			return 0, t30Error("11", errors.New("no DIS within T1"))
		}
		frames, err = c.recvFrames(c.t.T4, false)
	}
	if !dis.CanReceive {
		c.sendFrames(Frame{FCF: fcfDCN})
		return 0, t30Error("10", errors.New("the remote fax cannot receive"))
	}
	d.log.Info("t30 DIS", "remote", remote, "v17", dis.V17, "v29", dis.V29, "fine", dis.Fine, "scan_ms", dis.MinScanMs)

	rates := c.rates(dis)
	if len(rates) == 0 {
		c.sendFrames(Frame{FCF: fcfDCN})
		return 0, t30Error("10", errors.New("no modulation both sides share"))
	}
	fine := len(job.Pages) > 0 && job.Pages[0].Fine && dis.Fine
	scan := dis.MinScanMs
	if fine {
		scan = dis.FineMinScanMs
	}
	ri := 0
	if cerr := c.train(rates, &ri, fine, scan); cerr != nil {
		return 0, cerr
	}
	sent := 0
	for i := 0; i < len(job.Pages); i++ {
		last := i == len(job.Pages)-1
		data := c.encode(job.Pages[i], fine, rates[ri].BPS, scan)
		ppm := byte(fcfMPS)
		if last {
			ppm = fcfEOP
		}
		for try := 0; ; try++ {
			if err := c.sendData(rates[ri].Short, rates[ri].BPS, data); err != nil {
				return sent, gone("40", err)
			}
			if err := c.silence(75); err != nil {
				return sent, gone("40", err)
			}
			resp, cerr := c.command([]Frame{{FCF: ppm}}, "52")
			if cerr != nil {
				return sent, cerr
			}
			switch resp.Kind() {
			case fcfMCF, fcfPIP:
				sent++
			case fcfRTP:
				sent++
				if !last {
					if cerr := c.train(rates, &ri, fine, scan); cerr != nil {
						return sent, cerr
					}
				}
			case fcfRTN, fcfPIN:
				if try >= d.cfg.PageResends {
					c.sendFrames(Frame{FCF: fcfDCN})
					return sent, t30Error("53", fmt.Errorf("page %d rejected %d times (RTN)", i+1, try+1))
				}
				d.log.Info("t30 page rejected (RTN), retraining and sending it again", "page", i+1, "try", try+2)
				if cerr := c.train(rates, &ri, fine, scan); cerr != nil {
					return sent, cerr
				}
				continue
			case fcfDCN:
				return sent, t30Error("54", errors.New("DCN after a page"))
			default:
				return sent, t30Error("51", fmt.Errorf("%s after a page", resp))
			}
			break
		}
	}
	// Phase E.
	c.sendFrames(Frame{FCF: fcfDCN})
	return sent, nil
}

// rates lists the modulations both ends share, fastest first.
func (c *class1) rates(dis Capabilities) []Modulation {
	var out []Modulation
	for _, m := range modulations {
		if c.codes[m.Code] && dis.supports(m) {
			out = append(out, m)
		}
	}
	return out
}

// train sends TSI+DCS and the TCF until the receiver says CFR, stepping
// down after FTT (T.30 5.3.2.5). A DCS nobody answers is repeated three
// times.
func (c *class1) train(rates []Modulation, ri *int, fine bool, scanMs int) *CallError {
	d := c.d
	for {
		r := rates[*ri]
		frames := []Frame{{FCF: fcfDCS, FIF: ourDCS(r, fine, scanMs)}}
		if d.cfg.LocalID != "" {
			frames = append([]Frame{{FCF: fcfTSI, FIF: stationID(d.cfg.LocalID)}}, frames...)
		}
		var resp Frame
		got := false
		for try := 0; try < maxRepeats && !got; try++ {
			if err := c.sendFrames(frames...); err != nil {
				return gone("20", err)
			}
			if err := c.silence(75); err != nil {
				return gone("20", err)
			}
			tcf := make([]byte, r.BPS*3/16)
			if err := c.sendData(r.Code, r.BPS, tcf); err != nil {
				return gone("20", err)
			}
			fr, err := c.recvFrames(c.t.T4, false)
			if f, ok := find(fr, fcfCFR, fcfFTT, fcfDCN); ok {
				resp, got = f, true
				break
			}
			if err != nil && !errors.Is(err, errNoFrame) && !errors.Is(err, errBadFCS) {
				return gone("20", err)
			}
			// Nothing, a CRP, or the DIS again: the receiver missed the DCS.
		}
		if !got {
			c.sendFrames(Frame{FCF: fcfDCN})
			return t30Error("25", errors.New("DCS sent three times without response"))
		}
		switch resp.Kind() {
		case fcfCFR:
			d.log.Info("t30 trained", "rate", r.String(), "fine", fine)
			return nil
		case fcfDCN:
			return t30Error("26", errors.New("DCN after DCS"))
		}
		// FTT: one step slower.
		d.log.Info("t30 failure to train, stepping down", "rate", r.String())
		if *ri+1 >= len(rates) {
			c.sendFrames(Frame{FCF: fcfDCN})
			return t30Error("27", errors.New("failure to train at "+r.String()))
		}
		*ri++
	}
}

// command sends a command of phase D and waits T4 for the response,
// repeating it up to three times when nothing (or CRP) comes back.
func (c *class1) command(cmd []Frame, code string) (Frame, *CallError) {
	for try := 0; try < maxRepeats; try++ {
		if err := c.sendFrames(cmd...); err != nil {
			return Frame{}, gone(code, err)
		}
		fr, err := c.recvFrames(c.t.T4, false)
		for _, f := range fr {
			if f.Kind() != fcfCRP && f.Final {
				return f, nil
			}
		}
		if err != nil && !errors.Is(err, errNoFrame) && !errors.Is(err, errBadFCS) {
			return Frame{}, gone(code, err)
		}
	}
	c.sendFrames(Frame{FCF: fcfDCN})
	return Frame{}, t30Error(code, fmt.Errorf("no response to %s", cmd[len(cmd)-1]))
}

// encode renders a page for the line: normal resolution drops every other
// line of a fine page, and each line is padded to the receiver's minimum
// scan line time at the chosen rate.
func (c *class1) encode(p Page, fine bool, bps, scanMs int) []byte {
	img := p.Image
	switch {
	case p.Fine && !fine:
		img = halveLines(img)
	case !p.Fine && fine:
		img = doubleLines(img)
	}
	return mh.Encode(img, &mh.Options{MinLineBits: bps * scanMs / 1000})
}

// halveLines keeps every other line: fine (196 lpi) to normal (98 lpi).
func halveLines(src *image.Gray) *image.Gray {
	b := src.Bounds()
	dst := image.NewGray(image.Rect(0, 0, b.Dx(), (b.Dy()+1)/2))
	for y := 0; y < dst.Bounds().Dy(); y++ {
		copy(dst.Pix[y*dst.Stride:y*dst.Stride+b.Dx()], src.Pix[(2*y)*src.Stride:(2*y)*src.Stride+b.Dx()])
	}
	return dst
}

// doubleLines repeats every line: normal to fine.
func doubleLines(src *image.Gray) *image.Gray {
	b := src.Bounds()
	dst := image.NewGray(image.Rect(0, 0, b.Dx(), 2*b.Dy()))
	for y := 0; y < dst.Bounds().Dy(); y++ {
		copy(dst.Pix[y*dst.Stride:y*dst.Stride+b.Dx()], src.Pix[(y/2)*src.Stride:(y/2)*src.Stride+b.Dx()])
	}
	return dst
}

// dialToneWait bounds how long a dial is repeated while the modem reports
// NO DIALTONE: a line (or a software modem) stays busy for some seconds
// after the previous call hung up.
const dialToneWait = 15 * time.Second

// dial runs ATD until the modem says how the call went; the final result
// ("CONNECT", "BUSY", …) is returned for the caller to judge.
func (c *class1) dial(number string) (string, *CallError) {
	d := c.d
	until := time.Now().Add(dialToneWait)
	for {
		if err := c.m.send("ATD" + number); err != nil {
			return "", gone("", err)
		}
		res, err := c.result(d.cfg.Timeouts.Dial)
		if errors.Is(err, errTimeout) {
			c.abort()
			return "", t30Error("11", errors.New("no answer in time"))
		}
		if err != nil {
			return "", gone("", err)
		}
		if (res != "NO DIALTONE" && res != "NO DIAL TONE") || time.Now().After(until) {
			return res, nil
		}
		d.log.Debug("no dial tone yet, dialling again")
		select {
		case <-c.m.ctx.Done():
			return "", gone("", c.m.ctx.Err())
		case <-time.After(time.Second):
		}
	}
}
