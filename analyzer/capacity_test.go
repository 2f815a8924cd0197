package analyzer

import (
	"container/heap"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/postmortem/postmortem/parsers"
)

// surgeSpec describes a synthetic site: a PHP pool of pool workers with a
// uniform service time in [svc/2, 3svc/2], a listen backlog and clients'
// patience; dynamic arrivals at base req/s, factor× during [surgeFrom,
// surgeTo) seconds; static files at twice the dynamic rate.
type surgeSpec struct {
	pool                   int
	svc                    float64
	backlog                int
	patience               float64
	base, factor           float64
	surgeFrom, surgeTo, to float64
	seed                   uint64
}

// generate runs the spec through an independent FIFO pool model and
// returns the access records it would have logged, shuffled.
func (s surgeSpec) generate() []*parsers.Access {
	rng := rand.New(rand.NewPCG(s.seed, 7))
	var out []*parsers.Access
	free := make(f64Heap, s.pool)
	var queue f64Heap
	t := 0.0
	pages := 20
	for {
		rate := s.base
		if t >= s.surgeFrom && t < s.surgeTo {
			rate *= s.factor
		}
		t += rng.ExpFloat64() / rate
		if t >= s.to {
			break
		}
		client := fmt.Sprintf("10.%d.%d.%d", rng.IntN(4), rng.IntN(250), rng.IntN(250))
		method, path := "GET", fmt.Sprintf("/post/%d", rng.IntN(pages))
		switch u := rng.Float64(); {
		case u < 0.1:
			method, path = "POST", "/register"
		case u < 0.3:
			path = "/account"
		}
		// Static assets nginx serves itself.
		for range 2 {
			if rng.Float64() < 0.5 {
				out = append(out, cwAccess(t+0.01, client, "GET", "/app.css", 200, 1, parsers.UpstreamNone))
			}
		}
		for len(queue) > 0 && queue[0] <= t {
			heap.Pop(&queue)
		}
		if len(queue) >= s.backlog {
			out = append(out, cwAccess(t, client, method, path, 502, 0, parsers.UpstreamNone))
			continue
		}
		svc := s.svc * (0.5 + rng.Float64())
		begin := max(t, free[0])
		wait := begin - t
		if wait > s.patience { // the client leaves the queue; no worker runs it
			heap.Push(&queue, t+s.patience)
			ms := int64(s.patience * 1000)
			out = append(out, cwAccess(t+s.patience, client, method, path, 499, ms, ms))
			continue
		}
		free[0] = begin + svc
		heap.Fix(&free, 0)
		if begin > t {
			heap.Push(&queue, begin)
		}
		if wait+svc > s.patience { // the client leaves while PHP runs
			ms := int64(s.patience * 1000)
			out = append(out, cwAccess(t+s.patience, client, method, path, 499, ms, ms))
			continue
		}
		ms := int64((wait + svc) * 1000)
		out = append(out, cwAccess(t+wait+svc, client, method, path, 200, ms, ms))
	}
	rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// capRun aggregates recs in two halves, merges them, and finishes.
func capRun(recs []*parsers.Access, st *State, o *Options) *Report {
	a, b := newCapacityAgg(o), newCapacityAgg(o)
	for i, r := range recs {
		if i%2 == 0 {
			a.addAccess(r)
		} else {
			b.addAccess(r)
		}
	}
	b.merge(a)
	rep := &Report{}
	b.finish(rep, st, o)
	return rep
}

func cwFigure(t *testing.T, c *Capacity, name string) Figure {
	t.Helper()
	for _, f := range c.Figures {
		if f.Name == name {
			return f
		}
	}
	t.Fatalf("no figure %q", name)
	return Figure{}
}

func TestCapacitySurge(t *testing.T) {
	for _, tc := range []struct {
		name   string
		spec   surgeSpec
		ramMB  float64
		stPool int64
	}{
		{"25x pool 10", surgeSpec{pool: 10, svc: 0.2, backlog: 100, patience: 10, base: 4, factor: 25, surgeFrom: 1800, surgeTo: 3000, to: 3600, seed: 1}, 0, 10},
		{"25x pool 10 RAM-bound", surgeSpec{pool: 10, svc: 0.2, backlog: 100, patience: 10, base: 4, factor: 25, surgeFrom: 1800, surgeTo: 3000, to: 3600, seed: 2}, 1024, 10},
		{"10x pool 20 inferred", surgeSpec{pool: 20, svc: 0.5, backlog: 200, patience: 20, base: 6, factor: 10, surgeFrom: 1200, surgeTo: 2400, to: 3000, seed: 3}, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := tc.spec
			st := &State{
				Spans:    []Span{{Start: cwT0/1e9 + int64(s.surgeFrom), End: cwT0/1e9 + int64(s.surgeTo)}},
				PoolSize: tc.stPool, PoolSizeSource: "log",
			}
			if tc.stPool == 0 {
				st.PoolSizeSource = ""
			}
			o := &Options{RAMMB: tc.ramMB}
			rep := capRun(s.generate(), st, o)
			c := rep.Capacity
			if c == nil {
				t.Fatal("no capacity")
			}
			lambda := s.base * s.factor
			little := lambda * s.svc
			if f := cwFigure(t, c, "concurrency needed (Little's law)"); math.Abs(f.Value-little)/little > 0.12 {
				t.Errorf("concurrency %.1f, want %.1f ± 12%%", f.Value, little)
			}
			if w := float64(c.WorkersNeeded); math.Abs(w-little/capTargetUtil)/(little/capTargetUtil) > 0.15 {
				t.Errorf("workers needed %v, want ≈ %.0f", w, little/capTargetUtil)
			}
			if f := cwFigure(t, c, "healthy service time"); math.Abs(f.Value-s.svc*1000) > s.svc*100 {
				t.Errorf("service time %.0f ms, want %.0f", f.Value, s.svc*1000)
			}
			pool := cwFigure(t, c, "pm.max_children")
			if tc.stPool > 0 && (pool.Value != float64(tc.stPool) || pool.Source != "log") {
				t.Errorf("pool %+v, want %d from the log", pool, tc.stPool)
			}
			if tc.stPool == 0 && (math.Abs(pool.Value-float64(s.pool)) > 0.25*float64(s.pool) || pool.Source != "derived") {
				t.Errorf("inferred pool %+v, want ≈ %d derived", pool, s.pool)
			}
			// Peak demand counts the failed requests: dynamic ≈ λ, static ≈ λ.
			if d := cwFigure(t, c, "peak demand, PHP"); d.Value < 0.9*lambda || d.Value > 1.2*lambda {
				t.Errorf("peak PHP demand %.1f, want ≈ %.0f", d.Value, lambda)
			}
			// Healthy, PHP served the baseline: the headroom needed is the
			// surge factor.
			if c.Headroom < 0.8*s.factor || c.Headroom > 1.3*s.factor {
				t.Errorf("headroom %.1f, want near the surge factor %.0f", c.Headroom, s.factor)
			}
			// The surge queued more than the listen backlog holds: that is
			// where the 502s came from.
			if b := cwFigure(t, c, "burst: deepest PHP queue"); b.Value <= float64(s.backlog) {
				t.Errorf("burst %v, want above the backlog %d", b.Value, s.backlog)
			}
			// The model reproduces the incident it replays.
			if cal := cwFigure(t, c, "replay as configured: error rate"); cal.Confidence == "low" {
				t.Errorf("replay calibration %+v", cal)
			}
			var chosen *Recommendation
			ids := []string{}
			for i := range c.Recommendations {
				r := &c.Recommendations[i]
				ids = append(ids, r.ID)
				if r.Chosen {
					if chosen != nil {
						t.Errorf("two chosen: %s and %s", chosen.ID, r.ID)
					}
					chosen = r
				}
				if r.Config == "" || r.Effect == "" || r.Cost == "" {
					t.Errorf("%s lacks config, effect or cost: %+v", r.ID, r)
				}
			}
			if chosen == nil {
				t.Fatalf("nothing chosen among %v", ids)
			}
			if chosen.ErrorRate >= 0.01 {
				t.Errorf("chosen %s replays at %.2f%% errors", chosen.ID, 100*chosen.ErrorRate)
			}
			t.Logf("chosen %s: %s (%s)", chosen.ID, chosen.Recommended, chosen.Effect)
			if tc.ramMB > 0 {
				for _, r := range c.Recommendations {
					if r.ID == "more-workers" && !strings.Contains(r.Recommended, fmt.Sprint(math.Floor(capRAMShare*tc.ramMB/capDefaultRSSMB))) {
						t.Errorf("RAM-bound workers: %s", r.Recommended)
					}
				}
			}
		})
	}
}

