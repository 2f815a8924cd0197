package analyzer

import "time"

// Options are the knobs of the analyzer stage. The zero value analyses
// everything with an automatic baseline, UTC sentences and unknown limits.
type Options struct {
	// Since and Until bound the analysed window; zero means open. Records
	// outside are counted as parsed but not aggregated.
	Since, Until time.Time
	// Baseline, when both ends are set, is the quiet period the incident is
	// compared with (--baseline FROM..TO); zero means automatic.
	Baseline struct{ From, To time.Time }
	// Title is copied into the report.
	Title string
	// Location is the display zone for times inside sentences (verdicts,
	// summaries); nil means UTC. JSON times are always UTC.
	Location *time.Location
	// FPMMaxChildren and MySQLMaxConnections are the configured limits when
	// the user knows them (flags); 0 = unknown, taken from the logs if they
	// say it.
	FPMMaxChildren, MySQLMaxConnections int
	// WorkerRSSMB and RAMMB describe memory (flags); 0 = unknown.
	WorkerRSSMB, RAMMB float64
}

// InputInfo describes one input as the caller opened it; the input argument
// of AddAccess, AddEvent and Skip indexes a slice of these.
type InputInfo struct {
	Name     string // file name or label as shown in evidence lines
	Kind     string // access|nginx-error|apache-error|fpm|fpm-slow|mysql-error|mysql-slow|kernel
	Format   string // the format chosen by sniffing or the user
	TZ       string // zone assumed for stamps without an offset
	TZSource string // "log", "flag", "access-log offset", "machine"
	Warnings []string
}

func (o *Options) loc() *time.Location {
	if o == nil || o.Location == nil {
		return time.UTC
	}
	return o.Location
}
