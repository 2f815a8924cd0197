package analyzer

import "time"

// SchemaVersion is the version of the JSON contract (DESIGN.md section 5).
const SchemaVersion = 1

// Report is the incident model: everything the reports render. It is the
// JSON contract of DESIGN.md section 5; field names and listed values are
// fixed, more fields may be added. Times are UTC; lists are sorted
// deterministically; nothing in it depends on map order or the clock.
type Report struct {
	SchemaVersion   int             `json:"schema_version"`
	Title           string          `json:"title"`
	Window          Window          `json:"window"`
	Inputs          []Input         `json:"inputs"`
	Traffic         Traffic         `json:"traffic"`
	Incidents       []Incident      `json:"incidents"`
	Restarts        []Restart       `json:"restarts"`
	RetryStorm      RetryStorm      `json:"retry_storm"`
	AmbiguousWrites AmbiguousWrites `json:"ambiguous_writes"`
	Capacity        *Capacity       `json:"capacity"`
	Timeline        []TimelineEntry `json:"timeline"`
	SlowQueries     []QueryDigest   `json:"slow_queries"`
	Warnings        []string        `json:"warnings"`
	// Series holds the chart data; the JSON carries it for machines too.
	Series Series `json:"series"`
	// Notes say what the logs could not show and what was assumed
	// ("no $request_time: in-flight is estimated").
	Notes []string `json:"notes"`
}

// Window is the analysed time range.
type Window struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

// Input is the accounting of one input: every line is parsed or skipped.
type Input struct {
	Name        string       `json:"name"`
	Kind        string       `json:"kind"`
	Format      string       `json:"format"`
	TZ          string       `json:"tz"`
	TZSource    string       `json:"tz_source"` // "log", "flag", "access-log offset", "machine"
	Lines       int64        `json:"lines"`
	Parsed      int64        `json:"parsed"`
	Skipped     int64        `json:"skipped"`
	SkipReasons []SkipReason `json:"skip_reasons"`
	First       *time.Time   `json:"first"`
	Last        *time.Time   `json:"last"`
	Warnings    []string     `json:"warnings,omitempty"`
}

// SkipReason groups skipped lines by why, with the first samples.
type SkipReason struct {
	Reason  string   `json:"reason"`
	Count   int64    `json:"count"`
	Samples []Sample `json:"samples"`
}

// Sample is one skipped line and where it was.
type Sample struct {
	Line int64  `json:"line"`
	Text string `json:"text"`
}

// Traffic is the access-log summary.
type Traffic struct {
	Requests    int64        `json:"requests"`
	BaselineRPS float64      `json:"baseline_rps"`
	PeakRPS     float64      `json:"peak_rps"`
	PeakAt      *time.Time   `json:"peak_at"`
	Status      StatusCounts `json:"status"`
	Writes      int64        `json:"writes"`
	Bytes       int64        `json:"bytes"`
	Clients     int64        `json:"distinct_clients"`
	HasLatency  bool         `json:"has_latency"`
	P50Ms       float64      `json:"p50_ms"`
	P95Ms       float64      `json:"p95_ms"`
	P99Ms       float64      `json:"p99_ms"`
}

// StatusCounts counts requests by status class.
type StatusCounts struct {
	S2xx int64 `json:"2xx"`
	S3xx int64 `json:"3xx"`
	S4xx int64 `json:"4xx"`
	S5xx int64 `json:"5xx"`
}

// Incident is one sustained departure from the baseline.
type Incident struct {
	Start      time.Time    `json:"start"`
	End        *time.Time   `json:"end"` // nil: still ongoing when the logs end
	PeakAt     time.Time    `json:"peak_at"`
	Phases     []Phase      `json:"phases"`
	Trigger    Trigger      `json:"trigger"`
	Flood      Flood        `json:"flood"`
	Saturation []Saturation `json:"saturation"`
	Impact     Impact       `json:"impact"`
	Summary    string       `json:"summary"`
}

