// Package prometheus is a stand-in for github.com/prometheus/client_golang/prometheus with
// the part of its API that Litestream (crisisroom's hot standby) records metrics through.
//
// Why: crisisroom exposes no /metrics endpoint, so Litestream's metrics were registered
// in a registry nobody ever read; the real client (with protobuf, procfs and expfmt) cost
// about 2 MB of the binary. Every metric here is a no-op: values are accepted and dropped.
// go.mod points github.com/prometheus/client_golang at this folder.
package prometheus

// Labels maps a label name to its value.
type Labels map[string]string

// Opts names and describes a metric (kept for the callers' composite literals).
type Opts struct {
	Namespace, Subsystem, Name, Help string
	ConstLabels                      Labels
}

// CounterOpts describes a counter.
type CounterOpts Opts

// GaugeOpts describes a gauge.
type GaugeOpts Opts

// HistogramOpts describes a histogram; Buckets are upper bounds in the metric's unit.
type HistogramOpts struct {
	Namespace, Subsystem, Name, Help string
	ConstLabels                      Labels
	Buckets                          []float64
}

// Counter only goes up.
type Counter interface {
	Inc()
	Add(float64)
}

// Gauge goes up and down.
type Gauge interface {
	Set(float64)
	Inc()
	Dec()
	Add(float64)
	Sub(float64)
	SetToCurrentTime()
}

// Observer records one observation (a histogram's).
type Observer interface{ Observe(float64) }

type noop struct{}

func (noop) Inc()              {}
func (noop) Dec()              {}
func (noop) Add(float64)       {}
func (noop) Sub(float64)       {}
func (noop) Set(float64)       {}
func (noop) SetToCurrentTime() {}
func (noop) Observe(float64)   {}

// NewCounter returns a counter that drops what it is given.
func NewCounter(CounterOpts) Counter { return noop{} }

// NewGauge returns a gauge that drops what it is given.
func NewGauge(GaugeOpts) Gauge { return noop{} }

// CounterVec is a family of counters told apart by label values.
type CounterVec struct{}

// NewCounterVec returns a family of no-op counters.
func NewCounterVec(CounterOpts, []string) *CounterVec { return &CounterVec{} }

// WithLabelValues returns the counter of these label values.
func (*CounterVec) WithLabelValues(...string) Counter { return noop{} }

// With returns the counter of these labels.
func (*CounterVec) With(Labels) Counter { return noop{} }

// MustCurryWith returns the family with some labels fixed.
func (v *CounterVec) MustCurryWith(Labels) *CounterVec { return v }

// DeletePartialMatch removes the counters matching labels; it reports how many (none).
func (*CounterVec) DeletePartialMatch(Labels) int { return 0 }

// DeleteLabelValues removes the counter of these label values.
func (*CounterVec) DeleteLabelValues(...string) bool { return false }

// Delete removes the counter of these labels.
func (*CounterVec) Delete(Labels) bool { return false }

// Reset removes every counter of the family.
func (*CounterVec) Reset() {}

// GaugeVec is a family of gauges told apart by label values.
type GaugeVec struct{}

// NewGaugeVec returns a family of no-op gauges.
func NewGaugeVec(GaugeOpts, []string) *GaugeVec { return &GaugeVec{} }

// WithLabelValues returns the gauge of these label values.
func (*GaugeVec) WithLabelValues(...string) Gauge { return noop{} }

// With returns the gauge of these labels.
func (*GaugeVec) With(Labels) Gauge { return noop{} }

// MustCurryWith returns the family with some labels fixed.
func (v *GaugeVec) MustCurryWith(Labels) *GaugeVec { return v }

// DeletePartialMatch removes the gauges matching labels; it reports how many (none).
func (*GaugeVec) DeletePartialMatch(Labels) int { return 0 }

// DeleteLabelValues removes the gauge of these label values.
func (*GaugeVec) DeleteLabelValues(...string) bool { return false }

// Delete removes the gauge of these labels.
func (*GaugeVec) Delete(Labels) bool { return false }

// Reset removes every gauge of the family.
func (*GaugeVec) Reset() {}

// HistogramVec is a family of histograms told apart by label values.
type HistogramVec struct{}

// NewHistogramVec returns a family of no-op histograms.
func NewHistogramVec(HistogramOpts, []string) *HistogramVec { return &HistogramVec{} }

// WithLabelValues returns the histogram of these label values.
func (*HistogramVec) WithLabelValues(...string) Observer { return noop{} }

// With returns the histogram of these labels.
func (*HistogramVec) With(Labels) Observer { return noop{} }

// DeletePartialMatch removes the histograms matching labels; it reports how many (none).
func (*HistogramVec) DeletePartialMatch(Labels) int { return 0 }