func TestCapacityReplayCalibration(t *testing.T) {
	s := surgeSpec{pool: 10, svc: 0.2, backlog: 1000, patience: 10, base: 4, factor: 25, surgeFrom: 1800, surgeTo: 3000, to: 3600, seed: 5}
	a := newCapacityAgg(nil)
	for _, r := range s.generate() {
		a.addAccess(r)
	}
	m := a.buildModel(nil)
	from, to := cwT0/1e9+1800, cwT0/1e9+3000
	req, errs := m.observed(from, to)
	res := m.replay(from, to, rpConfig{workers: 10}, 1000, m.patience, m.timeout)
	obs := errs / req
	if math.Abs(res.errorRate-obs) > 0.25*obs {
		t.Errorf("replay as configured %.3f errors, observed %.3f", res.errorRate, obs)
	}
	t.Logf("observed %.3f, replayed %.3f", obs, res.errorRate)
	if math.Abs(m.patience-10) > 0.5 {
		t.Errorf("patience %.1f s, want 10 (from the 499s)", m.patience)
	}
}

func TestMicrocacheHitRatio(t *testing.T) {
	for _, tc := range []struct {
		ttl  float64
		want float64
	}{
		{1, 1 - 10*60.0/6000},
		{5, 1 - 10*12.0/6000},
		{10, 1 - 10*6.0/6000},
	} {
		t.Run(fmt.Sprint(tc.ttl), func(t *testing.T) {
			a := newCapacityAgg(nil)
			// 10 pages, each requested 10 times a second for 60 s.
			for k := range 600 {
				for u := range 10 {
					at := float64(k)*0.1 + 0.001*float64(u)
					a.addAccess(cwAccess(at+0.05, fmt.Sprintf("10.0.%d.%d", k%200, u), "GET", fmt.Sprintf("/p/%c", 'a'+u), 200, 50, 50))
				}
			}
			// One private page that must never be cached.
			a.addAccess(cwAccess(1, "10.9.9.9", "GET", "/account", 200, 50, 50))
			m := a.buildModel(nil)
			res := m.replay(cwT0/1e9, cwT0/1e9+60, rpConfig{workers: 100, cacheS: tc.ttl}, 511, 30, 60)
			if res.cacheable != 6000 {
				t.Fatalf("cacheable %v, want 6000", res.cacheable)
			}
			if got := res.hits / res.cacheable; math.Abs(got-tc.want) > 0.002 {
				t.Errorf("hit ratio %.4f, want %.4f", got, tc.want)
			}
		})
	}
}

