package analyzer

import (
	"bytes"
	"fmt"
	"math"
	"slices"

	"github.com/postmortem/postmortem/parsers"
)

// Capacity (issue 6, domain.md section B): what the stack served while
// healthy, what was asked of it at the peak, how many PHP workers Little's
// law says that needs, whether they fit in memory and in MySQL's
// max_connections, and the mitigations replayed on the incident's own
// request stream (replay.go).
//
// Memory bound, per aggregator (one per parsing worker until they merge):
// one capRec (20 bytes) per dynamic request, at most capMaxRecs (2^18,
// 5 MiB: a quarter of a million requests is plenty for a replay); beyond the cap the state keeps a consistent
// sample of clients (whole clients kept or dropped, the rate halving each
// time the cap is reached) and the replay scales the pool to the sample.
// Plus one capSec (32 bytes) per second that saw a request.
const capMaxRecs = 1 << 18

// Request classes of issue 6.
const (
	capStatic uint8 = iota
	capCacheGET
	capDynGET
	capWrite
	capClasses
)

var capClassNames = [capClasses]string{"static", "cacheable GET", "dynamic GET", "write"}

// capRec flags.
const (
	capFailed   uint8 = 1 << iota // 499 or 5xx
	capOK200                      // status 200
	capUpstream                   // reached the upstream (upstream time >= 0)
	capPrivate                    // never cacheable: private path, authenticated or not GET/HEAD
	capHasRT                      // the log has a request time
	capS499
	capS500 // 500: in PHP's own error page (for example 1040 Too many connections)
)

// capRec is one dynamic request.
type capRec struct {
	sec    uint32 // Unix second of the request's start
	ms     uint16 // milliseconds within sec
	class  uint8  // capDynGET or capWrite; GETs become capCacheGET at finish
	flags  uint8
	client uint32 // hash of the client address
	url    uint32 // hash of path and query (the cache key)
	rtMs   uint32 // request time in ms
}

func (r *capRec) start() float64 { return float64(r.sec) + float64(r.ms)/1000 }

// capSec counts every request of one second (by start) per class.
type capSec struct {
	n, fail [capClasses]uint32
	qfail   uint32 // 499, 502, 504 of PHP requests: the signs of a full pool
}

func (s *capSec) add(o *capSec) {
	for i := range s.n {
		s.n[i] += o.n[i]
		s.fail[i] += o.fail[i]
	}
	s.qfail += o.qfail
}

// seen says whether any request started in the second.
func (s *capSec) seen() bool {
	var n uint32
	for _, v := range s.n {
		n += v
	}
	return n > 0
}

type capacityAgg struct {
	o *Options
	// sampled holds the dynamic requests (recs), whole clients sampled by
	// hash once capMaxRecs would be passed (shift).
	sampled[capRec]
	secs secPages[capSec]
}

func newCapacityAgg(o *Options) *capacityAgg {
	return &capacityAgg{o: o, sampled: sampled[capRec]{limit: capMaxRecs}, secs: newSecPages[capSec]()}
}

// sampleKey samples capacity records by client: a client's requests stay
// or go together.
func (r capRec) sampleKey() uint64 { return uint64(r.client) << 32 }

// cwPrivatePrefixes are paths whose answers depend on the user.
var cwPrivatePrefixes = [][]byte{
	[]byte("/wp-admin"), []byte("/wp-login"), []byte("/admin"), []byte("/login"), []byte("/logout"),
	[]byte("/account"), []byte("/cart"), []byte("/checkout"), []byte("/user"), []byte("/my"),
	[]byte("/api/"), []byte("/register"), []byte("/signup"), []byte("/session"),
}

func cwIsPrivate(path []byte) bool {
	for _, p := range cwPrivatePrefixes {
		if bytes.HasPrefix(path, p) {
			return true
		}
	}
	return false
}

func (c *capacityAgg) addAccess(r *parsers.Access) { c.addAccessStatic(r, cwIsStatic(r.Path)) }

