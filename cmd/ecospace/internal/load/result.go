package load

// KindStats are the results of one kind of request in one phase.
type KindStats struct {
	Kind      string  `json:"kind"`
	Requests  int     `json:"requests"`
	Errors    int     `json:"errors"`
	PerSec    float64 `json:"per_second"` // median of the rounds
	PerSecMin float64 `json:"per_second_min,omitempty"`
	PerSecMax float64 `json:"per_second_max,omitempty"`
	P50Ms     float64 `json:"p50_ms"`
	P90Ms     float64 `json:"p90_ms"`
	P99Ms     float64 `json:"p99_ms"`
	MaxMs     float64 `json:"max_ms"`
	MBPerSec  float64 `json:"mb_per_second"`
	FirstErr  string  `json:"first_error,omitempty"`
}

// PhaseResult is one phase of a run: each kind of request in it, and all of
// them together.
type PhaseResult struct {
	Phase   string      `json:"phase"`
	Seconds float64     `json:"seconds"`
	Kinds   []KindStats `json:"kinds"`
	Total   KindStats   `json:"total"`
	// P99MsRounds is each round's p99 over every request of the phase.
	P99MsRounds []float64 `json:"p99_ms_rounds,omitempty"`
}

// Result is what Run measured of one server. ServerLoad and
// ServerPeakRSSMB are the caller's to fill in (see Child); Run leaves them
// empty.
type Result struct {
	URL             string        `json:"url"`
	Connections     int           `json:"connections"`
	GOMAXPROCS      int           `json:"gomaxprocs"`
	Rounds          int           `json:"rounds"`
	ServerLoad      string        `json:"server_load,omitempty"`
	ServerPeakRSSMB float64       `json:"server_peak_rss_mb,omitempty"`
	Phases          []PhaseResult `json:"phases"`
	// PointVsEcho is point checks/s over echo requests/s, the issue's
	// target being ≥ 0.5 at 64 connections.
	PointVsEcho       float64   `json:"point_vs_echo,omitempty"` // median over rounds
	PointVsEchoRounds []float64 `json:"point_vs_echo_rounds,omitempty"`
	// PointVsBare is point checks/s over a bare echo server's requests/s
	// (no middleware; issue 18's target ≥ 0.5), P99VsBare the point
	// checks' p99 over the bare server's (target ≤ 1.3): medians of the
	// rounds' ratios.
	PointVsBare       float64   `json:"point_vs_bare,omitempty"`
	PointVsBareRounds []float64 `json:"point_vs_bare_rounds,omitempty"`
	P99VsBare         float64   `json:"point_p99_vs_bare,omitempty"`
	P99VsBareRounds   []float64 `json:"point_p99_vs_bare_rounds,omitempty"`
}
