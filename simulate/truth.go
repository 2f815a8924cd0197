package simulate

import (
	"encoding/json"
	"fmt"
	"os"
	"time"
)

// Truth is what really happened in a simulated run: the answer key the
// analyzer's detectors are held to. All times are UTC (RFC 3339 in JSON).
// Every figure is measured on the model's own state, never scripted, so it
// stays right when knobs change.
//
// Time units used below: a "second" is a whole UTC second of the window;
// "arrivals" are requests reaching nginx (every method, static and PHP,
// retries included, as the access log will show them, counted at their
// start); "responses" are access-log lines counted at their logged (end)
// time; an "error" is a response with status 499 or 5xx.
type Truth struct {
	Scenario string `json:"scenario"`
	Seed     uint64 `json:"seed"`
	// Zone is the IANA zone the sources without an offset were written in
	// (nginx error, PHP-FPM, MariaDB, syslog). The access log carries its
	// offset; MySQL 5.7/8.0 stamps are UTC.
	Zone        string    `json:"zone"`
	WindowStart time.Time `json:"window_start"`
	WindowEnd   time.Time `json:"window_end"`
	MySQL       string    `json:"mysql_version"` // 8.0|5.7|mariadb
	PM          string    `json:"pm"`            // dynamic|static

	// Incident is nil when nothing happened (quiet-day).
	//
	// Definition: a second s is "bad" when, over the trailing 30 s window
	// (s-29 … s), errors exceed 5 % of responses (and number at least 10),
	// or arrivals exceed 3 × BaselineRPS on average (windows of 30 whole
	// seconds only). Start is the first bad second. Bad seconds less than
	// 300 s apart belong to the same incident; End is the last of them + 1 s,
	// or null when that last bad second lies within the window's final
	// 300 s (still ongoing). Only the first incident is reported.
	Incident *TruthIncident `json:"incident"`

	// Saturation lists the intervals where a resource was at its limit,
	// sorted by start then resource. A second is saturated when:
	//   php-fpm: at the once-a-second pool check every one of the current
	//            pm.max_children workers is busy and the listen backlog
	//            holds at least pm.max_children requests; or nginx found
	//            the backlog full (connect() … (11: Resource temporarily
	//            unavailable)); or FPM logged "server reached
	//            pm.max_children" in it. limit = pm.max_children.
	//   mysql:   connections in use = max_connections (clients get 1040);
	//            limit = max_connections.
	//   memory:  the kernel OOM-killed a process (workers + mysqld + the
	//            rest exceeded RAM); limit = RAM in MiB.
	// Saturated seconds closer than 30 s (memory: 300 s) are merged into
	// one interval; End is the last saturated second + 1 s, null when the
	// window ends less than that merge gap after it (still saturated).
	Saturation []TruthSaturation `json:"saturation"`

	// Restarts lists every service restart, kill and crash, sorted by At.
	Restarts []TruthRestart `json:"restarts"`

	RetryStorm TruthRetryStorm `json:"retry_storm"`

	// FailedWrites is the exact list of writes (POST) committed in the
	// database whose response was an error (499, 502, 504): the user was
	// told it failed, or saw nothing, yet it happened. Sorted by time.
	FailedWrites []TruthWrite `json:"failed_writes"`
	// Writes is the number of POST requests logged; CommittedWrites the
	// number the database committed.
	Writes          int64 `json:"writes"`
	CommittedWrites int64 `json:"committed_writes"`

	// BaselineRPS is the mean arrival rate (requests/s) over the part of
	// the window before the first surge or action, when that part is at
	// least 60 s long; otherwise the median of the per-minute arrival rates
	// of the whole window.
	BaselineRPS float64 `json:"baseline_rps"`
	// PeakRPS is the highest arrival rate over a whole minute (requests/s,
	// minutes aligned to the window start) and PeakAt that minute's start.
	PeakRPS float64    `json:"peak_rps"`
	PeakAt  *time.Time `json:"peak_at"`

	// Requests counts access-log lines by status class.
	Requests TruthCounts `json:"requests"`
}

// TruthIncident is the incident window and its cause.
type TruthIncident struct {
	Start time.Time  `json:"start"`
	End   *time.Time `json:"end"`
	// Trigger is one of social-surge|launch-rush|bot-flood|few-sources|
	// retry-storm|backend-failure|unknown (DESIGN.md section 5).
	Trigger string `json:"trigger"`
}

// TruthSaturation is one interval of a resource at its limit.
type TruthSaturation struct {
	Resource string     `json:"resource"` // php-fpm|mysql|nginx|memory
	Start    time.Time  `json:"start"`
	End      *time.Time `json:"end"`
	Limit    int64      `json:"limit"`
}

// TruthRestart is one restart, kill or crash of a service.
type TruthRestart struct {
	// At is when the service went down: the SIGKILL burst (kill-php), the
	// stop request (restart), the crash or the first OOM kill.
	At time.Time `json:"at"`
	// Service is php-fpm|mysql|nginx.
	Service string `json:"service"`
	// Kind is manual (operator kill or restart), crash (mysqld signal),
	// oom (kernel OOM killer; a burst of kills within 60 s is one entry),
	// reload or unknown.
	Kind string `json:"kind"`
	// UpAt is when the service accepted work again.
	UpAt time.Time `json:"up_at"`
	// RelapseAt is the start of the first saturation interval (any
	// resource) lasting at least 30 s (or still open) that begins more than
	// 10 s after UpAt inside the same incident, when the restart happened
	// during one; null otherwise.
	RelapseAt *time.Time `json:"relapse_at"`
}

// TruthRetryStorm says whether clients' retries amplified the load.
//
// Retries counts requests the model issued as a person's reload of a page
// or form that had just failed (error status) or hung; Amplification is
// PHP requests / (PHP requests − retries) during the incident. Detected is
// true when Amplification ≥ 1.2 and Retries ≥ 200.
type TruthRetryStorm struct {
	Detected      bool    `json:"detected"`
	Retries       int64   `json:"retries"`
	Amplification float64 `json:"amplification"`
}

// TruthWrite is one committed write whose response was an error. Time is
// the access-log time of that response (its end), Client the remote address
// as logged, CommittedAt when the row was committed.
type TruthWrite struct {
	Time        time.Time `json:"time"`
	CommittedAt time.Time `json:"committed_at"`
	Client      string    `json:"client"`
	Method      string    `json:"method"`
	Path        string    `json:"path"`
	Status      int       `json:"status"`
}

// TruthCounts counts responses by status class; 499 (client closed the
// connection) is counted both in S4xx and on its own.
type TruthCounts struct {
	Total int64 `json:"total"`
	S2xx  int64 `json:"2xx"`
	S3xx  int64 `json:"3xx"`
	S4xx  int64 `json:"4xx"`
	S5xx  int64 `json:"5xx"`
	S499  int64 `json:"499"`
}

// ReadTruth reads a truth.json written by Run.
func ReadTruth(path string) (*Truth, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var t Truth
	if err := json.Unmarshal(b, &t); err != nil {
		return nil, fmt.Errorf("parse %s: %w", path, err)
	}
	return &t, nil
}

func writeTruth(path string, t *Truth) error {
	b, err := json.MarshalIndent(t, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}