// addAccessStatic is addAccess with cwIsStatic(r.Path) already known.
func (c *capacityAgg) addAccessStatic(r *parsers.Access, static bool) {
	startNS := r.Time
	rt := int64(0)
	if r.RequestTime >= 0 {
		rt = r.RequestTime
		if !r.TimeIsStart {
			startNS -= rt * 1000
		}
	}
	sec := floorDivSec(startNS)
	failed := r.Status == 499 || r.Status >= 500
	class := capDynGET
	switch {
	case static:
		class = capStatic
	case cwIsWrite(r.Method):
		class = capWrite
	}
	s := c.secs.at(sec)
	s.n[class]++
	if failed {
		s.fail[class]++
		if class != capStatic && (r.Status == 499 || r.Status == 502 || r.Status == 504) {
			s.qfail++
		}
	}
	if class == capStatic || sec < 0 || sec >= 1<<32 {
		return
	}
	ch := uint32(cwHash(cwFNV, r.Remote))
	if !c.keeps(uint64(ch) << 32) {
		return
	}
	var f uint8
	if failed {
		f |= capFailed
	}
	if r.Status == 499 {
		f |= capS499
	}
	if r.Status == 500 {
		f |= capS500
	}
	if r.Status == 200 {
		f |= capOK200
	}
	if r.UpstreamTime >= 0 {
		f |= capUpstream
	}
	if r.RequestTime >= 0 {
		f |= capHasRT
	}
	m := string(r.Method)
	if (m != "GET" && m != "HEAD") || len(r.User) > 0 && !(len(r.User) == 1 && r.User[0] == '-') || cwIsPrivate(r.Path) {
		f |= capPrivate
	}
	ms := (startNS - sec*1e9) / 1e6
	c.add(capRec{
		sec: uint32(sec), ms: uint16(ms), class: class, flags: f, client: ch,
		url:  uint32(cwHash(cwHash(cwFNV, r.Path), r.Query)),
		rtMs: uint32(min(rt/1000, math.MaxUint32)),
	})
}

func (c *capacityAgg) merge(o *capacityAgg) {
	c.secs.merge(&o.secs, (*capSec).add)
	c.sampled.merge(&o.sampled)
}

// capMinute is one minute of health.
type capMinute struct {
	n, fail [capClasses]float64
	qfail   float64
	p95     float64 // ms, dynamic requests; 0 unknown
	dyn     int
}

func (m *capMinute) total() (n, f float64) {
	for i := range m.n {
		n += m.n[i]
		f += m.fail[i]
	}
	return
}

// capModel is everything finish derives; the replay works from it.
type capModel struct {
	recs     []capRec // sorted by start
	scale    float64  // 1 / sampling rate
	first    int64    // first minute
	mins     []capMinute
	baseP95  float64
	healthy  []bool
	svc      []float64 // healthy service times, seconds (sorted)
	svcMean  float64
	patience float64 // seconds before a client gives up
	timeout  float64 // fastcgi_read_timeout, seconds
	cacheURL map[uint32]bool
	secs     *secPages[capSec]
	// contA fits service time = s0 × (1 + contA·n²) with n requests running
	// (database contention); contBase is the factor at baseline concurrency.
	contA, contBase float64
	// writeCap caps the completion rate of writes (req/s; 0 = none): their
	// own bottleneck, measured while saturated.
	writeCap float64
}

