package app

import "github.com/prometheus/client_golang/prometheus"

// Metrics counts gateway calls by outcome and published events; a nil *Metrics counts nothing.
type Metrics struct {
	calls  *prometheus.CounterVec
	events *prometheus.CounterVec
}

// NewMetrics registers the payment metrics on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		calls: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "registrar_payment_gateway_calls_total",
			Help: "Payment gateway calls by operation and result (succeeded, declined, transient, refused, lease-busy)."},
			[]string{"op", "result"}),
		events: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "registrar_payment_events_published_total",
			Help: "Payment events published, by type."}, []string{"type"}),
	}
	reg.MustRegister(m.calls, m.events)
	return m
}

func (m *Metrics) gateway(op, result string) {
	if m != nil {
		m.calls.WithLabelValues(op, result).Inc()
	}
}

func (m *Metrics) published(typ string) {
	if m != nil {
		m.events.WithLabelValues(typ).Inc()
	}
}
