package simulate

import (
	"fmt"
	"strings"
	"time"
)

// Options are the knobs of one simulated site and day. Every field has a
// meaningful zero only where said; start from a scenario from Lookup and
// change what you need. Clock offsets (Start, Surge.At, Action.At) are
// durations since local midnight of Day in Zone.
type Options struct {
	Day      string        // local date, "2006-01-02"
	Start    time.Duration // window start, since local midnight
	Duration time.Duration // window length
	Zone     string        // IANA zone of the server (nginx error, FPM, syslog, MariaDB use it)
	Host     string        // server_name and Host header

	// Baseline is the mean page-view rate (views/s) of the daily baseline;
	// the daily shape averages to 1 over 24 h (0.4 at 05:00, 1.6 at 17:00).
	Baseline float64
	// SurgeFactor scales every surge's Peak (1 = as scripted).
	SurgeFactor float64

	// PHP-FPM pool.
	PM                      string // "dynamic" or "static"
	MaxChildren             int    // pm.max_children
	StartServers            int    // pm.start_servers (dynamic)
	MinSpare                int    // pm.min_spare_servers (dynamic)
	MaxSpare                int    // pm.max_spare_servers (dynamic)
	ListenBacklog           int    // listen.backlog of the unix socket
	RequestTerminateTimeout time.Duration
	SlowlogTimeout          time.Duration // request_slowlog_timeout; 0 disables the slow log
	// WorkerRSSMB is a fresh worker's resident memory; WorkerLeakKB the
	// growth per request served (a leak; pm.max_requests = 0).
	WorkerRSSMB  int
	WorkerLeakKB int

	// nginx.
	FastCGIReadTimeout time.Duration
	// MicrocacheTTL > 0 caches anonymous GET pages that returned 200 for
	// that long (fastcgi_cache with use_stale updating and lock).
	MicrocacheTTL time.Duration
	// LimitReqRPS > 0 applies limit_req per client IP at that rate with
	// LimitReqBurst (nodelay); excess gets 503 and a "limiting requests" line.
	LimitReqRPS   float64
	LimitReqBurst int
	// WaitingRoomRPS > 0 admits at most that many new page views per second;
	// the others wait in the client (a queue page) until admitted.
	WaitingRoomRPS float64

	// MySQL.
	MySQLVersion   string // "8.0" (default), "5.7" or "mariadb"
	MaxConnections int    // max_connections
	LongQueryTime  time.Duration
	MySQLRSSMB     int // mysqld resident memory (buffer pool + overhead)

	// Machine.
	RAMMB int // physical memory; workers × RSS + mysqld beyond it → OOM kills

	// Clients.
	RetryProb float64 // chance a person reloads after an error or a long wait

	// Actions are the operator's scripted interventions.
	Actions []Action
}

// ActionKind names an operator action.
type ActionKind string

// Operator actions.
const (
	ActionKillPHP          ActionKind = "kill-php"           // kill -9 of every FPM child; the master respawns them
	ActionRestartPHP       ActionKind = "restart-php"        // systemctl restart php-fpm
	ActionRestartMySQL     ActionKind = "restart-mysql"      // systemctl restart mysql (clean shutdown, cold start)
	ActionCrashMySQL       ActionKind = "crash-mysql"        // mysqld dies on signal 11; systemd restarts it
	ActionRaiseMaxChildren ActionKind = "raise-max-children" // Value = new pm.max_children (reload)
	ActionMicrocache       ActionKind = "enable-microcache"  // Value = TTL seconds (nginx reload)
)

// Action is one operator intervention at a clock time.
type Action struct {
	At    time.Duration // since local midnight of Options.Day
	Kind  ActionKind
	Value int
}

// SurgeKind is the population a surge brings.
type SurgeKind string