// buildModel sorts the records, classes cacheable GETs and measures health
// per minute.
func (c *capacityAgg) buildModel(st *State) *capModel {
	m := &capModel{recs: c.recs, scale: float64(uint64(1) << c.shift), secs: &c.secs, cacheURL: map[uint32]bool{}, contBase: 1}
	slices.SortFunc(m.recs, func(a, b capRec) int {
		switch {
		case a.sec != b.sec:
			return cmpI64(int64(a.sec), int64(b.sec))
		case a.ms != b.ms:
			return int(a.ms) - int(b.ms)
		case a.client != b.client:
			return cmpI64(int64(a.client), int64(b.client))
		case a.url != b.url:
			return cmpI64(int64(a.url), int64(b.url))
		case a.rtMs != b.rtMs:
			return cmpI64(int64(a.rtMs), int64(b.rtMs))
		case a.flags != b.flags:
			return int(a.flags) - int(b.flags)
		}
		return int(a.class) - int(b.class)
	})
	// A URL is cacheable when some anonymous GET of it returned 200.
	for _, r := range m.recs {
		if r.class == capDynGET && r.flags&capPrivate == 0 && r.flags&capOK200 != 0 {
			m.cacheURL[r.url] = true
		}
	}
	for i := range m.recs {
		r := &m.recs[i]
		if r.class == capDynGET && r.flags&capPrivate == 0 && m.cacheURL[r.url] {
			r.class = capCacheGET
		}
	}
	lo, hi := int64(math.MaxInt64), int64(math.MinInt64)
	c.secs.each(func(s int64, v *capSec) {
		if v.seen() {
			lo, hi = min(lo, s), max(hi, s)
		}
	})
	if lo > hi {
		return m
	}
	m.first = floorDiv60(lo)
	m.mins = make([]capMinute, floorDiv60(hi)-m.first+1)
	c.secs.each(func(s int64, v *capSec) {
		if !v.seen() {
			return
		}
		mm := &m.mins[floorDiv60(s)-m.first]
		for i := range v.n {
			mm.n[i] += float64(v.n[i])
			mm.fail[i] += float64(v.fail[i])
		}
		mm.qfail += float64(v.qfail)
	})
	// Split GETs between cacheable and dynamic by the sampled records; p95
	// of dynamic request times per minute.
	var lat [][]float64 = make([][]float64, len(m.mins))
	getN := make([][2]float64, len(m.mins))
	getF := make([][2]float64, len(m.mins))
	for _, r := range m.recs {
		i := floorDiv60(int64(r.sec)) - m.first
		if i < 0 || i >= int64(len(m.mins)) {
			continue
		}
		if r.flags&capHasRT != 0 {
			lat[i] = append(lat[i], float64(r.rtMs))
		}
		if r.class == capCacheGET || r.class == capDynGET {
			k := 0
			if r.class == capDynGET {
				k = 1
			}
			getN[i][k]++
			if r.flags&capFailed != 0 {
				getF[i][k]++
			}
		}
	}
	for i := range m.mins {
		mm := &m.mins[i]
		mm.dyn = len(lat[i])
		if len(lat[i]) >= 5 {
			slices.Sort(lat[i])
			mm.p95 = lat[i][int(math.Ceil(0.95*float64(len(lat[i]))))-1]
		}
		// capSec counted every GET as dynamic; split by the sample's shares.
		if t := getN[i][0] + getN[i][1]; t > 0 {
			all, fail := mm.n[capDynGET], mm.fail[capDynGET]
			mm.n[capCacheGET] = all * getN[i][0] / t
			mm.n[capDynGET] = all - mm.n[capCacheGET]
			if tf := getF[i][0] + getF[i][1]; tf > 0 {
				mm.fail[capCacheGET] = fail * getF[i][0] / tf
				mm.fail[capDynGET] = fail - mm.fail[capCacheGET]
			}
		}
	}
	// Baseline p95: the analyzer's when it has one, else the 25th
	// percentile of the minutes' p95.
	if st != nil && st.Baseline.P95Ms > 0 {
		m.baseP95 = st.Baseline.P95Ms
	} else {
		var ps []float64
		for _, mm := range m.mins {
			if mm.p95 > 0 {
				ps = append(ps, mm.p95)
			}
		}
		slices.Sort(ps)
		if len(ps) > 0 {
			m.baseP95 = ps[len(ps)/4]
		}
	}
	m.healthy = make([]bool, len(m.mins))
	for i := range m.mins {
		mm := &m.mins[i]
		n, f := mm.total()
		m.healthy[i] = n > 0 && f < 0.01*n && (mm.p95 == 0 || m.baseP95 == 0 || mm.p95 <= 2*m.baseP95)
	}
	// Healthy service time: request times of requests that reached PHP in
	// healthy minutes and succeeded.
	var p499, p504 []float64
	for _, r := range m.recs {
		i := floorDiv60(int64(r.sec)) - m.first
		if r.flags&capHasRT == 0 {
			continue
		}
		switch {
		case r.flags&capS499 != 0:
			p499 = append(p499, float64(r.rtMs)/1000)
		case r.flags&capFailed != 0 && r.flags&capUpstream != 0 && r.rtMs >= 10_000:
			p504 = append(p504, float64(r.rtMs)/1000)
		case r.flags&capFailed == 0 && m.healthy[i] && (r.flags&capUpstream != 0 || r.class != capStatic):
			m.svc = append(m.svc, float64(r.rtMs)/1000)
		}
	}
	slices.Sort(m.svc)
	if len(m.svc) > 0 {
		var s float64
		for _, x := range m.svc {
			s += x
		}
		m.svcMean = s / float64(len(m.svc))
	}
	m.patience = 30
	if len(p499) >= 20 {
		m.patience = max(1, cwMedian(p499))
	}
	m.timeout = 60
	if len(p504) >= 20 {
		slices.Sort(p504)
		m.timeout = p504[len(p504)*9/10]
	}
	return m
}

func floorDiv60(s int64) int64 {
	q := s / 60
	if s%60 < 0 {
		q--
	}
	return q
}

