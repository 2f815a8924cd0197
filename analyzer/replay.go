package analyzer

import (
	"container/heap"
	"fmt"
	"math"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"
)

// What-if replays: the incident's own dynamic requests (capRec, in start
// order) are fed to a discrete-event model of the PHP-FPM pool of the same
// family as simulate's: c workers, FIFO, a listen backlog (full → 502),
// clients that give up after their patience (→ 499; a request that leaves
// while queued frees its backlog slot and takes no worker, as in simulate),
// and fastcgi_read_timeout (→ 504; PHP keeps running). Service times are
// drawn, deterministically, from the healthy service times the log measured,
// stretched by database contention: s × g(busy)/g(baseline busy) with
// g(n) = 1 + a·n², a fitted from how much slower the pool served while
// saturated (capModel.contA; 0 when the log shows no slowdown). When MySQL's
// max_connections binds, a request that finds every connection taken fails
// at once with 500 (1040 Too many connections). When writes were a fifth of
// the PHP load and failed while saturated, they complete no faster than
// they did then (their own bottleneck: row locks). Static files are served
// by nginx and always succeed. Mitigations act in front of the
// pool in nginx's order: limit_req, then the waiting room's admission, then
// the microcache.

// rpConfig is one candidate configuration.
type rpConfig struct {
	workers    float64 // pm.max_children
	cacheS     float64 // microcache TTL, 0 = off
	limitRate  float64 // per-IP limit_req rate, req/s; 0 = off
	limitBurst float64
	roomRate   float64 // waiting-room admission, req/s; 0 = off
	maxConn    float64 // MySQL max_connections binding; 0 = not binding
	dbFix      bool    // raise max_connections to the pool + 10
}

// rpResult is what a replay produced over the window.
type rpResult struct {
	requests, errors  float64 // all requests (static included), scaled
	dyn, dynErrors    float64
	limited, hits     float64
	cacheable         float64
	p95Ms             float64
	roomMaxQueue      float64
	roomMaxWaitS      float64
	maxQueue          float64 // deepest backlog
	errorRate, dynErr float64
	// userErr is the error rate of the requests limit_req let through:
	// what the clients the limit was not meant for saw.
	userErr float64
}

type f64Heap []float64

