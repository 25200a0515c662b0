// Package promauto is a stand-in for client_golang's promauto: the constructors that would
// also register the metric. There is no registry here, so they only construct (see the
// prometheus package of this folder for why).
package promauto

import "github.com/prometheus/client_golang/prometheus"

// NewCounterVec returns a family of no-op counters.
func NewCounterVec(o prometheus.CounterOpts, labels []string) *prometheus.CounterVec {
	return prometheus.NewCounterVec(o, labels)
}

// NewGaugeVec returns a family of no-op gauges.
func NewGaugeVec(o prometheus.GaugeOpts, labels []string) *prometheus.GaugeVec {
	return prometheus.NewGaugeVec(o, labels)
}

// NewHistogramVec returns a family of no-op histograms.
func NewHistogramVec(o prometheus.HistogramOpts, labels []string) *prometheus.HistogramVec {
	return prometheus.NewHistogramVec(o, labels)
}

// NewCounter returns a no-op counter.
func NewCounter(o prometheus.CounterOpts) prometheus.Counter { return prometheus.NewCounter(o) }

// NewGauge returns a no-op gauge.
func NewGauge(o prometheus.GaugeOpts) prometheus.Gauge { return prometheus.NewGauge(o) }