// Surge populations.
const (
	SurgeSocial  SurgeKind = "social"  // a viral post: in-app browsers, Facebook/Instagram/t.co/reddit referrers, one landing page
	SurgeLaunch  SurgeKind = "launch"  // a registration opening: new clients, GET then POST /register
	SurgeCrawler SurgeKind = "crawler" // a few IPs, a non-browser UA, many distinct pages, no assets
)

// Knot is one point of a surge shape: at T after the surge start the rate is
// V × Peak. Shapes are interpolated linearly and hold the last value.
type Knot struct {
	T time.Duration
	V float64
}

// Surge is extra traffic on top of the baseline.
type Surge struct {
	Kind  SurgeKind
	At    time.Duration // since local midnight
	Peak  float64       // page views per second at V = 1 (before SurgeFactor)
	Shape []Knot
}

// Scenario is a named outage: its traffic, its site and the trigger kind
// truth.json reports.
type Scenario struct {
	Name        string
	Description string
	Trigger     string // social-surge|launch-rush|bot-flood|few-sources|retry-storm|backend-failure|unknown
	Surges      []Surge
	Options
}

func defaultOptions() Options {
	return Options{
		Day:                "2024-11-21",
		Start:              10 * time.Hour,
		Duration:           time.Hour,
		Zone:               "Europe/Prague",
		Host:               "shop.example",
		Baseline:           7,
		SurgeFactor:        1,
		PM:                 "dynamic",
		MaxChildren:        16,
		StartServers:       2,
		MinSpare:           1,
		MaxSpare:           3,
		ListenBacklog:      511,
		SlowlogTimeout:     5 * time.Second,
		WorkerRSSMB:        48,
		FastCGIReadTimeout: 60 * time.Second,
		MySQLVersion:       "8.0",
		MaxConnections:     151,
		LongQueryTime:      time.Second,
		MySQLRSSMB:         900,
		RAMMB:              4096,
		RetryProb:          0.55,
	}
}

func hm(h, m int) time.Duration { return time.Duration(h)*time.Hour + time.Duration(m)*time.Minute }

func knots(kv ...float64) []Knot {
	ks := make([]Knot, 0, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		ks = append(ks, Knot{T: time.Duration(kv[i] * float64(time.Minute)), V: kv[i+1]})
	}
	return ks
}

// viralShape: the post at 0, peak within minutes, the crowd thins to under
// half from minute 19 (10:21, when the operator acts: with the restart the
// site recovers at once and holds; without it the retry storm keeps it
// saturated a few minutes more), a reshare brings the crowd back at minute
// 24–26, and it fades by minute 48.
var viralShape = knots(0, 0, 3, 1, 14, 0.95, 19, 0.9, 19.5, 0.44, 24, 0.46, 26, 1.05, 34, 0.9, 42, 0.35, 46, 0.1, 50, 0.04, 120, 0.04, 480, 0.06, 900, 0.02, 1440, 0.01)