// Defaults used when neither a flag nor the logs say (each figure says so).
const (
	capDefaultRSSMB   = 64  // MB per PHP worker
	capDefaultMaxConn = 151 // MySQL max_connections default
	capDefaultBacklog = 511 // PHP-FPM listen.backlog default
	capTargetUtil     = 0.75
	capRAMShare       = 0.7 // share of RAM given to PHP workers (OS, MySQL, caches keep the rest)
)

// capFacts are the limits and sizes with their sources.
type capFacts struct {
	pool                            float64
	poolSrc, poolConf               string
	rssMB                           float64
	rssSrc                          string
	ramMB                           float64 // 0 unknown
	maxConn                         float64
	maxConnSrc                      string
	tooManyConns                    int64
	backlog                         float64
	sustain                         [capClasses]float64 // served rps in the best healthy minute, per class
	sustainAll, sustainDyn          float64
	peakAll, peakDyn                float64
	peakAt                          int64   // Unix second of the busiest minute's start
	lambda                          float64 // peak dynamic arrival rate
	svc                             float64 // healthy mean service time, s
	concurrency                     float64
	workersNeeded                   float64
	ramFit                          float64             // workers that fit in RAM; 0 unknown
	baseDyn                         float64             // median PHP arrival rate of healthy minutes
	satServed, satSvc               float64             // PHP requests served per second while saturated, and the service time that implies
	bestWorkers                     float64             // the pool size where throughput peaks under contention; 0 = no contention seen
	dbLimit                         float64             // max_connections binding in the replay; 0 = not binding
	satK                            [capClasses]float64 // per class, the most served a second while saturated
	satMinutes                      int
	satWrites, satWriteFail, satDyn float64
	phpPerView                      float64  // PHP requests per page view in the incident, for the waiting room
	oomKills                        int64    // PHP workers the kernel killed (OOM lines)
	oomVictims                      []string // "mysqld ×12", sorted
	replayErr, observedErr          float64  // the incident replayed as configured, and as logged
}

func (c *capacityAgg) finish(rep *Report, st *State, o *Options) {
	if o == nil {
		o = c.o
	}
	if o == nil {
		o = &Options{}
	}
	if c.secs.empty() {
		return
	}
	m := c.buildModel(st)
	f := m.facts(st, o)
	// The headline numbers are PHP's: static files are nginx's and never
	// the bottleneck, and counting them would hide a 4× PHP shortfall
	// behind a 1.2× total. Sites without PHP traffic get the totals.
	capRep := &Capacity{
		SustainableRPS: cwRound2(f.sustainDyn),
		PeakDemandRPS:  cwRound2(f.peakDyn),
		WorkersNeeded:  int64(f.workersNeeded),
	}
	if f.peakDyn == 0 {
		capRep.SustainableRPS, capRep.PeakDemandRPS = cwRound2(f.sustainAll), cwRound2(f.peakAll)
	}
	if capRep.SustainableRPS > 0 {
		capRep.Headroom = cwRound2(capRep.PeakDemandRPS / capRep.SustainableRPS)
	}
	capRep.Figures = f.figures(m)
	from, to, ok := m.incidentWindow(st)
	if !ok {
		capRep.Figures = append(capRep.Figures, Figure{
			Name: "no capacity change needed", Value: capRep.Headroom, Unit: "× sustainable",
			Source: "derived", Confidence: "high",
			Formula: "no incident: the busiest minute stayed within what the stack served while healthy",
		})
		capRep.Recommendations = []Recommendation{}
		rep.Capacity = capRep
		return
	}
	// The burst replay below reads nothing recommend writes: run it
	// alongside.
	var burst rpResult
	burstDone := make(chan struct{})
	go func() {
		defer close(burstDone)
		burst = m.replay(from, to, rpConfig{workers: f.pool, maxConn: f.dbLimit}, math.MaxInt32, m.patience, m.timeout)
	}()
	capRep.Recommendations = m.recommend(st, o, &f, from, to)
	<-burstDone
	// How well the model reproduces the incident: the confidence of every
	// replayed figure rests on it.
	calib := "high"
	switch d := math.Abs(f.replayErr - f.observedErr); {
	case d > 0.5*max(f.observedErr, 0.02):
		calib = "low"
	case d > 0.2*max(f.observedErr, 0.02):
		calib = "medium"
	}
	capRep.Figures = append(capRep.Figures, Figure{
		Name: "replay as configured: error rate", Value: cwRound4(f.replayErr), Unit: "share", Source: "derived", Confidence: calib,
		Formula: fmt.Sprintf("the incident's requests replayed against the configured pool; the logs show %.4f over the same window", f.observedErr),
	})
	// Listen backlog against the burst: the deepest queue the incident
	// built in front of the configured pool with no backlog limit.
	drain := f.backlog * f.svc / f.pool
	capRep.Figures = append(capRep.Figures,
		Figure{Name: "burst: deepest PHP queue", Value: math.Round(burst.maxQueue), Unit: "requests", Source: "derived", Confidence: "medium",
			Formula: fmt.Sprintf("the incident's requests replayed against pm.max_children = %.0f with an unbounded listen backlog (listen.backlog = %.0f)", f.pool, f.backlog)},
		Figure{Name: "backlog drain time", Value: cwRound2(drain), Unit: "s", Source: "derived", Confidence: "medium",
			Formula: fmt.Sprintf("listen.backlog × service time / pm.max_children; a deeper queue only helps while this stays under fastcgi_read_timeout (%.0f s) and clients' patience (%.0f s, median of the 499s)", m.timeout, m.patience)},
	)
	rep.Capacity = capRep
	if c.shift > 0 {
		rep.Notes = append(rep.Notes, fmt.Sprintf("Capacity replay used 1 in %d clients to bound memory; the pool was scaled to the sample.", 1<<c.shift))
	}
}

