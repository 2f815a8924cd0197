package analyzer

import (
	"fmt"
	"math/rand"
	"time"

	"github.com/postmortem/postmortem/parsers"
)

// synthetic outage for end-to-end tests of the analyzer without the
// simulator: a quiet baseline, a Facebook surge, FPM saturation with 502s,
// a manual kill of the PHP workers and a MySQL restart that hold a few
// minutes, a relapse, and recovery.

var t0 = time.Date(2024, 11, 21, 9, 0, 0, 0, time.UTC).Unix()

type synthAccess struct {
	t       int64 // Unix ns of the end
	remote  string
	method  string
	path    string
	status  uint16
	ref     string
	ua      string
	rtUS    int64
	upUS    int64
	bytes   int64
	xff     string
	isStart bool
}

func (s *synthAccess) record() parsers.Access {
	var r parsers.Access
	r.Reset()
	r.Time = s.t
	r.Remote = []byte(s.remote)
	r.Method = []byte(s.method)
	r.Path = []byte(s.path)
	r.Status = s.status
	r.Referer = []byte(s.ref)
	r.UA = []byte(s.ua)
	r.RequestTime = s.rtUS
	r.UpstreamTime = s.upUS
	r.Bytes = s.bytes
	r.XFF = []byte(s.xff)
	r.TimeIsStart = s.isStart
	return r
}

const (
	uaDesktopChrome = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"
	uaFBApp         = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 [FBAN/FBIOS;FBAV/440.0]"
	uaIPhone        = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
	uaCurl          = "curl/8.4.0"
	uaGooglebot     = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
)

// viralSpec is a hand-made outage timeline in seconds from t0.
type viralSpec struct {
	seconds    int64
	baseRPS    float64
	surgeFrom  int64   // surge start
	surgeTo    int64   // surge end (back to baseline)
	surgeRPS   float64 // extra requests/s at the plateau
	satFrom    int64   // PHP saturated: 502s
	killAt     int64   // operator kills PHP and restarts MySQL
	relapseAt  int64   // saturation again
	recoverAt  int64   // errors stop
	pool       int64
	errShare   float64 // share of surge requests failing while saturated
	bot, few   bool    // the surge is a crawler / few sources
	noSurge    bool    // backend failure: no extra traffic, errors only
	writeRush  bool
	quietNoise bool
}

