package httpx

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// NewMetrics registers the request metrics on reg and returns the Observe
// that feeds them: counts and latencies by method, route pattern and status.
// Route patterns (not raw paths) keep the label set bounded.
func NewMetrics(reg prometheus.Registerer) Observe {
	requests := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "igny8_http_requests_total", Help: "HTTP requests served, by method, route and status.",
	}, []string{"method", "route", "status"})
	latency := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "igny8_http_request_duration_seconds", Help: "HTTP request latency, by method and route.",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
	}, []string{"method", "route"})
	reg.MustRegister(requests, latency)
	return func(r *http.Request, status int, elapsed time.Duration) {
		route := r.Pattern
		if route == "" {
			route = "unmatched"
		}
		requests.WithLabelValues(r.Method, route, strconv.Itoa(status)).Inc()
		latency.WithLabelValues(r.Method, route).Observe(elapsed.Seconds())
	}
}
