package server

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/zhonglou/ecospace/server/reeval"
)

// reevalCollector exports the re-evaluation worker's counts on /metrics.
type reevalCollector struct {
	w                       *reeval.Worker
	judged, failed, changed *prometheus.Desc
}

func newReevalCollector(w *reeval.Worker) *reevalCollector {
	return &reevalCollector{w: w,
		judged:  prometheus.NewDesc("ecospace_reeval_judged_total", "Filed decisions judged again after a layer version was recorded.", nil, nil),
		failed:  prometheus.NewDesc("ecospace_reeval_failed_total", "Filed decisions that could not be judged again (logged with their check id).", nil, nil),
		changed: prometheus.NewDesc("ecospace_reeval_changes_total", "Filed decisions whose verdict or deciding rule changed (GET /api/v1/changes).", nil, nil),
	}
}

func (c *reevalCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.judged
	ch <- c.failed
	ch <- c.changed
}

func (c *reevalCollector) Collect(ch chan<- prometheus.Metric) {
	st := c.w.Stats()
	ch <- prometheus.MustNewConstMetric(c.judged, prometheus.CounterValue, float64(st.Judged))
	ch <- prometheus.MustNewConstMetric(c.failed, prometheus.CounterValue, float64(st.Failed))
	ch <- prometheus.MustNewConstMetric(c.changed, prometheus.CounterValue, float64(st.Changed))
}