// genViral produces the access records and events of spec, deterministic
// for a seed.
func genViral(spec viralSpec, seed int64) ([]synthAccess, []parsers.Event) {
	rng := rand.New(rand.NewSource(seed))
	var recs []synthAccess
	var evs []parsers.Event
	sat := func(s int64) bool {
		return (s >= spec.satFrom && s < spec.killAt) || (s >= spec.relapseAt && s < spec.recoverAt)
	}
	for s := int64(0); s < spec.seconds; s++ {
		base := spec.baseRPS
		n := int(base)
		if rng.Float64() < base-float64(n) {
			n++
		}
		surge := 0
		if !spec.noSurge && s >= spec.surgeFrom && s < spec.surgeTo {
			ramp := float64(s-spec.surgeFrom) / 60
			if ramp > 1 {
				ramp = 1
			}
			surge = int(spec.surgeRPS * ramp)
		}
		for i := 0; i < n+surge; i++ {
			isSurge := i >= n
			r := synthAccess{t: (t0+s)*1e9 + int64(rng.Intn(1e9)), method: "GET", status: 200, bytes: 5000, rtUS: 20000 + int64(rng.Intn(80000))}
			r.upUS = r.rtUS - 1000
			if isSurge {
				switch {
				case spec.bot:
					r.remote = fmt.Sprintf("198.51.100.%d", rng.Intn(4))
					r.ua = uaCurl
					r.path = fmt.Sprintf("/product/%d", rng.Intn(100000))
					r.ref = "-"
				case spec.few:
					r.remote = fmt.Sprintf("203.0.113.%d", rng.Intn(3))
					r.ua = uaDesktopChrome
					r.path = "/search"
					r.ref = "-"
				case spec.writeRush:
					r.remote = fmt.Sprintf("10.%d.%d.%d", rng.Intn(200), rng.Intn(250), rng.Intn(250))
					r.ua = uaIPhone
					r.method = "POST"
					r.path = "/register"
					r.ref = "https://shop.example/register"
				default:
					r.remote = fmt.Sprintf("10.%d.%d.%d", rng.Intn(200), rng.Intn(250), rng.Intn(250))
					r.ua = uaFBApp
					r.path = "/photo/4711"
					r.ref = []string{"https://l.facebook.com/", "https://m.facebook.com/", "https://lm.facebook.com/l.php"}[rng.Intn(3)]
				}
			} else {
				r.remote = fmt.Sprintf("192.0.2.%d", rng.Intn(200))
				r.ua = uaDesktopChrome
				r.path = []string{"/", "/about", "/photo/12", "/blog/3"}[rng.Intn(4)]
				r.ref = []string{"-", "https://www.google.com/", "https://shop.example/"}[rng.Intn(3)]
				if rng.Intn(10) == 0 {
					r.method = "POST"
					r.path = "/comment"
				}
			}
			if sat(s) && (isSurge || spec.noSurge) && rng.Float64() < spec.errShare {
				if rng.Intn(3) == 0 {
					r.status, r.rtUS, r.upUS = 504, 60e6, 60e6
				} else {
					r.status, r.upUS = 502, parsers.UpstreamNone
				}
			} else if sat(s) {
				r.rtUS = 2e6 + int64(rng.Intn(3e6))
				r.upUS = r.rtUS - 1000
			}
			recs = append(recs, r)
			// Static assets of a page view.
			if !spec.bot && !spec.few && rng.Intn(2) == 0 {
				a := r
				a.path = "/static/app.css"
				a.ref = "https://shop.example/photo/4711"
				a.status, a.rtUS, a.upUS = 200, 1000, parsers.UpstreamNone
				recs = append(recs, a)
			}
		}
		at := (t0 + s) * 1e9
		if sat(s) {
			if s == spec.satFrom || s == spec.relapseAt {
				evs = append(evs, parsers.Event{Time: at, Kind: parsers.KindFPM, Type: parsers.FPMMaxChildren, Level: parsers.LevelWarning, Num: [4]int64{spec.pool}, Pool: []byte("www"),
					Text: []byte(fmt.Sprintf("[pool www] server reached pm.max_children setting (%d), consider raising it", spec.pool)), Lines: 1})
			}
			if spec.noSurge {
				evs = append(evs, parsers.Event{Time: at + 5e8, Kind: parsers.KindNginxError, Type: parsers.NginxPHPMessage, PHP: parsers.PHPConnRefused, Level: parsers.LevelError,
					Text: []byte(`FastCGI sent in stderr: "PHP message: PHP Warning:  mysqli::__construct(): (HY000/2002): Connection refused"`), Lines: 1})
			} else {
				evs = append(evs, parsers.Event{Time: at + 5e8, Kind: parsers.KindNginxError, Type: parsers.NginxConnectBacklog, Level: parsers.LevelError,
					Text: []byte("connect() to unix:/run/php/php8.2-fpm.sock failed (11: Resource temporarily unavailable) while connecting to upstream"), Lines: 1})
			}
		}
		if spec.killAt > 0 && s == spec.killAt {
			for c := int64(0); c < spec.pool; c++ {
				evs = append(evs, parsers.Event{Time: at + c*1e7, Kind: parsers.KindFPM, Type: parsers.FPMChildExited, Level: parsers.LevelWarning, PID: 1000 + c, Num: [4]int64{-1, 9},
					Text: []byte(fmt.Sprintf("[pool www] child %d exited on signal 9 (SIGKILL) after 600.1 seconds from start", 1000+c)), Lines: 1})
				evs = append(evs, parsers.Event{Time: at + 1e9 + c*1e7, Kind: parsers.KindFPM, Type: parsers.FPMChildStarted, Level: parsers.LevelNotice, PID: 2000 + c,
					Text: []byte(fmt.Sprintf("[pool www] child %d started", 2000+c)), Lines: 1})
			}
			evs = append(evs,
				parsers.Event{Time: at + 20e9, Kind: parsers.KindMySQLError, Type: parsers.MySQLShutdownRequest, Level: parsers.LevelInfo, Text: []byte("[MY-013172] [Server] Received SHUTDOWN from user root. Shutting down mysqld (Version: 8.0.36)."), Lines: 1},
				parsers.Event{Time: at + 23e9, Kind: parsers.KindMySQLError, Type: parsers.MySQLShutdownComplete, Level: parsers.LevelInfo, Text: []byte("[MY-010910] [Server] /usr/sbin/mysqld: Shutdown complete (mysqld 8.0.36)"), Lines: 1},
				parsers.Event{Time: at + 25e9, Kind: parsers.KindMySQLError, Type: parsers.MySQLStarting, Level: parsers.LevelInfo, PID: 1, Text: []byte("[MY-010116] [Server] /usr/sbin/mysqld (mysqld 8.0.36) starting as process 1"), Lines: 1},
				parsers.Event{Time: at + 28e9, Kind: parsers.KindMySQLError, Type: parsers.MySQLReady, Level: parsers.LevelInfo, Num: [4]int64{3306}, Text: []byte("[MY-010931] [Server] /usr/sbin/mysqld: ready for connections. Version: '8.0.36'  socket: '/var/run/mysqld/mysqld.sock'  port: 3306"), Lines: 1},
			)
		}
	}
	// MySQL boot at the start of the logs: not a restart.
	evs = append([]parsers.Event{
		{Time: t0 * 1e9, Kind: parsers.KindMySQLError, Type: parsers.MySQLStarting, Level: parsers.LevelInfo, PID: 1, Text: []byte("starting as process 1"), Lines: 1},
		{Time: t0*1e9 + 3e9, Kind: parsers.KindMySQLError, Type: parsers.MySQLReady, Level: parsers.LevelInfo, Num: [4]int64{3306}, Text: []byte("ready for connections. port: 3306"), Lines: 1},
	}, evs...)
	return recs, evs
}