// facts derives the capacity figures from the model, the analyzer's state
// and the options.
func (m *capModel) facts(st *State, o *Options) capFacts {
	var f capFacts
	for i := range m.mins {
		mm := &m.mins[i]
		n, fl := mm.total()
		if n/60 > f.peakAll {
			f.peakAll, f.peakAt = n/60, (m.first+int64(i))*60
		}
		dyn := mm.n[capCacheGET] + mm.n[capDynGET] + mm.n[capWrite]
		f.peakDyn = max(f.peakDyn, dyn/60)
		if !m.healthy[i] {
			continue
		}
		f.sustainAll = max(f.sustainAll, (n-fl)/60)
		var sd float64
		for k := range mm.n {
			served := (mm.n[k] - mm.fail[k]) / 60
			f.sustain[k] = max(f.sustain[k], served)
			if k != int(capStatic) {
				sd += served
			}
		}
		f.sustainDyn = max(f.sustainDyn, sd)
	}
	f.lambda = f.peakDyn
	var baseDyn []float64
	for i := range m.mins {
		if m.healthy[i] {
			mm := &m.mins[i]
			baseDyn = append(baseDyn, (mm.n[capCacheGET]+mm.n[capDynGET]+mm.n[capWrite])/60)
		}
	}
	f.baseDyn = cwMedian(baseDyn)
	f.svc = m.svcMean
	if f.svc == 0 {
		f.svc = 0.1
	}
	f.concurrency = f.lambda * f.svc
	f.workersNeeded = math.Ceil(f.concurrency / capTargetUtil)

	// Pool size: the analyzer's evidence (log, flag, plateau), else the
	// flag, else the served throughput while saturated × service time.
	switch {
	case st != nil && st.PoolSize > 0:
		f.pool, f.poolSrc = float64(st.PoolSize), st.PoolSizeSource
	case o.FPMMaxChildren > 0:
		f.pool, f.poolSrc = float64(o.FPMMaxChildren), "flag"
	default:
		f.pool, f.poolSrc = m.plateauPool(st, f.svc), "derived"
	}
	f.poolConf = "high"
	if f.poolSrc != "log" && f.poolSrc != "flag" {
		f.poolSrc, f.poolConf = "derived", "low"
	}
	if f.pool < 1 {
		f.pool = 1
	}
	// Worker memory.
	f.rssMB, f.rssSrc = capDefaultRSSMB, "default"
	var rss []float64
	if st != nil {
		victims := map[string]int64{}
		for _, e := range st.EventsOf(parsers.KernelOOMKill) {
			f.oomKills += max(1, e.Count)
			victims[e.Sample.Text] += max(1, e.Count)
			if e.Sample.Num[0] > 0 && bytes.Contains([]byte(e.Sample.Text), []byte("php")) {
				rss = append(rss, float64(e.Sample.Num[0])/1024)
			}
		}
		for v, n := range victims {
			f.oomVictims = append(f.oomVictims, fmt.Sprintf("%s ×%d", v, n))
		}
		slices.Sort(f.oomVictims)
	}
	switch {
	case o.WorkerRSSMB > 0:
		f.rssMB, f.rssSrc = o.WorkerRSSMB, "flag"
	case len(rss) > 0:
		slices.Sort(rss)
		f.rssMB, f.rssSrc = math.Ceil(rss[(len(rss)*95)/100]), "log"
	}
	f.ramMB = o.RAMMB
	if f.ramMB > 0 {
		f.ramFit = math.Floor(capRAMShare * f.ramMB / f.rssMB)
	}
	f.maxConn, f.maxConnSrc = capDefaultMaxConn, "default"
	switch {
	case o.MySQLMaxConnections > 0:
		f.maxConn, f.maxConnSrc = float64(o.MySQLMaxConnections), "flag"
	case st != nil && st.MySQLMaxConns > 0:
		f.maxConn, f.maxConnSrc = float64(st.MySQLMaxConns), "flag"
	}
	if st != nil {
		for _, e := range st.EventsOf(parsers.NginxPHPMessage, parsers.FPMSaid, parsers.ApachePHPMessage) {
			if e.Sample.PHP == parsers.PHPTooManyConns {
				f.tooManyConns += e.Count
			}
		}
	}
	// The limit binds in the replay when it is known, or when the logs show
	// it was hit (then it is estimated from the requests running when PHP
	// answered 500).
	if f.maxConnSrc == "flag" {
		f.dbLimit = f.maxConn
	} else if f.tooManyConns > 0 {
		// 1040 proves the limit sat below the running PHP workers.
		est := m.dbLimitEstimate()
		if est <= 0 || est >= f.pool {
			est = math.Max(1, math.Round(0.8*f.pool))
		}
		f.maxConn, f.maxConnSrc, f.dbLimit = est, "derived", est
	}
	m.fitContention(st, &f)
	f.backlog = capDefaultBacklog
	return f
}