// Phase is a part of an incident: onset, saturation, mitigation, relapse, recovery.
type Phase struct {
	Name  string    `json:"name"`
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

// Trigger says what set the incident off.
type Trigger struct {
	Kind       string   `json:"kind"` // social-surge|launch-rush|bot-flood|few-sources|retry-storm|backend-failure|unknown
	Confidence float64  `json:"confidence"`
	Evidence   []string `json:"evidence"`
}

// Flood is the composition of the surge against the baseline.
type Flood struct {
	PeakRPS          float64 `json:"peak_rps"`
	BaselineRPS      float64 `json:"baseline_rps"`
	Factor           float64 `json:"factor"`
	DistinctClients  int64   `json:"distinct_clients"`
	NewClientShare   float64 `json:"new_client_share"`
	TopReferrers     []Share `json:"top_referrers"`
	TopPaths         []Share `json:"top_paths"`
	TopClients       []Share `json:"top_clients"`
	TopPrefixes      []Share `json:"top_prefixes"`
	UserAgentClasses []Share `json:"user_agent_classes"`
	// ClientRatePerMin is the distribution of requests per client and
	// minute during the incident (from a uniform sample of the clients
	// when a minute had more than 2,048).
	ClientRatePerMin RateDistribution `json:"client_rate_per_min"`
	// BaselineClientRatePerMin is the same before the incident.
	BaselineClientRatePerMin RateDistribution `json:"baseline_client_rate_per_min"`
}

// RateDistribution summarises per-client request rates.
type RateDistribution struct {
	P50 float64 `json:"p50"`
	P90 float64 `json:"p90"`
	P99 float64 `json:"p99"`
	Max float64 `json:"max"`
}

// Share is one row of a top table: this key's share of the incident's
// requests against its share of the baseline's.
type Share struct {
	Key           string  `json:"key"`
	Requests      int64   `json:"requests"`
	Share         float64 `json:"share"`
	BaselineShare float64 `json:"baseline_share"`
	Lift          float64 `json:"lift"`
}

// Saturation is one resource at its limit.
type Saturation struct {
	Resource string     `json:"resource"` // php-fpm|mysql|nginx|memory
	Start    time.Time  `json:"start"`
	End      *time.Time `json:"end"`
	Limit    *int64     `json:"limit"`
	Inferred bool       `json:"inferred"` // true when no log said so (in-flight plateau, 502 share)
	Evidence []string   `json:"evidence"`
}

// Impact is what users felt.
type Impact struct {
	FailedRequests  int64   `json:"failed_requests"`
	ErrorRate       float64 `json:"error_rate"`
	AffectedClients int64   `json:"affected_clients"`
	DegradedS       float64 `json:"degraded_s"`
}

// Restart is one start/stop/crash/kill of a service and its effect.
type Restart struct {
	At            time.Time `json:"at"`
	Service       string    `json:"service"` // php-fpm|mysql|nginx|apache
	Kind          string    `json:"kind"`    // manual|crash|oom|reload|unknown
	DownS         float64   `json:"down_s"`
	Before        Health    `json:"before"`
	After         Health    `json:"after"`
	RelapseAfterS *float64  `json:"relapse_after_s"`
	DemandFactor  float64   `json:"demand_factor"`
	Verdict       string    `json:"verdict"`
	Evidence      []string  `json:"evidence"`
}

// Health is request rate, error rate and p95 over a window.
type Health struct {
	RPS       float64 `json:"rps"`
	ErrorRate float64 `json:"error_rate"`
	P95Ms     float64 `json:"p95_ms"`
}

// RetryStorm says whether clients hammered the site after errors.
type RetryStorm struct {
	Detected      bool       `json:"detected"`
	Amplification float64    `json:"amplification"`
	RetryShare    float64    `json:"retry_share"`
	Retries       int64      `json:"retries"`
	Start         *time.Time `json:"start"`
	End           *time.Time `json:"end"`
	Evidence      []string   `json:"evidence"`
}

// AmbiguousWrites are writes whose outcome is unknown: the server may have
// committed them though the client saw an error.
type AmbiguousWrites struct {
	Count         int64 `json:"count"`
	Clients       int64 `json:"clients"`
	Retried       int64 `json:"retried"`
	RetriedOK     int64 `json:"retried_ok"`
	CleanFailures int64 `json:"clean_failures"` // never reached PHP: failed for sure
	// LikelyFailed counts 499 writes that most likely did not commit, so
	// are not counted as ambiguous: still queued when their client left and
	// would have run while MySQL refused most connections, or held by PHP
	// longer than any write to the endpoint that succeeded then (stuck on a
	// lock).
	LikelyFailed int64 `json:"likely_failed"`
	// ResolvedByRetry counts failed writes to an endpoint that answers 409
	// to duplicates whose retry then succeeded afresh: the first attempt
	// cannot have been committed. Not counted as ambiguous.
	ResolvedByRetry int64 `json:"resolved_by_retry"`
	// RepeatAttempts counts further ambiguous attempts of a client on an
	// endpoint that refuses duplicates (409): one attempt at most can have
	// committed, and the first stands for them.
	RepeatAttempts int64           `json:"repeat_attempts"`
	ByEndpoint     []EndpointCount `json:"by_endpoint"`
	Writes         []Write         `json:"writes,omitempty"` // the individual writes, for CSV export
}

// EndpointCount counts ambiguous writes for one method and path.
type EndpointCount struct {
	Method    string `json:"method"`
	Path      string `json:"path"`
	Count     int64  `json:"count"`
	Retried   int64  `json:"retried"`
	RetriedOK int64  `json:"retried_ok"`
}

// Write is one ambiguous write.
type Write struct {
	At     time.Time `json:"at"`
	Client string    `json:"client"`
	Method string    `json:"method"`
	Path   string    `json:"path"`
	Status int       `json:"status"`
	Reason string    `json:"reason"`       // "499", "502 after upstream", "in flight during php-fpm kill", …
	Retry  string    `json:"retry_result"` // "none", "succeeded", "already-done", "failed"
}

// Capacity is what would have held (issue 6).
type Capacity struct {
	SustainableRPS  float64          `json:"sustainable_rps"`
	PeakDemandRPS   float64          `json:"peak_demand_rps"`
	Headroom        float64          `json:"headroom"`
	WorkersNeeded   int64            `json:"workers_needed"`
	Figures         []Figure         `json:"figures"`
	Recommendations []Recommendation `json:"recommendations"`
}

// Figure is one capacity number with where its inputs came from.
type Figure struct {
	Name       string  `json:"name"`
	Value      float64 `json:"value"`
	Unit       string  `json:"unit"`
	Source     string  `json:"source"` // log|flag|default|derived
	Confidence string  `json:"confidence"`
	Formula    string  `json:"formula"`
}

// Recommendation is one mitigation, replayed on the incident's requests.
type Recommendation struct {
	ID          string  `json:"id"`
	Title       string  `json:"title"`
	Current     string  `json:"current"`
	Recommended string  `json:"recommended"`
	Formula     string  `json:"formula"`
	Effect      string  `json:"effect"`
	Cost        string  `json:"cost"`
	ErrorRate   float64 `json:"replay_error_rate"`
	P95Ms       float64 `json:"replay_p95_ms"`
	Chosen      bool    `json:"chosen"`
	Config      string  `json:"config"`
	// Settings are the same changes as values, for tools that apply them
	// or re-run the simulator with them.
	Settings CapacitySettings `json:"settings"`
}

// CapacitySettings are the configuration values a recommendation sets;
// zero means unchanged.
type CapacitySettings struct {
	MaxChildren    int     `json:"pm_max_children,omitempty"`
	MicrocacheS    float64 `json:"microcache_s,omitempty"`
	LimitReqRPS    float64 `json:"limit_req_rps,omitempty"`
	LimitReqBurst  int     `json:"limit_req_burst,omitempty"`
	WaitingRoomRPS float64 `json:"waiting_room_rps,omitempty"` // PHP requests admitted per second
	// WaitingRoomViewsPerS is the same admission in page views (visits)
	// per second, the unit hosted waiting rooms take.
	WaitingRoomViewsPerS float64 `json:"waiting_room_views_per_s,omitempty"`
	MySQLMaxConnections  int     `json:"mysql_max_connections,omitempty"`
}

// TimelineEntry is one event, repeats collapsed into count and until.
type TimelineEntry struct {
	At       time.Time  `json:"at"`
	Until    *time.Time `json:"until"`
	Source   string     `json:"source"`
	Kind     string     `json:"kind"`
	Severity string     `json:"severity"` // info|warning|error|critical
	Count    int64      `json:"count"`
	Message  string     `json:"message"`
	Evidence string     `json:"evidence"` // one raw line, with file:line
}

// QueryDigest is one slow-query fingerprint.
type QueryDigest struct {
	Fingerprint  string  `json:"fingerprint"`
	Count        int64   `json:"count"`
	TotalS       float64 `json:"total_s"`
	MeanS        float64 `json:"mean_s"`
	P95S         float64 `json:"p95_s"`
	RowsExamined int64   `json:"rows_examined"`
	Example      string  `json:"example"`
}

// Series is the chart data: one value per bucket, all slices of equal length.
type Series struct {
	Start    time.Time `json:"start"`
	BucketS  float64   `json:"bucket_s"`
	S2xx     []float64 `json:"rps_2xx"`
	S3xx     []float64 `json:"rps_3xx"`
	S4xx     []float64 `json:"rps_4xx"`
	S5xx     []float64 `json:"rps_5xx"`
	Writes   []float64 `json:"writes_per_s"`
	P50Ms    []float64 `json:"p50_ms"`
	P95Ms    []float64 `json:"p95_ms"`
	P99Ms    []float64 `json:"p99_ms"`
	InFlight []float64 `json:"in_flight"`
	// PHPBusy is the mean number of PHP requests held upstream (workers
	// busy plus requests queued for one), to draw against PoolSize.
	PHPBusy  []float64 `json:"php_busy"`
	Clients  []float64 `json:"clients"`
	PoolSize float64   `json:"pool_size"` // 0 when unknown
	// Events per bucket by source, for the workers-and-database chart.
	FPMEvents    []float64 `json:"fpm_events"`
	MySQLEvents  []float64 `json:"mysql_events"`
	NginxErrors  []float64 `json:"nginx_errors"`
	KernelEvents []float64 `json:"kernel_events"`
	// Referrer networks over time: top networks, one row each.
	Referrers []NamedSeries `json:"referrers"`
}

// NamedSeries is one labelled row of per-bucket values.
type NamedSeries struct {
	Name   string    `json:"name"`
	Values []float64 `json:"values"`
}