func TestLimitRate(t *testing.T) {
	// 3000 baseline clients: client k sends 40 requests evenly spaced every
	// gap0 + (k%50)·gapStep s; 2 clients (0.07%) hammer at heavy req/s. The
	// chosen rate must let ≥ 99.9% of clients through untouched and cut the
	// hammering ones down to it; it never goes below 1 r/s.
	for _, tc := range []struct {
		name          string
		gap0, gapStep float64
		heavy, want   float64
		heavyRequests int
	}{
		{"slow clients: the 1 r/s floor", 5, 1, 4, 1, 2000},
		{"busy clients: 99.9th percentile", 0.1, 0.01, 20, 5, 4000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := newCapacityAgg(nil)
			need := []float64{}
			for k := range 3000 {
				gap := tc.gap0 + float64(k%50)*tc.gapStep
				for j := range 40 {
					a.addAccess(cwAccess(float64(j)*gap+float64(k%7), fmt.Sprintf("10.%d.%d.1", k/250, k%250), "GET", "/x", 200, 10, 10))
				}
				need = append(need, float64(40-(rpLimitBurst+1))/(39*gap))
			}
			for k := range 2 {
				for j := range tc.heavyRequests {
					a.addAccess(cwAccess(float64(j)/tc.heavy, fmt.Sprintf("192.0.2.%d", k), "GET", "/x", 200, 10, 10))
				}
			}
			m := a.buildModel(nil)
			rate, n := m.limitRate(0, 1, rpLimitBurst) // nothing excluded: the window is empty
			if n != 3002 {
				t.Fatalf("clients %d, want 3002", n)
			}
			slices.Sort(need)
			if rate < need[len(need)-1] {
				t.Errorf("rate %.4f r/s limits light clients needing %.4f", rate, need[len(need)-1])
			}
			if rate != tc.want {
				t.Errorf("rate %.3f r/s, want %.0f", rate, tc.want)
			}
			// Replaying the limit over everything: only the two heavy
			// clients are limited, down to the rate plus the burst.
			res := m.replay(cwT0/1e9-10, cwT0/1e9+5000, rpConfig{workers: 1000, limitRate: rate, limitBurst: rpLimitBurst}, 511, 30, 60)
			want := 2 * float64(tc.heavyRequests) * (1 - rate/tc.heavy)
			if res.limited < 0.95*want || res.limited > 1.01*want {
				t.Errorf("limited %v requests, want ≈ %.0f of the heavy ones", res.limited, want)
			}
		})
	}
}

func TestCapacityQuiet(t *testing.T) {
	s := surgeSpec{pool: 10, svc: 0.2, backlog: 100, patience: 10, base: 4, factor: 1, surgeFrom: 0, surgeTo: 0, to: 3600, seed: 9}
	rep := capRun(s.generate(), &State{PoolSize: 10, PoolSizeSource: "log"}, &Options{})
	c := rep.Capacity
	if c == nil || len(c.Recommendations) != 0 {
		t.Fatalf("quiet day got recommendations: %+v", c)
	}
	f := cwFigure(t, c, "no capacity change needed")
	if f.Value > 1.5 {
		t.Errorf("quiet headroom %.2f", f.Value)
	}
	if c.WorkersNeeded > 10 {
		t.Errorf("quiet day needs %d workers, pool is 10", c.WorkersNeeded)
	}
}