func (h f64Heap) Len() int           { return len(h) }
func (h f64Heap) Less(i, j int) bool { return h[i] < h[j] }
func (h f64Heap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *f64Heap) Push(x any)        { *h = append(*h, x.(float64)) }
func (h *f64Heap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

type rpBucket struct{ tokens, last float64 }

// replay runs cfg over the requests starting in [from, to).
func (m *capModel) replay(from, to int64, cfg rpConfig, backlog, patience, timeout float64) rpResult {
	var res rpResult
	i0, _ := slices.BinarySearchFunc(m.recs, from, func(r capRec, t int64) int { return cmpI64(int64(r.sec), t) })
	i1, _ := slices.BinarySearchFunc(m.recs, to, func(r capRec, t int64) int { return cmpI64(int64(r.sec), t) })
	// The sample stands for 1/scale of the clients: shrink the pool, the
	// backlog and the admission rate with it.
	c := max(1, int(math.Round(cfg.workers/m.scale)))
	bl := max(1, backlog/m.scale)
	servers := make(f64Heap, c)
	for k := range servers {
		servers[k] = float64(from)
	}
	var queue f64Heap   // times queued requests leave the backlog
	var running f64Heap // end times of the requests PHP is running
	buckets := map[uint32]*rpBucket{}
	expires := map[uint32]float64{}
	var roomNext, writeFree float64
	lat := make([]float64, 0, i1-i0)
	svc := m.svc
	for i := i0; i < i1; i++ {
		r := &m.recs[i]
		t := r.start()
		res.dyn++
		if cfg.limitRate > 0 {
			b := buckets[r.client]
			if b == nil {
				b = &rpBucket{tokens: cfg.limitBurst + 1, last: t}
				buckets[r.client] = b
			}
			b.tokens = min(cfg.limitBurst+1, b.tokens+(t-b.last)*cfg.limitRate)
			b.last = t
			if b.tokens < 1 {
				res.limited++
				res.dynErrors++
				continue
			}
			b.tokens--
		}
		if cfg.roomRate > 0 {
			admit := max(t, roomNext)
			roomNext = admit + m.scale/cfg.roomRate
			if w := admit - t; w > res.roomMaxWaitS {
				res.roomMaxWaitS = w
			}
			res.roomMaxQueue = max(res.roomMaxQueue, (roomNext-t)*cfg.roomRate)
			t = admit
		}
		if r.class == capCacheGET {
			res.cacheable++
			if cfg.cacheS > 0 {
				if expires[r.url] > t {
					res.hits++
					lat = append(lat, 1)
					continue
				}
				expires[r.url] = t + cfg.cacheS
			}
		}
		for len(queue) > 0 && queue[0] <= t {
			heap.Pop(&queue)
		}
		res.maxQueue = max(res.maxQueue, float64(len(queue)))
		if float64(len(queue)) >= bl {
			res.dynErrors++ // 502: backlog full, never reached PHP
			continue
		}
		begin := max(t, servers[0])
		wait := begin - t
		if wait > patience {
			// 499: the client left while queued; its slot frees then.
			heap.Push(&queue, t+patience)
			res.dynErrors++
			continue
		}
		s := 0.1
		if len(svc) > 0 {
			s = svc[cwMix(uint64(i)*0x9e3779b97f4a7c15^uint64(r.url))%uint64(len(svc))]
		}
		for len(running) > 0 && running[0] <= begin {
			heap.Pop(&running)
		}
		busy := float64(len(running)+1) * m.scale
		if cfg.maxConn > 0 && busy > cfg.maxConn {
			// 1040: PHP fails fast and answers 500.
			servers[0] = begin + s*0.15
			heap.Fix(&servers, 0)
			if wait > 0 {
				heap.Push(&queue, begin)
			}
			res.dynErrors++
			continue
		}
		if m.contA > 0 {
			s *= (1 + m.contA*busy*busy) / m.contBase
		}
		if r.class == capWrite && m.writeCap > 0 {
			// Writes complete one after another at the measured rate.
			done := max(begin+s, writeFree+m.scale/m.writeCap)
			writeFree = done
			s = done - begin
		}
		heap.Push(&running, begin+s)
		servers[0] = begin + s
		heap.Fix(&servers, 0)
		if wait > 0 {
			heap.Push(&queue, begin)
		}
		if wait+s > min(timeout, patience) {
			res.dynErrors++ // 504, or 499 while PHP ran; PHP keeps running
			continue
		}
		lat = append(lat, (wait+s)*1000)
	}
	// Static requests in the window: served by nginx.
	var static float64
	for s := from; s < to; s++ {
		if v := m.secs.get(s); v != nil {
			static += float64(v.n[capStatic])
		}
	}
	res.dyn *= m.scale
	res.dynErrors *= m.scale
	res.limited *= m.scale
	res.hits *= m.scale
	res.cacheable *= m.scale
	res.maxQueue *= m.scale
	res.roomMaxQueue *= 1 // already in requests (rate × time)
	res.requests = res.dyn + static
	res.errors = res.dynErrors
	if res.requests > 0 {
		res.errorRate = res.errors / res.requests
	}
	if res.requests > res.limited {
		res.userErr = (res.errors - res.limited) / (res.requests - res.limited)
	}
	if res.dyn > 0 {
		res.dynErr = res.dynErrors / res.dyn
	}
	if len(lat) > 0 {
		slices.Sort(lat)
		res.p95Ms = lat[int(math.Ceil(0.95*float64(len(lat))))-1]
	}
	return res
}

// observed is what really happened in [from, to).
func (m *capModel) observed(from, to int64) (requests, errors float64) {
	for s := from; s < to; s++ {
		if v := m.secs.get(s); v != nil {
			for k := range v.n {
				requests += float64(v.n[k])
				errors += float64(v.fail[k])
			}
		}
	}
	return
}

// limitRate chooses a per-IP limit_req rate (req/s at burst b) that under
// 0.1% of the clients seen outside the incident would ever have hit: for each
// client the lowest rate r with n(i..j) ≤ b+1 + r·(t_j − t_i) for every run
// of its requests, then the 99.9th percentile over clients.
func (m *capModel) limitRate(from, to int64, burst int) (rate float64, clients int) {
	per := map[uint32][]float64{}
	for _, r := range m.recs {
		if int64(r.sec) >= from && int64(r.sec) < to {
			continue
		}
		per[r.client] = append(per[r.client], r.start())
	}
	need := make([]float64, 0, len(per))
	for _, ts := range per {
		var rq float64
		for j := burst + 1; j < len(ts); j++ {
			for i := max(0, j-2000); i <= j-burst-1; i++ {
				n := float64(j - i + 1 - (burst + 1))
				dt := ts[j] - ts[i]
				if dt <= 0 {
					rq = math.Inf(1)
					break
				}
				rq = max(rq, n/dt)
			}
		}
		need = append(need, rq)
	}
	if len(need) == 0 {
		return 0, 0
	}
	slices.Sort(need)
	p := need[min(len(need)-1, int(math.Ceil(0.999*float64(len(need))))-1)]
	// Never below 1 r/s: a short baseline does not show long sessions.
	if math.IsInf(p, 1) || p < 1 {
		p = 1
	}
	return cwNiceRate(p), len(need)
}

// cwNiceRate rounds a rate up to a value nginx can express neatly
// (whole requests per minute below 1 r/s, whole r/s above).
func cwNiceRate(r float64) float64 {
	if r < 1 {
		return math.Ceil(r*60) / 60
	}
	return math.Ceil(r)
}

func cwRateString(r float64) string {
	if r < 1 {
		return fmt.Sprintf("%.0fr/m", r*60)
	}
	return fmt.Sprintf("%.0fr/s", r)
}

// rpCandidate is one combination of mitigations with its replay.
type rpCandidate struct {
	name  []string
	cfg   rpConfig
	cost  float64
	res   rpResult
	extra float64 // extra MB for workers
}

const rpLimitBurst = 20

// throughput is the most PHP requests a second a pool of workers serves,
// with at most maxConn of them in the database (0 = no limit), under the
// fitted contention: max over n of n / (s0·g(n)/g(base)).
func (m *capModel) throughput(svc, workers, maxConn float64) float64 {
	n := workers
	if maxConn > 0 {
		n = min(n, maxConn)
	}
	if m.contA <= 0 {
		return n / svc
	}
	var best float64
	for k := 1.0; k <= n; k++ {
		best = max(best, k/(svc*(1+m.contA*k*k)/m.contBase))
	}
	return best
}

// recommend replays the mitigations and their combinations on [from, to)
// and returns the recommendations, the cheapest combination that keeps
// errors under 1% marked Chosen.
func (m *capModel) recommend(st *State, o *Options, f *capFacts, from, to int64) []Recommendation {
	loc := o.loc()
	backlog, patience, timeout := f.backlog, m.patience, m.timeout
	base := rpConfig{workers: f.pool, maxConn: f.dbLimit}
	obsReq, obsErr := m.observed(from, to)
	// limit_req's rate needs no replay: find it beside the replay as
	// configured.
	var rate float64
	var nClients int
	rateDone := make(chan struct{})
	go func() {
		defer close(rateDone)
		rate, nClients = m.limitRate(from, to, rpLimitBurst)
	}()
	cur := m.replay(from, to, base, backlog, patience, timeout)
	<-rateDone
	span := fmt.Sprintf("%s–%s", time.Unix(from, 0).In(loc).Format("15:04"), time.Unix(to, 0).In(loc).Format("15:04"))
	obsRate := 0.0
	if obsReq > 0 {
		obsRate = obsErr / obsReq
	}
	f.replayErr, f.observedErr = cur.errorRate, obsRate
	// When the incident's own requests, replayed against the pool as
	// configured, run without errors, load was not what failed (a crash,
	// a restart, memory): no capacity change would have held it, and the
	// report says so instead of selling mitigations.
	loadBound := cur.errorRate >= 0.01
	if st != nil && len(st.Saturations) > 0 {
		// The analyzer's saturation findings decide: without the pool, the
		// web server or the database at its limit, load did not fail.
		has := false
		for _, s := range st.Saturations {
			end := int64(math.MaxInt64)
			if s.End != nil {
				end = s.End.Unix()
			}
			if (s.Resource == "php-fpm" || s.Resource == "nginx" || s.Resource == "mysql") && s.Start.Unix() < to && end > from {
				has = true
			}
		}
		loadBound = loadBound && has
	}
	if !loadBound {
		title, why := "Capacity was not the cause", "the errors came from something else (see restarts and saturation)"
		verdict := "the configured pool serves every request"
		if cur.errorRate >= 0.01 {
			verdict = "no web, PHP or database limit was found saturated in the logs"
			why = "the replay's errors come from an estimated pool size (pass --fpm-max-children); " + why
		}
		if obsRate < 0.01 {
			title, why = "The stack held the surge", "no capacity change is needed"
		}
		recs := []Recommendation{{
			ID: "not-capacity", Title: title,
			Current:     fmt.Sprintf("pm.max_children = %.0f (%s)", f.pool, f.poolSrc),
			Recommended: "no capacity change",
			Formula:     "the incident's requests replayed against the configured pool",
			Effect: fmt.Sprintf("Replayed on the %s incident, %s (%.2f%% errors, observed %.1f%%): %s.",
				span, verdict, 100*cur.errorRate, 100*obsRate, why),
			Cost: "none", ErrorRate: cwRound4(cur.errorRate), P95Ms: math.Round(cur.p95Ms),
		}}
		return append(recs, m.memoryRec(f)...)
	}

	// Page views: GETs of a page the same client had not asked for in
	// the previous 10 s (a repeat that soon is a reload). A waiting room
	// admits views; each brings phpPerView PHP requests, classDemand[k] of
	// class k.
	var roomViews float64 // measured admission, views/s; 0 = none
	{
		last := map[uint64]float64{}
		var views, all float64
		var per [capClasses]float64
		for _, r := range m.recs {
			if int64(r.sec) < from || int64(r.sec) >= to {
				continue
			}
			all++
			per[r.class]++
			if r.class == capWrite {
				continue
			}
			k := uint64(r.client)<<32 | uint64(r.url)
			t := r.start()
			if p, ok := last[k]; !ok || t-p > 10 {
				views++
			}
			last[k] = t
		}
		f.phpPerView = 1
		if views > 0 {
			f.phpPerView = all / views
			// Each class may bring at most what it was served at while
			// saturated, at the target utilisation.
			for k := capCacheGET; k < capClasses; k++ {
				d := per[k] / views
				if d < 0.05 || f.satK[k] <= 0 {
					continue
				}
				v := capTargetUtil * f.satK[k] / d
				if roomViews == 0 || v < roomViews {
					roomViews = v
				}
			}
		}
	}
	// The options.
	cacheShare := 0.0
	if cur.dyn > 0 {
		cacheShare = cur.cacheable / cur.dyn
	}
	workers := f.workersNeeded
	if m.contA > 0 {
		// Under contention: the fewest workers whose throughput at the
		// target utilisation carries the peak, never past the peak of the
		// throughput curve.
		workers = 0
		for n := f.pool + 1; n <= f.bestWorkers; n++ {
			if capTargetUtil*n/(f.svc*(1+m.contA*n*n)/m.contBase) >= f.lambda {
				workers = n
				break
			}
		}
		if workers == 0 {
			workers = f.bestWorkers
		}
	}
	ramCapped := false
	if f.ramFit > 0 && workers > f.ramFit {
		workers, ramCapped = f.ramFit, true
	}
	if f.ramMB == 0 {
		workers = min(workers, 4*f.pool)
	}
	type opt struct {
		name  string
		apply func(*rpConfig)
		cost  float64
		extra float64
	}
	var opts [][]opt // one group per mitigation; at most one choice of each group
	if cacheShare >= 0.01 {
		var g []opt
		for _, n := range []float64{1, 5, 10} {
			g = append(g, opt{name: fmt.Sprintf("microcache %.0fs", n), apply: func(c *rpConfig) { c.cacheS = n }, cost: 1 + n/10})
		}
		opts = append(opts, g)
	}
	if rate > 0 {
		opts = append(opts, []opt{{name: "limit_req " + cwRateString(rate), apply: func(c *rpConfig) { c.limitRate, c.limitBurst = rate, rpLimitBurst }, cost: 1}})
	}
	if workers > f.pool {
		extra := (workers - f.pool) * f.rssMB
		cost := 3.0
		if f.ramMB > 0 {
			cost = 2 + 4*extra/f.ramMB
		}
		opts = append(opts, []opt{{name: fmt.Sprintf("pm.max_children %.0f", workers), apply: func(c *rpConfig) {
			c.workers = workers
			if f.dbLimit > 0 && f.dbLimit < workers+10 {
				c.dbFix = true
			}
		}, cost: cost, extra: extra}})
	}
	if f.dbLimit > 0 && f.dbLimit < f.pool+10 {
		opts = append(opts, []opt{{name: "max_connections = pm.max_children + 10", apply: func(c *rpConfig) { c.dbFix = true }, cost: 0.5}})
	}
	opts = append(opts, []opt{{name: "waiting room", apply: func(c *rpConfig) { c.roomRate = -1 }, cost: 5}})

	roomFormula := func(cfg rpConfig) string {
		model := m.throughput(f.svc, cfg.workers, cfg.maxConn) * capTargetUtil
		if roomViews > 0 && cfg.roomRate < model-0.05 {
			return fmt.Sprintf("admission = %.0f%% of what each request class was served at while saturated, per page view (%.1f PHP requests a view): %.1f views/s = %.1f PHP requests/s",
				100*capTargetUtil, f.phpPerView, roomViews, cfg.roomRate)
		}
		return fmt.Sprintf("admission = %.0f%% of the most the pool serves (%.0f workers, database contention and max_connections included) = %.0f%% × %.1f req/s",
			100*capTargetUtil, cfg.workers, 100*capTargetUtil, model/capTargetUtil)
	}
	var cands []rpCandidate
	var walk func(g int, cur rpCandidate)
	walk = func(g int, cand rpCandidate) {
		if g == len(opts) {
			if len(cand.name) == 0 {
				return
			}
			cfg := cand.cfg
			if cfg.dbFix {
				cfg.maxConn = cfg.workers + 10
			}
			if cfg.roomRate < 0 {
				// Admit what the pool of this combination sustains, at
				// the target utilisation; a microcache lets more through.
				// With the pool as it is, the measured per-class rates
				// while saturated bound it too.
				cfg.roomRate = m.throughput(f.svc, cfg.workers, cfg.maxConn) * capTargetUtil
				if cfg.cacheS > 0 && cacheShare > 0 {
					cfg.roomRate /= max(0.05, 1-cacheShare*0.9)
				}
				if roomViews > 0 && cfg.workers == f.pool && cfg.cacheS == 0 && !cfg.dbFix {
					cfg.roomRate = min(cfg.roomRate, roomViews*f.phpPerView)
				}
			}
			cand.cfg = cfg
			cands = append(cands, cand)
			return
		}
		walk(g+1, cand)
		for _, op := range opts[g] {
			c := cand
			c.name = append(slices.Clone(cand.name), op.name)
			op.apply(&c.cfg)
			c.cost += op.cost
			c.extra += op.extra
			walk(g+1, c)
		}
	}
	walk(0, rpCandidate{cfg: base})

	// Replays are the expensive part (one pass over the incident's
	// requests each): every single mitigation is replayed for its own
	// recommendation, then combinations in order of cost until one holds
	// and no cheaper one can remain (the wait adds to a room's cost after
	// its replay, never subtracts).
	// Each replay is a pure function of its configuration, so they run on
	// GOMAXPROCS goroutines ahead of need (run); eval then applies a result
	// exactly where the sequential search would have computed it, so the
	// choice does not depend on scheduling.
	type evalRes struct {
		res     rpResult
		cfg     rpConfig
		costAdd float64
	}
	results := make([]*evalRes, len(cands))
	compute := func(cfg rpConfig) *evalRes {
		r := &evalRes{cfg: cfg}
		r.res = m.replay(from, to, r.cfg, backlog, patience, timeout)
		// A room that still lets errors through admits too fast: lower the
		// admission (the room's one knob) a few times before giving up.
		for k := 0; k < 4 && r.cfg.roomRate > 0 && r.res.userErr >= 0.01; k++ {
			r.cfg.roomRate *= 0.75
			r.res = m.replay(from, to, r.cfg, backlog, patience, timeout)
		}
		if r.cfg.roomRate > 0 {
			// Waiting is the room's price: ten minutes cost as much as
			// the room itself.
			r.costAdd = 5 * r.res.roomMaxWaitS / 600
		}
		return r
	}
	run := func(idx []int) {
		var todo []int
		for _, i := range idx {
			if results[i] == nil {
				todo = append(todo, i)
			}
		}
		parallelDo(len(todo), func(k int) {
			i := todo[k]
			results[i] = compute(cands[i].cfg)
		})
	}
	evaluated := make([]bool, len(cands))
	eval := func(i int) {
		if evaluated[i] {
			return
		}
		if results[i] == nil {
			run([]int{i})
		}
		c, r := &cands[i], results[i]
		c.res, c.cfg = r.res, r.cfg
		c.cost += r.costAdd
		evaluated[i] = true
	}
	order := make([]int, len(cands))
	var singles []int
	for i := range cands {
		order[i] = i
		if len(cands[i].name) == 1 {
			singles = append(singles, i)
		}
	}
	run(singles)
	for _, i := range singles {
		eval(i)
	}
	slices.SortStableFunc(order, func(a, b int) int {
		switch ca, cb := cands[a].cost, cands[b].cost; {
		case ca < cb:
			return -1
		case ca > cb:
			return 1
		}
		return strings.Compare(strings.Join(cands[a].name, "+"), strings.Join(cands[b].name, "+"))
	})
	chosen := -1
	for k, i := range order {
		if chosen >= 0 && cands[i].cost >= cands[chosen].cost {
			break
		}
		if results[i] == nil {
			// Replay this one and the next few in order at once: the
			// ones the search stops before are wasted, never wrong.
			var next []int
			for _, j := range order[k:] {
				if results[j] == nil {
					next = append(next, j)
					if len(next) == runtime.GOMAXPROCS(0) {
						break
					}
				}
			}
			run(next)
		}
		eval(i)
		c := &cands[i]
		if c.res.userErr >= 0.01 {
			continue
		}
		if chosen < 0 || c.cost < cands[chosen].cost || (c.cost == cands[chosen].cost && c.res.userErr < cands[chosen].res.userErr) {
			chosen = i
		}
	}
	best := chosen
	if best < 0 {
		for i, c := range cands {
			if evaluated[i] && (best < 0 || c.res.userErr < cands[best].res.userErr) {
				best = i
			}
		}
	}

	// settings turns a configuration into values; MySQL must accept every
	// worker of a larger pool.
	settings := func(cfg rpConfig) CapacitySettings {
		st := CapacitySettings{MicrocacheS: cfg.cacheS, WaitingRoomRPS: math.Round(cfg.roomRate*10) / 10}
		if cfg.limitRate > 0 {
			st.LimitReqRPS, st.LimitReqBurst = cfg.limitRate, int(cfg.limitBurst)
		}
		if cfg.workers > f.pool {
			st.MaxChildren = int(cfg.workers)
			if cfg.workers+10 > f.maxConn || f.tooManyConns > 0 {
				st.MySQLMaxConnections = int(cfg.workers + 10)
			}
		}
		if cfg.dbFix {
			st.MySQLMaxConnections = int(cfg.workers + 10)
		}
		if st.MySQLMaxConnections > 0 && (f.maxConnSrc == "derived" || f.maxConnSrc != "default" && float64(st.MySQLMaxConnections) <= f.maxConn) {
			st.MySQLMaxConnections = 0 // never lower a known limit, nor set one from estimates
		}
		if cfg.roomRate > 0 {
			st.WaitingRoomViewsPerS = math.Round(cfg.roomRate/f.phpPerView*10) / 10
		}
		return st
	}
	var recs []Recommendation
	var recCand []int // the candidate behind each of recs
	effect := func(r rpResult) string {
		s := fmt.Sprintf("Replayed on the %s surge: %.2f%% errors (observed %.1f%%, replay as configured %.1f%%), p95 %.0f ms",
			span, 100*r.userErr, 100*obsRate, 100*cur.errorRate, r.p95Ms)
		if r.hits > 0 && r.cacheable > 0 {
			s += fmt.Sprintf("; cache hit ratio %.0f%% of cacheable GETs", 100*r.hits/r.cacheable)
		}
		if r.limited > 0 && r.dyn > 0 {
			s += fmt.Sprintf("; limit_req turns away %.1f%% of PHP requests (with 429), not counted as errors above", 100*r.limited/r.dyn)
		}
		if r.roomMaxWaitS > 0 {
			s += fmt.Sprintf("; up to %.0f visitors (page views) waiting in the room, %s longest wait (p95 counts PHP requests once admitted)", r.roomMaxQueue/f.phpPerView, time.Duration(r.roomMaxWaitS*float64(time.Second)).Round(time.Second))
		}
		return s + "."
	}
	single := func(name string) int {
		for i, c := range cands {
			if len(c.name) == 1 && strings.HasPrefix(c.name[0], name) {
				return i
			}
		}
		return -1
	}
	// The best microcache TTL alone.
	bestCache := -1
	for i, c := range cands {
		if len(c.name) == 1 && strings.HasPrefix(c.name[0], "microcache") {
			if bestCache < 0 || c.res.errorRate < cands[bestCache].res.errorRate-0.001 {
				bestCache = i
			}
		}
	}
	if bestCache >= 0 {
		c := cands[bestCache]
		recs = append(recs, Recommendation{
			ID: "microcache", Title: fmt.Sprintf("Cache anonymous pages for %.0f s in nginx", c.cfg.cacheS),
			Current: "no cache", Recommended: fmt.Sprintf("fastcgi_cache_valid 200 %.0fs", c.cfg.cacheS),
			Formula: fmt.Sprintf("%.0f%% of PHP requests were anonymous GETs of pages that answered 200; with a %.0f s TTL one request per page per %.0f s reaches PHP", 100*cacheShare, c.cfg.cacheS, c.cfg.cacheS),
			Effect:  effect(c.res), Cost: fmt.Sprintf("pages may be up to %.0f s stale for anonymous visitors; ~256 MB of disk for the cache zone", c.cfg.cacheS),
			ErrorRate: cwRound4(c.res.userErr), P95Ms: math.Round(c.res.p95Ms), Config: cwCacheSnippet(c.cfg.cacheS),
			Settings: settings(c.cfg),
		})
		recCand = append(recCand, bestCache)
	}
	if i := single("limit_req"); i >= 0 {
		c := cands[i]
		recs = append(recs, Recommendation{
			ID: "limit-req", Title: "Limit requests per client address",
			Current: "no limit", Recommended: fmt.Sprintf("rate=%s burst=%d", cwRateString(rate), rpLimitBurst),
			Formula: fmt.Sprintf("lowest rate at burst %d that %d of %d clients seen outside the incident (≥ 99.9%%) never exceed", rpLimitBurst, int(math.Ceil(0.999*float64(nClients))), nClients),
			Effect:  effect(c.res), Cost: "clients behind one NAT address share the limit; limited requests get 429",
			ErrorRate: cwRound4(c.res.userErr), P95Ms: math.Round(c.res.p95Ms), Config: cwLimitSnippet(rate, rpLimitBurst),
			Settings: settings(c.cfg),
		})
		recCand = append(recCand, i)
	}
	if i := single("pm.max_children"); i >= 0 {
		c := cands[i]
		why := fmt.Sprintf("Little's law: %.1f req/s × %.3f s / %.2f = %.0f workers", f.lambda, f.svc, capTargetUtil, f.workersNeeded)
		if m.contA > 0 {
			why = fmt.Sprintf("PHP served %.0f req/s at most while saturated, so a request took %.3f s with %.0f workers against %.3f s healthy (database contention); throughput peaks at %.0f workers, and %.0f carry %.1f req/s at %.0f%% utilisation if they can", f.satServed, f.satSvc, f.pool, f.svc, f.bestWorkers, workers, f.lambda, 100*capTargetUtil)
		}
		if ramCapped {
			why += fmt.Sprintf(", capped at %.0f by RAM (%.0f%% of %.0f MB / %.0f MB per worker)", workers, 100*capRAMShare, f.ramMB, f.rssMB)
		} else if f.ramMB == 0 && workers < f.workersNeeded {
			why += fmt.Sprintf(", capped at 4× the current pool because RAM is unknown (pass --ram)")
		}
		recs = append(recs, Recommendation{
			ID: "more-workers", Title: "Give PHP-FPM more workers",
			Current: fmt.Sprintf("pm.max_children = %.0f (%s)", f.pool, f.poolSrc), Recommended: fmt.Sprintf("pm.max_children = %.0f", workers),
			Formula: why, Effect: effect(c.res),
			Cost:      fmt.Sprintf("%.0f MB more memory (%.0f MB per worker, %s); MySQL must accept %.0f connections", c.extra, f.rssMB, f.rssSrc, workers+10),
			ErrorRate: cwRound4(c.res.userErr), P95Ms: math.Round(c.res.p95Ms), Config: cwFPMSnippet(workers, f.backlog) + "\n" + cwMySQLSnippet(workers),
			Settings: settings(c.cfg),
		})
		recCand = append(recCand, i)
	}
	if i := single("waiting room"); i >= 0 {
		c := cands[i]
		recs = append(recs, Recommendation{
			ID: "waiting-room", Title: "Admit visitors through a waiting room at the sustainable rate",
			Current: "everyone admitted", Recommended: fmt.Sprintf("admit %.0f PHP requests/s", c.cfg.roomRate),
			Formula: roomFormula(c.cfg),
			Effect:  effect(c.res), Cost: fmt.Sprintf("visitors wait up to %s in the queue", time.Duration(c.res.roomMaxWaitS*float64(time.Second)).Round(time.Second)),
			ErrorRate: cwRound4(c.res.userErr), P95Ms: math.Round(c.res.p95Ms), Config: cwRoomSnippet(c.cfg.roomRate),
			Settings: settings(c.cfg),
		})
		recCand = append(recCand, i)
	}
	// The chosen (or best) combination.
	if best >= 0 {
		c := cands[best]
		title := "Recommended: " + strings.Join(c.name, " + ")
		if chosen < 0 {
			title = "Best found, still above 1% errors: " + strings.Join(c.name, " + ")
		}
		marked := false
		for k, ci := range recCand {
			if ci == best {
				recs[k].Chosen = chosen >= 0
				marked = true
			}
		}
		if !marked {
			var cfg []string
			if c.cfg.cacheS > 0 {
				cfg = append(cfg, cwCacheSnippet(c.cfg.cacheS))
			}
			if c.cfg.limitRate > 0 {
				cfg = append(cfg, cwLimitSnippet(c.cfg.limitRate, rpLimitBurst))
			}
			if c.cfg.workers > f.pool {
				cfg = append(cfg, cwFPMSnippet(c.cfg.workers, f.backlog))
			}
			if c.cfg.workers > f.pool || c.cfg.dbFix {
				cfg = append(cfg, cwMySQLSnippet(c.cfg.workers))
			}
			if c.cfg.roomRate > 0 {
				cfg = append(cfg, cwRoomSnippet(c.cfg.roomRate))
			}
			var cost []string
			if c.cfg.cacheS > 0 {
				cost = append(cost, fmt.Sprintf("pages up to %.0f s stale", c.cfg.cacheS))
			}
			if c.extra > 0 {
				cost = append(cost, fmt.Sprintf("%.0f MB more memory", c.extra))
			}
			if c.res.roomMaxWaitS > 0 {
				cost = append(cost, fmt.Sprintf("visitors queued up to %s", time.Duration(c.res.roomMaxWaitS*float64(time.Second)).Round(time.Second)))
			}
			if c.cfg.limitRate > 0 {
				cost = append(cost, "shared NAT addresses share the limit")
			}
			recs = append(recs, Recommendation{
				ID: "combined", Title: title, Current: fmt.Sprintf("pm.max_children = %.0f, no cache, no limit", f.pool),
				Recommended: strings.Join(c.name, " + "),
				Formula:     "cheapest combination whose replay keeps errors under 1% (cost: limit < microcache < workers < waiting room)",
				Effect:      effect(c.res), Cost: strings.Join(cost, "; "),
				ErrorRate: cwRound4(c.res.userErr), P95Ms: math.Round(c.res.p95Ms), Chosen: chosen >= 0,
				Config: strings.Join(cfg, "\n"), Settings: settings(c.cfg),
			})
		}
	}
	// MySQL connections: informational unless the pool already exceeds them.
	// Never advise lowering a limit: an estimate only raises it.
	need := f.pool + 10
	if best >= 0 {
		need = max(need, cands[best].cfg.workers+10)
	}
	if f.maxConnSrc != "default" && need <= f.maxConn {
		need = f.maxConn + 10
	}
	if need > f.maxConn || f.tooManyConns > 0 {
		r := Recommendation{
			ID: "mysql-max-connections", Title: "Let MySQL accept every PHP worker",
			Current: fmt.Sprintf("max_connections = %.0f (%s)", f.maxConn, f.maxConnSrc), Recommended: fmt.Sprintf("max_connections = %.0f", need),
			Formula: "Σ pm.max_children (all pools, all web servers) + cron/queue workers + admin ≤ max_connections",
			Effect:  fmt.Sprintf("%d 'Too many connections' errors reached PHP in the logs; each extra worker needs a connection", f.tooManyConns),
			Cost:    "a few MB per connection (per-thread buffers)", Config: cwMySQLSnippet(need - 10),
			Settings: CapacitySettings{MySQLMaxConnections: int(need)},
		}
		if f.maxConnSrc == "derived" || f.poolSrc == "derived" {
			// Estimates on both sides: no number to paste, only the rule.
			r.Current = fmt.Sprintf("max_connections ≈ %.0f (estimated: the logs show 'Too many connections')", f.maxConn)
			r.Recommended = "max_connections ≥ pm.max_children + 10 (pass --fpm-max-children and --mysql-max-connections for exact numbers)"
			r.Config = "# my.cnf, [mysqld]\nmax_connections = <pm.max_children of every pool + 10>"
			r.Settings = CapacitySettings{}
		}
		recs = append(recs, r)
	}
	return append(recs, m.memoryRec(f)...)
}

// memoryRec advises on worker memory when the kernel killed PHP workers:
// the pool must fit in RAM, and leaking workers should be recycled.
func (m *capModel) memoryRec(f *capFacts) []Recommendation {
	if f.oomKills == 0 {
		return nil
	}
	r := Recommendation{
		ID: "worker-memory", Title: "Make the PHP pool fit in memory",
		Current:     fmt.Sprintf("pm.max_children = %.0f × %.0f MB (%s) per worker", f.pool, f.rssMB, f.rssSrc),
		Formula:     "pm.max_children ≤ RAM available for PHP / p95 worker RSS; pm.max_requests recycles workers that grow",
		Effect:      fmt.Sprintf("The kernel killed processes %d times for lack of memory (%s): PHP workers and MySQL together did not fit in RAM.", f.oomKills, strings.Join(f.oomVictims, ", ")),
		Cost:        "fewer workers: lower peak throughput, so pair with a microcache or a waiting room",
		Recommended: "pm.max_requests = 500",
		Config:      "; php-fpm pool (www.conf)\npm.max_requests = 500",
	}
	if f.ramFit > 0 && f.ramFit < f.pool {
		r.Recommended = fmt.Sprintf("pm.max_children = %.0f, pm.max_requests = 500", f.ramFit)
		r.Config = cwFPMSnippet(f.ramFit, f.backlog) + "\npm.max_requests = 500"
		r.Settings = CapacitySettings{MaxChildren: int(f.ramFit)}
	}
	return []Recommendation{r}
}

func cwCacheSnippet(ttl float64) string {
	return fmt.Sprintf(`# nginx, http {}: a microcache for anonymous pages
fastcgi_cache_path /var/cache/nginx/micro levels=1:2 keys_zone=micro:10m max_size=256m inactive=60s;
map $http_cookie $skip_cache { default 0; ~*(session|logged_in|wordpress_sec|PHPSESSID) 1; }
# in the PHP location {}:
fastcgi_cache micro;
fastcgi_cache_key $scheme$request_method$host$request_uri;
fastcgi_cache_methods GET HEAD;
fastcgi_cache_valid 200 %.0fs;
fastcgi_cache_lock on;
fastcgi_cache_use_stale updating error timeout http_500 http_503;
fastcgi_cache_background_update on;
fastcgi_cache_bypass $skip_cache;
fastcgi_no_cache $skip_cache;`, ttl)
}

func cwLimitSnippet(rate float64, burst int) string {
	return fmt.Sprintf(`# nginx, http {}:
limit_req_zone $binary_remote_addr zone=perip:20m rate=%s;
limit_req_status 429;
# in the PHP location {}:
limit_req zone=perip burst=%d nodelay;`, cwRateString(rate), burst)
}

func cwFPMSnippet(workers, backlog float64) string {
	return fmt.Sprintf(`; php-fpm pool (www.conf)
pm = static
pm.max_children = %.0f
listen.backlog = %.0f
request_terminate_timeout = 60s`, workers, max(backlog, 511))
}

func cwMySQLSnippet(workers float64) string {
	return fmt.Sprintf(`# my.cnf, [mysqld]
max_connections = %.0f`, workers+10)
}

func cwRoomSnippet(rate float64) string {
	return fmt.Sprintf(`# nginx, http {}: a global queue that admits %.0f PHP requests/s and holds the rest
limit_req_zone $server_name zone=room:1m rate=%.0fr/s;
# in the PHP location {} (no nodelay: excess requests wait in line):
limit_req zone=room burst=%.0f;
# or a hosted waiting room (Cloudflare): new_users_per_minute ≈ %.0f × 60 / pages per visit`, rate, math.Ceil(rate), math.Ceil(rate*30), rate)
}

// parallelDo calls f(0) … f(n−1) on at most GOMAXPROCS goroutines and
// returns when all have returned. f must write only to its own index.
func parallelDo(n int, f func(i int)) {
	w := min(n, runtime.GOMAXPROCS(0))
	if w <= 1 {
		for i := range n {
			f(i)
		}
		return
	}
	var next sync.WaitGroup
	idx := make(chan int, n)
	for i := range n {
		idx <- i
	}
	close(idx)
	for range w {
		next.Go(func() {
			for i := range idx {
				f(i)
			}
		})
	}
	next.Wait()
}