// saturated says whether minute i shows a full PHP pool: inside a php-fpm
// saturation the analyzer found, or (without one) 499/502/504 on at least 5%
// of PHP requests.
func (m *capModel) saturated(st *State, i int) bool {
	if m.healthy[i] {
		return false
	}
	if st != nil {
		var any bool
		t := (m.first + int64(i)) * 60
		for _, s := range st.Saturations {
			if s.Resource != "php-fpm" {
				continue
			}
			any = true
			end := int64(math.MaxInt64)
			if s.End != nil {
				end = s.End.Unix()
			}
			if t+60 > s.Start.Unix() && t < end {
				return true
			}
		}
		if any {
			return false
		}
	}
	mm := &m.mins[i]
	dyn := mm.n[capCacheGET] + mm.n[capDynGET] + mm.n[capWrite]
	return dyn > 0 && mm.qfail >= 0.05*dyn
}

// fitContention measures how much slower PHP served while saturated than
// while healthy. Saturated, the pool runs flat out, so by Little's law its
// service time was pool / served rate; against the healthy service time s0
// that gives g(pool), and a = (g − 1)/pool² in g(n) = 1 + a·n². Throughput
// n/(s0·g(n)) then peaks at n = 1/√a workers: beyond that, more workers
// only make every request slower (database contention).
func (m *capModel) fitContention(st *State, f *capFacts) {
	for i := range m.mins {
		if !m.saturated(st, i) {
			continue
		}
		mm := &m.mins[i]
		served := (mm.n[capCacheGET] - mm.fail[capCacheGET] + mm.n[capDynGET] - mm.fail[capDynGET] + mm.n[capWrite] - mm.fail[capWrite]) / 60
		f.satServed = max(f.satServed, served)
		for k := range mm.n {
			f.satK[k] = max(f.satK[k], (mm.n[k]-mm.fail[k])/60)
		}
		f.satMinutes++
		f.satWriteFail += mm.fail[capWrite]
		f.satWrites += mm.n[capWrite]
		f.satDyn += mm.n[capCacheGET] + mm.n[capDynGET] + mm.n[capWrite]
	}
	// Writes that failed while saturated and make a fifth of the PHP load
	// had their own bottleneck (row locks, one table): the replay then lets
	// them complete no faster than they did while saturated.
	if f.satWrites >= 0.2*f.satDyn && f.satWriteFail >= 0.05*f.satWrites && f.satK[capWrite] > 0 {
		m.writeCap = f.satK[capWrite]
	}
	if f.satServed <= 0 || f.poolSrc == "derived" {
		return
	}
	n := f.pool
	if f.dbLimit > 0 {
		n = min(n, f.dbLimit)
	}
	f.satSvc = n / f.satServed
	g := f.satSvc / f.svc
	if g < 1.2 {
		return
	}
	nb := f.baseDyn * f.svc
	m.contA = (g - 1) / max(1, n*n-nb*nb)
	m.contBase = 1 + m.contA*nb*nb
	f.bestWorkers = math.Floor(1 / math.Sqrt(m.contA))
}

