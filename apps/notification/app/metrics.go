package app

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/registrar-edu/registrar/apps/notification/domain"
)

// Metrics counts send attempts, deferrals, repeats and live updates; a nil *Metrics counts
// nothing.
type Metrics struct {
	attempts  *prometheus.CounterVec
	deferrals *prometheus.CounterVec
	repeats   *prometheus.CounterVec
	updates   *prometheus.CounterVec
}

// NewMetrics registers the notification metrics on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		attempts: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "registrar_notification_send_attempts_total",
			Help: "Email send attempts by template and result (sent, failed, dead-lettered)."}, []string{"template", "result"}),
		deferrals: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "registrar_notification_deferred_total",
			Help: "Messages deferred by the per-student rate limit, by template."}, []string{"template"}),
		repeats: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "registrar_notification_repeats_total",
			Help: "Events that asked again for a message already in the delivery log, by template."}, []string{"template"}),
		updates: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "registrar_notification_updates_published_total",
			Help: "Live updates published, by source event type."}, []string{"source_type"}),
	}
	reg.MustRegister(m.attempts, m.deferrals, m.repeats, m.updates)
	return m
}

func (m *Metrics) attempt(t domain.Template, result string) {
	if m != nil {
		m.attempts.WithLabelValues(string(t), result).Inc()
	}
}

func (m *Metrics) deferred(t domain.Template) {
	if m != nil {
		m.deferrals.WithLabelValues(string(t)).Inc()
	}
}

func (m *Metrics) repeat(t domain.Template) {
	if m != nil {
		m.repeats.WithLabelValues(string(t)).Inc()
	}
}

func (m *Metrics) update(sourceType string) {
	if m != nil {
		m.updates.WithLabelValues(sourceType).Inc()
	}
}