// Inputs of the synthetic run.
var synthInputs = []InputInfo{
	{Name: "access.log", Kind: "access", Format: "combined+times", TZ: "+00:00", TZSource: "log"},
	{Name: "nginx-error.log", Kind: "nginx-error", Format: "nginx-error", TZ: "UTC", TZSource: "flag"},
	{Name: "php-fpm.log", Kind: "fpm", Format: "fpm", TZ: "UTC", TZSource: "flag"},
	{Name: "mysql-error.log", Kind: "mysql-error", Format: "mysql8", TZ: "UTC", TZSource: "log"},
}

func inputOfKind(k parsers.Kind) int {
	switch k {
	case parsers.KindNginxError:
		return 1
	case parsers.KindFPM:
		return 2
	case parsers.KindMySQLError:
		return 3
	}
	return 0
}

// feed adds recs and evs to aggregators in workers parts, interleaved by
// the assignment function, and merges them in the given order.
func feed(o *Options, recs []synthAccess, evs []parsers.Event, workers int, assign func(i int) int, order []int) *Aggregator {
	aggs := make([]*Aggregator, workers)
	aggs[0] = NewAggregator(o)
	for i := 1; i < workers; i++ {
		aggs[i] = aggs[0].Clone()
	}
	var r parsers.Access
	for i := range recs {
		r = recs[i].record()
		aggs[assign(i)%workers].AddAccess(0, int64(i+1), &r)
	}
	lines := map[int]int64{}
	for i := range evs {
		in := inputOfKind(evs[i].Kind)
		lines[in]++
		aggs[assign(i)%workers].AddEvent(in, lines[in], &evs[i])
	}
	root := aggs[order[0]]
	for _, j := range order[1:] {
		root.Merge(aggs[j])
	}
	return root
}