// dbLimitEstimate estimates MySQL max_connections from the access log:
// when PHP answered 500 (Too many connections), the database held as many
// connections as PHP requests were running. Running = successful PHP
// requests whose last p95-healthy-service-time seconds cover the instant
// (the earlier part of a long request is its wait in the backlog). The
// median over those instants is the estimate.
func (m *capModel) dbLimitEstimate() float64 {
	if len(m.svc) == 0 {
		return 0
	}
	p95 := m.svc[len(m.svc)*95/100]
	type ev struct {
		t float64
		d int
	}
	var evs []ev
	var probes []float64
	for _, r := range m.recs {
		st := r.start()
		end := st + float64(r.rtMs)/1000
		switch {
		case r.flags&capS500 != 0:
			probes = append(probes, end) // a fast failure: PHP met the limit just before its end
		case r.flags&capFailed == 0 && r.flags&capUpstream != 0:
			evs = append(evs, ev{max(st, end-p95), 1}, ev{end, -1})
		}
	}
	if len(probes) < 20 {
		return 0
	}
	slices.SortFunc(evs, func(a, b ev) int {
		if a.t != b.t {
			if a.t < b.t {
				return -1
			}
			return 1
		}
		return a.d - b.d
	})
	slices.Sort(probes)
	var lv []float64
	j, cur := 0, 0
	for _, p := range probes {
		for j < len(evs) && evs[j].t <= p {
			cur += evs[j].d
			j++
		}
		lv = append(lv, float64(cur))
	}
	return math.Round(cwMedian(lv) * m.scale)
}

// plateauPool estimates pm.max_children when no log line or flag gives it:
// while PHP was saturated (minutes with 502/504 or 499s), it served at its
// maximum rate, and by Little's law pool = served rate × service time.
func (m *capModel) plateauPool(st *State, svc float64) float64 {
	var best float64
	for i := range m.mins {
		if !m.saturated(st, i) {
			continue
		}
		mm := &m.mins[i]
		served := (mm.n[capCacheGET] - mm.fail[capCacheGET] + mm.n[capDynGET] - mm.fail[capDynGET] + mm.n[capWrite] - mm.fail[capWrite]) / 60
		best = max(best, served)
	}
	return math.Round(best * svc)
}

// incidentWindow is the replay window: the analyzer's incidents (all of
// them, from the first start to the last end), else the unhealthy minutes.
func (m *capModel) incidentWindow(st *State) (from, to int64, ok bool) {
	if st != nil {
		if len(st.Spans) == 0 {
			return 0, 0, false
		}
		from, to = st.Spans[0].Start, st.Spans[0].End
		for _, s := range st.Spans {
			from, to = min(from, s.Start), max(to, s.End)
		}
		if last := (m.first + int64(len(m.mins))) * 60; to <= from || to > last {
			to = last
		}
		return from, to, to > from
	}
	first, last := int64(-1), int64(-1)
	for i, h := range m.healthy {
		if !h {
			if first < 0 {
				first = int64(i)
			}
			last = int64(i)
		}
	}
	if first < 0 {
		return 0, 0, false
	}
	return (m.first + first) * 60, (m.first + last + 1) * 60, true
}