func scenarioTable() []Scenario {
	viral := Scenario{
		Name:        "viral",
		Description: "a social post at 10:02 floods a small shop; PHP-FPM saturates; at 10:21 the operator kills PHP and restarts MySQL; it holds ~5 min and relapses; recovers as the crowd fades",
		Trigger:     "social-surge",
		Surges:      []Surge{{Kind: SurgeSocial, At: hm(10, 2), Peak: 80, Shape: viralShape}},
		Options:     defaultOptions(),
	}
	viral.RetryProb = 0.7
	viral.Actions = []Action{
		{At: hm(10, 21), Kind: ActionKillPHP},
		{At: hm(10, 21) + 20*time.Second, Kind: ActionRestartMySQL},
	}

	static := viral
	static.Name = "static-pool"
	static.Description = "the viral post against a pm = static pool: FPM never logs max_children; saturation shows only as 502/504 and the in-flight plateau"
	static.Options.PM = "static"
	static.Options.Actions = append([]Action(nil), viral.Actions...)

	launch := Scenario{
		Name:        "launch",
		Description: "a registration opens at 09:00: 25× the usual connections in the first minute, 1040 Too many connections, a retry storm and ambiguous writes",
		Trigger:     "launch-rush",
		Surges: []Surge{{Kind: SurgeLaunch, At: hm(9, 0), Peak: 100,
			Shape: knots(0, 1, 1, 1, 2, 0.5, 5, 0.3, 10, 0.2, 15, 0.1, 25, 0.04, 40, 0.01)}},
		Options: defaultOptions(),
	}
	launch.Start = hm(8, 45)
	launch.MaxChildren = 50
	launch.MaxConnections = 40
	launch.RetryProb = 0.85

	crawler := Scenario{
		Name:        "crawler",
		Description: "a handful of IPs with a non-browser user agent crawl every product and search page at 10:05",
		Trigger:     "bot-flood",
		Surges: []Surge{{Kind: SurgeCrawler, At: hm(10, 5), Peak: 90,
			Shape: knots(0, 1, 30, 1, 30.1, 0)}},
		Options: defaultOptions(),
	}

	crash := Scenario{
		Name:        "mysql-crash",
		Description: "no traffic change; mysqld dies on signal 11 at 10:20, systemd restarts it, the cold buffer pool slows queries for minutes",
		Trigger:     "backend-failure",
		Options:     defaultOptions(),
	}
	crash.Actions = []Action{{At: hm(10, 20), Kind: ActionCrashMySQL}}

	oom := Scenario{
		Name:        "oom",
		Description: "PHP workers leak memory until workers × RSS + mysqld exceed RAM from ~10:17: the kernel OOM-kills the largest process, mysqld, again and again",
		Trigger:     "backend-failure",
		Options:     defaultOptions(),
	}
	oom.MaxChildren = 40
	oom.PM = "static"
	oom.RAMMB = 2048
	oom.MySQLRSSMB = 700
	oom.WorkerRSSMB = 24
	oom.WorkerLeakKB = 14

	quiet := Scenario{
		Name:        "quiet-day",
		Description: "24 hours of ordinary traffic with its daily shape and no incident",
		Trigger:     "",
		Options:     defaultOptions(),
	}
	quiet.Start = 0
	quiet.Duration = 24 * time.Hour
	quiet.Baseline = 3

	return []Scenario{viral, launch, crawler, crash, oom, static, quiet}
}

// Scenarios returns the scenario names in a stable order.
func Scenarios() []string {
	t := scenarioTable()
	names := make([]string, len(t))
	for i, s := range t {
		names[i] = s.Name
	}
	return names
}

// Lookup returns a fresh copy of the named scenario; callers may change its
// Options before Run.
func Lookup(name string) (Scenario, error) {
	for _, s := range scenarioTable() {
		if s.Name == name {
			return s, nil
		}
	}
	return Scenario{}, fmt.Errorf("unknown scenario %q (have %s)", name, strings.Join(Scenarios(), ", "))
}

// validate checks the options a run depends on.
func (o *Options) validate() error {
	switch {
	case o.Duration <= 0:
		return fmt.Errorf("duration must be positive, got %v", o.Duration)
	case o.MaxChildren < 1:
		return fmt.Errorf("max_children must be at least 1, got %d", o.MaxChildren)
	case o.MaxConnections < 1:
		return fmt.Errorf("max_connections must be at least 1, got %d", o.MaxConnections)
	case o.PM != "dynamic" && o.PM != "static":
		return fmt.Errorf("pm must be dynamic or static, got %q", o.PM)
	case o.MySQLVersion != "8.0" && o.MySQLVersion != "5.7" && o.MySQLVersion != "mariadb":
		return fmt.Errorf("mysql version must be 8.0, 5.7 or mariadb, got %q", o.MySQLVersion)
	case o.Baseline < 0 || o.SurgeFactor < 0:
		return fmt.Errorf("baseline and surge factor must not be negative")
	}
	if _, err := time.Parse("2006-01-02", o.Day); err != nil {
		return fmt.Errorf("bad day %q: %w", o.Day, err)
	}
	return nil
}