// TestCapacityMergeOrder checks that the result does not depend on how the
// records were split between workers.
func TestCapacityMergeOrder(t *testing.T) {
	s := surgeSpec{pool: 10, svc: 0.2, backlog: 100, patience: 10, base: 4, factor: 25, surgeFrom: 600, surgeTo: 1200, to: 1500, seed: 11}
	recs := s.generate()
	st := func() *State {
		return &State{Spans: []Span{{Start: cwT0/1e9 + 600, End: cwT0/1e9 + 1200}}, PoolSize: 10, PoolSizeSource: "log"}
	}
	r1 := capRun(recs, st(), &Options{})
	rev := slices.Clone(recs)
	slices.Reverse(rev)
	r2 := capRun(rev, st(), &Options{})
	if fmt.Sprintf("%+v", *r1.Capacity) != fmt.Sprintf("%+v", *r2.Capacity) {
		t.Errorf("capacity depends on the split:\n%+v\n%+v", *r1.Capacity, *r2.Capacity)
	}
}

// TestCapacityNoRequestTime: a combined log without $request_time still
// yields figures, and says the service time is assumed.
func TestCapacityNoRequestTime(t *testing.T) {
	s := surgeSpec{pool: 10, svc: 0.2, backlog: 100, patience: 10, base: 4, factor: 25, surgeFrom: 600, surgeTo: 1200, to: 1500, seed: 13}
	recs := s.generate()
	for _, r := range recs {
		r.RequestTime, r.UpstreamTime = parsers.NoField, parsers.NoField
	}
	rep := capRun(recs, &State{Spans: []Span{{Start: cwT0/1e9 + 600, End: cwT0/1e9 + 1200}}, PoolSize: 10, PoolSizeSource: "log"}, &Options{})
	if rep.Capacity == nil {
		t.Fatal("no capacity")
	}
	f := cwFigure(t, rep.Capacity, "healthy service time")
	if f.Source != "default" || f.Confidence != "low" {
		t.Errorf("service time figure %+v, want a low-confidence default", f)
	}
	if d := cwFigure(t, rep.Capacity, "peak demand, PHP"); d.Value < 90 {
		t.Errorf("peak PHP demand %.0f, want ≈ 100 (arrivals need no request time)", d.Value)
	}
}

// TestCapacityNotCapacity: errors without a saturated web, PHP or database
// limit (here: the kernel killing workers) get no mitigations, only the
// verdict and the memory advice.
func TestCapacityNotCapacity(t *testing.T) {
	s := surgeSpec{pool: 10, svc: 0.2, backlog: 100, patience: 10, base: 4, factor: 25, surgeFrom: 600, surgeTo: 1200, to: 1500, seed: 17}
	start := time.Unix(cwT0/1e9+600, 0).UTC()
	oom := EventAgg{Count: 3, Sample: EventSample{Type: parsers.KernelOOMKill, Text: "php-fpm8.2", Num: [4]int64{120 * 1024}}}
	st := &State{
		Spans:    []Span{{Start: cwT0/1e9 + 600, End: cwT0/1e9 + 1200}},
		PoolSize: 40, PoolSizeSource: "log",
		Saturations: []Saturation{{Resource: "memory", Start: start}},
		Events:      []EventAgg{oom},
	}
	rep := capRun(s.generate(), st, &Options{RAMMB: 2048})
	var ids []string
	var mem *Recommendation
	for i, r := range rep.Capacity.Recommendations {
		ids = append(ids, r.ID)
		if r.Chosen {
			t.Errorf("%s chosen", r.ID)
		}
		if r.ID == "worker-memory" {
			mem = &rep.Capacity.Recommendations[i]
		}
	}
	if len(ids) != 2 || ids[0] != "not-capacity" || mem == nil {
		t.Fatalf("recommendations %v, want not-capacity and worker-memory", ids)
	}
	// 70% of 2048 MB / 120 MB (from the OOM line) = 11 workers, under 40.
	if mem.Settings.MaxChildren != 11 || !strings.Contains(mem.Config, "pm.max_requests") {
		t.Errorf("memory advice %+v", *mem)
	}
	if f := cwFigure(t, rep.Capacity, "worker memory (RSS)"); f.Value != 120 || f.Source != "log" {
		t.Errorf("worker RSS %+v, want 120 MB from the OOM line", f)
	}
}
