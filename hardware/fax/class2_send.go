package fax

import (
	"bytes"
	"time"

	"crisisroom/hardware/fax/mh"
	"crisisroom/hardware/serialport"
)

// sendJob makes one attempt at a job and reports it. It returns an error
// only when the port is gone; the job is then queued again, not lost.
func (d *Driver) sendJob(m *modem, j *queuedJob) error {
	j.attempt++
	d.setStatus(StatusSending, nil)
	send := d.sendPages
	if d.Class() == Class1 {
		send = d.sendPages1
	}
	sent, err := send(m, j.SendJob)
	res := SendResult{ID: j.ID, Number: j.Number, Pages: sent, Attempt: j.attempt}
	if err == nil {
		res.Status = ResultSent
		d.log.Info("fax sent", "id", j.ID, "pages", sent, "attempt", j.attempt)
		d.report(res)
		return nil
	}
	cerr := callError(err, response{})
	res.Err = cerr
	if cerr.Retry && j.attempt <= len(d.cfg.RetryDelays) {
		res.Status = ResultRetrying
		j.due = time.Now().Add(d.cfg.RetryDelays[j.attempt-1])
		res.NextAttempt = j.due
		d.requeue(j)
	} else {
		res.Status = ResultFailed
	}
	d.log.Warn("fax send failed", "id", j.ID, "status", res.Status, "attempt", j.attempt, "error", cerr)
	d.report(res)
	if serialport.IsGone(err) {
		return err
	}
	return nil
}

// sendPages dials and transmits; it returns how many pages the receiver
// accepted.
func (d *Driver) sendPages(m *modem, job SendJob) (sent int, err error) {
	t := d.cfg.Timeouts
	defer func() {
		// Receiving (and idling) needs flow control off: 0x11/0x13 are data.
		if ferr := m.port.SetFlowControl(serialport.FlowNone); err == nil && ferr != nil {
			err = ferr
		}
		if err != nil && !serialport.IsGone(err) {
			d.hangUp(m)
		}
	}()

	r, err := m.command("ATD"+job.Number, t.Dial)
	if err != nil || r.hangup != "" {
		return 0, callErrorOr(err, r)
	}
	for i, p := range job.Pages {
		last := i == len(job.Pages)-1
		data := shieldPage(mh.Encode(p.Image, nil), last)
		for try := 0; ; try++ {
			var ok bool
			ok, r, err = d.sendPage(m, data)
			if err != nil || (r.hangup != "" && r.hangup != "00") {
				return sent, callErrorOr(err, r)
			}
			if ok {
				break
			}
			if try >= d.cfg.PageResends {
				return sent, &CallError{Reason: ResultReason("REJECTED")}
			}
			// Ask the modem for its page status before resending, as T.32
			// expects after a rejected page.
			m.command("AT+FPS?", t.Command)
			d.log.Info("page rejected, resending", "page", i+1, "try", try+2)
		}
		sent++
		if last {
			if err := d.awaitHangup(m, r); err != nil {
				return sent, err
			}
		}
	}
	return sent, nil
}

func callErrorOr(err error, r response) error {
	if ce := callError(err, r); ce != nil {
		if err != nil && serialport.IsGone(err) {
			return err // keep the gone error visible to the caller
		}
		return ce
	}
	return err
}

// sendPage runs AT+FDT, the page data and the modem's verdict. ok is false
// if the receiver rejected the page.
func (d *Driver) sendPage(m *modem, data []byte) (ok bool, r response, err error) {
	t := d.cfg.Timeouts
	r, err = m.command("AT+FDT", t.FDTConnect)
	if err != nil || r.hangup != "" {
		return false, r, err
	}
	// The kernel must stop our output on XOFF or CTS: user space reacts
	// too late for the modem's small buffer.
	if err := m.port.SetFlowControl(d.flow); err != nil {
		return false, r, err
	}
	if err := m.write(data); err != nil {
		return false, r, err
	}
	// Flow control stays on until the verdict: the last bytes may still be
	// in the UART when we get here.
	r, err = m.await(t.PageReply)
	if err != nil {
		return false, r, err
	}
	if err := m.port.SetFlowControl(serialport.FlowNone); err != nil {
		return false, r, err
	}
	switch r.final {
	case "OK":
		return true, r, nil
	case "ERROR":
		return false, r, nil
	}
	return false, r, &modemResult{r.final}
}

// awaitHangup waits for +FHS after the last page, unless it came already.
func (d *Driver) awaitHangup(m *modem, r response) error {
	if r.hangup == "" {
		var err error
		r, err = m.await(d.cfg.Timeouts.PageReply)
		if err != nil {
			return err
		}
	}
	if r.hangup != "00" && r.hangup != "0" && r.hangup != "" {
		return hangupError(r.hangup)
	}
	return nil
}

// shieldPage doubles every DLE in the page data and appends DLE ',' (more
// pages follow) or DLE '.' (end of document).
func shieldPage(data []byte, last bool) []byte {
	out := bytes.ReplaceAll(data, []byte{dle}, []byte{dle, dle})
	if last {
		return append(out, dle, '.')
	}
	return append(out, dle, ',')
}
