package simulate

import (
	"math"
	"math/rand/v2"
	"time"
)

// evKind is what an event does when its time comes.
type evKind uint8

const (
	evTick        evKind = iota // once a second: arrivals, FPM maintenance, sampling
	evArrive                    // a PHP request reaches nginx
	evStaticDone                // a static response is logged
	evWorkerDone                // a worker finished its request
	evGiveUp                    // the client's patience ran out
	evReadTimeout               // fastcgi_read_timeout
	evSlow                      // request_slowlog_timeout on a worker
	evTerminate                 // request_terminate_timeout on a worker
	evAction                    // an operator action (id = index)
	evMySQLDown                 // mysqld finished shutting down
	evMySQLUp                   // mysqld ready for connections
	evFPMUp                     // php-fpm ready after a restart
	evLogin                     // the operator logs in before acting
)

type event struct {
	at   int64 // Unix ns
	seq  uint64
	id   int32
	gen  uint32
	kind evKind
}

// evHeap is a binary min-heap on (at, seq): equal times keep insertion order,
// so the run never depends on anything but the seed.
type evHeap []event

func (h *evHeap) push(e event) {
	*h = append(*h, e)
	s := *h
	i := len(s) - 1
	for i > 0 {
		p := (i - 1) / 2
		if !s[i].less(&s[p]) {
			break
		}
		s[i], s[p] = s[p], s[i]
		i = p
	}
}

func (e *event) less(o *event) bool {
	return e.at < o.at || (e.at == o.at && e.seq < o.seq)
}

func (h *evHeap) pop() event {
	s := *h
	top := s[0]
	n := len(s) - 1
	s[0] = s[n]
	s = s[:n]
	i := 0
	for {
		l := 2*i + 1
		if l >= n {
			break
		}
		m := l
		if r := l + 1; r < n && s[r].less(&s[l]) {
			m = r
		}
		if !s[m].less(&s[i]) {
			break
		}
		s[i], s[m] = s[m], s[i]
		i = m
	}
	*h = s
	return top
}

// population a request comes from (decides patience and retries).
type population uint8

const (
	popBaseline population = iota
	popSocial
	popLaunch
	popCrawler
	popBot // well-behaved search crawler of the baseline
)

// request states inside the stack.
const (
	rsNew uint8 = iota
	rsQueued
	rsRunning
	rsFinished
)

// result of PHP work.
const (
	resOK uint8 = iota
	res409
	res1040
	res2002
	res2006
	res1205
)

type request struct {
	gen       uint32
	client    int32
	path      string
	referer   string
	start     int64 // reached nginx
	upStart   int64 // passed to the FPM socket; 0 when never
	commitAt  int64 // when a write commits; 0 when it does not
	conn      uint32
	retries   uint8
	state     uint8
	ep        endpoint
	pop       population
	post      bool
	static    bool
	responded bool   // nginx logged the response
	status    uint16 // logged status
	respAt    int64
	asset     uint8
	cacheable bool
	result    uint8
	worker    int16
	committed bool
	isRetry   bool
	h2        bool
	mainQ     int64 // main query time, ns (cache hits: response bytes)
	lockQ     int64 // lock wait inside mainQ, ns
	qEnd      int64 // when the main query ended
	db        bool  // holds a MySQL connection
}

// secStat is one second of the window as the model saw it.
type secStat struct {
	arrivals  int32
	php       int32
	retries   int32
	responses int32
	errors    int32
	fpmMax    int32 // pm.max_children when fpmSat was set
	fpmSat    bool
	dbSat     bool
	memSat    bool
}