func (f *capFacts) figures(m *capModel) []Figure {
	conf := func(n int) string {
		switch {
		case n >= 1000:
			return "high"
		case n >= 50:
			return "medium"
		}
		return "low"
	}
	svcConf := conf(len(m.svc))
	svcFig := Figure{Name: "healthy service time", Value: cwRound2(f.svc * 1000), Unit: "ms", Source: "log", Confidence: svcConf,
		Formula: "mean request time of PHP requests in healthy minutes"}
	if len(m.svc) == 0 {
		svcFig.Source, svcFig.Confidence = "default", "low"
		svcFig.Formula = "the access log has no $request_time: 100 ms assumed; every figure built on it is a guess (add $request_time to the log_format)"
	}
	figs := []Figure{
		{Name: "sustainable throughput", Value: cwRound2(f.sustainAll), Unit: "req/s", Source: "log", Confidence: "medium",
			Formula: "most requests served per second over a minute while healthy (errors < 1%, p95 ≤ 2× baseline)"},
	}
	for k := capStatic; k < capClasses; k++ {
		figs = append(figs, Figure{Name: "sustainable throughput, " + capClassNames[k], Value: cwRound2(f.sustain[k]),
			Unit: "req/s", Source: "log", Confidence: "medium", Formula: "served while healthy, this class only"})
	}
	figs = append(figs,
		Figure{Name: "peak demand", Value: cwRound2(f.peakAll), Unit: "req/s", Source: "log", Confidence: "high",
			Formula: "arrivals in the busiest minute / 60, failed and abandoned requests included"},
		Figure{Name: "peak demand, PHP", Value: cwRound2(f.peakDyn), Unit: "req/s", Source: "log", Confidence: "high",
			Formula: "dynamic arrivals (not static files) in the busiest minute / 60"},
		svcFig,
		Figure{Name: "concurrency needed (Little's law)", Value: cwRound2(f.concurrency), Unit: "requests", Source: "derived", Confidence: svcConf,
			Formula: fmt.Sprintf("L = λ × W = %.1f req/s × %.3f s", f.lambda, f.svc)},
		Figure{Name: "PHP workers needed", Value: f.workersNeeded, Unit: "workers", Source: "derived", Confidence: svcConf,
			Formula: fmt.Sprintf("ceil(L / %.2f target utilisation)", capTargetUtil)},
		Figure{Name: "pm.max_children", Value: f.pool, Unit: "workers", Source: f.poolSrc, Confidence: f.poolConf,
			Formula: "from the FPM log, --fpm-max-children, or served rate while saturated × service time"},
		Figure{Name: "PHP pool capacity", Value: cwRound2(f.pool / f.svc), Unit: "req/s", Source: "derived", Confidence: f.poolConf,
			Formula: "λ_max = pm.max_children / service time"},
		Figure{Name: "worker memory (RSS)", Value: f.rssMB, Unit: "MB", Source: f.rssSrc, Confidence: map[string]string{"flag": "high", "log": "medium", "default": "low"}[f.rssSrc],
			Formula: "p95 anon-rss of killed PHP workers (OOM lines), --worker-rss, or a typical 64 MB"},
		Figure{Name: "memory for the workers needed", Value: math.Ceil(f.workersNeeded * f.rssMB), Unit: "MB", Source: "derived", Confidence: "medium",
			Formula: "workers needed × worker RSS"},
	)
	if f.satSvc > 0 {
		figs = append(figs, Figure{Name: "service time while saturated", Value: cwRound2(f.satSvc * 1000), Unit: "ms", Source: "derived", Confidence: "medium",
			Formula: fmt.Sprintf("pm.max_children / PHP requests served per second while saturated = %.0f / %.1f", f.pool, f.satServed)})
	}
	if f.bestWorkers > 0 {
		figs = append(figs, Figure{Name: "workers where throughput peaks", Value: f.bestWorkers, Unit: "workers", Source: "derived", Confidence: "low",
			Formula: "n = 1/√a for service time s0·(1 + a·n²) fitted to the healthy and saturated service times (database contention)"})
	}
	if f.ramMB > 0 {
		figs = append(figs, Figure{Name: "workers that fit in RAM", Value: f.ramFit, Unit: "workers", Source: "flag", Confidence: "medium",
			Formula: fmt.Sprintf("floor(%.0f%% × %.0f MB RAM / %.0f MB)", 100*capRAMShare, f.ramMB, f.rssMB)})
	}
	figs = append(figs,
		Figure{Name: "mysql max_connections", Value: f.maxConn, Unit: "connections", Source: f.maxConnSrc,
			Confidence: map[string]string{"flag": "high", "default": "low", "derived": "low"}[f.maxConnSrc],
			Formula:    fmt.Sprintf("must be ≥ Σ pm.max_children + admin; %d 'Too many connections' messages in the logs", f.tooManyConns)},
		Figure{Name: "listen backlog", Value: f.backlog, Unit: "connections", Source: "default", Confidence: "low",
			Formula: "PHP-FPM listen.backlog default (capped by net.core.somaxconn)"},
	)
	if f.sustainAll > 0 {
		figs = append(figs, Figure{Name: "headroom ratio", Value: cwRound2(f.peakAll / f.sustainAll), Unit: "×", Source: "derived", Confidence: "medium",
			Formula: "peak demand / sustainable throughput"})
	}
	if f.sustainDyn > 0 {
		figs = append(figs, Figure{Name: "headroom ratio, PHP", Value: cwRound2(f.peakDyn / f.sustainDyn), Unit: "×", Source: "derived", Confidence: "medium",
			Formula: "peak PHP demand / PHP requests served while healthy"})
	}
	return figs
}