type sim struct {
	sc   Scenario
	o    Options
	seed uint64
	rng  *rand.Rand
	loc  *time.Location
	out  *outputs

	t0, t1   int64 // window, Unix ns
	midnight int64 // local midnight of Day, Unix ns
	day      time.Time
	now      int64
	seq      uint64
	h        evHeap

	reqs    []request
	free    []int32
	clients []client
	regular []int32 // returning baseline clients
	crawl   []int32 // search-engine crawler clients
	scrape  []int32 // crawler-surge clients

	nextConn uint32
	nginxPID int

	fpm   fpmState
	db    dbState
	cache map[string]*cacheEntry

	waitQ    []visit // people queued in the waiting room
	waitH    int
	stats    []secStat
	truth    Truth
	pending  []int32 // failed writes awaiting the worker's outcome
	restarts []TruthRestart
	lastOOM  map[string]int64
	bootNS   int64 // kernel boot time for dmesg-style stamps
	hostname string
	loggedIn bool // the operator's ssh login is logged once
}

type cacheEntry struct {
	expires  int64
	updating bool
	bytes    int
}

func (s *sim) push(at int64, k evKind, id int32, gen uint32) {
	s.seq++
	s.h.push(event{at: at, seq: s.seq, id: id, gen: gen, kind: k})
}

func (s *sim) newReq() int32 {
	if n := len(s.free); n > 0 {
		i := s.free[n-1]
		s.free = s.free[:n-1]
		g := s.reqs[i].gen + 1
		s.reqs[i] = request{gen: g, worker: -1}
		return i
	}
	s.reqs = append(s.reqs, request{gen: 1, worker: -1})
	return int32(len(s.reqs) - 1)
}

// release frees a request once nginx has answered and PHP is done with it.
func (s *sim) release(i int32) {
	r := &s.reqs[i]
	if r.responded && (r.state == rsFinished || r.state == rsNew) {
		r.gen++
		s.free = append(s.free, i)
	}
}

func (s *sim) sec(ns int64) *secStat {
	i := (ns - s.t0) / 1e9
	if i < 0 {
		i = 0
	}
	if i >= int64(len(s.stats)) {
		i = int64(len(s.stats)) - 1
	}
	return &s.stats[i]
}

// lognorm returns median × a log-normal factor with the given sigma.
func (s *sim) lognorm(median, sigma float64) float64 {
	return median * math.Exp(sigma*s.rng.NormFloat64())
}

func (s *sim) poisson(lambda float64) int {
	if lambda <= 0 {
		return 0
	}
	if lambda > 50 {
		n := int(math.Round(lambda + math.Sqrt(lambda)*s.rng.NormFloat64()))
		if n < 0 {
			n = 0
		}
		return n
	}
	l := math.Exp(-lambda)
	k, p := 0, 1.0
	for {
		p *= s.rng.Float64()
		if p <= l {
			return k
		}
		k++
	}
}

func ms(f float64) int64 { return int64(f * 1e6) }

// clock returns the local time of day of ns as a duration since Day's
// midnight (off by the DST shift on a changeover day; only the daily shape
// uses it).
func (s *sim) clock(ns int64) time.Duration { return time.Duration(ns - s.midnight) }

// wall returns the instant of the local wall-clock time d after midnight of
// Day, so that 10:21 is 10:21 even on a DST changeover day.
func (s *sim) wall(d time.Duration) int64 {
	y, m, dd := s.day.Date()
	return time.Date(y, m, dd, 0, 0, 0, int(d), s.loc).UnixNano()
}

// daily is the baseline's daily shape: mean 1, low at 05:00, high at 17:00.
func daily(clock time.Duration) float64 {
	h := math.Mod(clock.Hours(), 24)
	return 1 + 0.6*math.Cos(2*math.Pi*(h-17)/24)
}

// rate is the surge's page views per second d after it began.
func (sg *Surge) rate(d time.Duration, factor float64) float64 {
	if d < 0 || len(sg.Shape) == 0 {
		return 0
	}
	k := sg.Shape
	v := k[len(k)-1].V
	for i := 1; i < len(k); i++ {
		if d < k[i].T {
			a, b := k[i-1], k[i]
			f := float64(d-a.T) / float64(b.T-a.T)
			v = a.V + f*(b.V-a.V)
			break
		}
	}
	return v * sg.Peak * factor
}
