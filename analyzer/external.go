package analyzer

import (
	"math"
	"time"
)

// External data is what a caller knows about the access log without having
// its lines: per-step counts and latency quantiles computed elsewhere (Loki
// metric queries in pushdown mode). It fills the seconds and chart buckets
// that the analysed lines do not cover, so that detectors and charts see
// the whole window; composition, clients, in-flight and writes still come
// only from lines.

// StatusStep counts the requests of one step by status.
type StatusStep struct {
	At     time.Time     // start of the step
	Status map[int]int64 // requests by HTTP status code (0 = unknown)
}

// AddExternal adds per-step request counts for the parts of each step that
// lie outside covered (the ranges whose lines were added), spread evenly over
// the step's seconds, the remainder to the first ones. A step's counts are
// scaled by the share of its seconds left uncovered. step is the width of
// every step. It must be called before Finish and only for access data whose
// lines were not added; it is deterministic whatever the order of steps.
func (a *Aggregator) AddExternal(steps []StatusStep, step time.Duration, covered []Window) {
	w := int64(step / time.Second)
	if w < 1 {
		w = 1
	}
	for _, s := range steps {
		t0 := s.At.Unix()
		var free []int64
		for t := t0; t < t0+w; t++ {
			if !coveredAt(covered, t) {
				free = append(free, t)
			}
		}
		if len(free) == 0 {
			continue
		}
		for code, n := range s.Status {
			n = n * int64(len(free)) / w
			for i, t := range free {
				k := n / int64(len(free))
				if int64(i) < n%int64(len(free)) {
					k++
				}
				if k > 0 {
					a.addCounts(t, code, int32(k))
				}
			}
		}
	}
}

// addCounts adds n requests with status code in second t.
func (a *Aggregator) addCounts(t int64, code int, n int32) {
	p := a.secs.at(t)
	p.Req += n
	c := code / 100
	if c < 0 || c >= len(p.Class) {
		c = 0
	}
	p.Class[c] += n
	switch code {
	case 499:
		p.S499 += n
	case 502:
		p.S502 += n
	case 503:
		p.S503 += n
	case 504:
		p.S504 += n
	}
}

func coveredAt(ws []Window, t int64) bool {
	for _, w := range ws {
		if t >= w.Start.Unix() && t < w.End.Unix() {
			return true
		}
	}
	return false
}

// LatencyStep is the request-time quantiles of one step, in milliseconds;
// NaN where the step had no request.
type LatencyStep struct {
	At            time.Time // start of the step
	Requests      float64   // requests with a request time, for weighting
	P50, P95, P99 float64
}

// FillLatency sets the latency quantiles of the chart buckets of s that are
// not wholly inside covered from steps (of width step). A bucket takes the
// value of the step that holds it, or the request-weighted mean of the
// steps that start inside it when it is wider (an approximation: quantiles
// do not add). It returns the number of buckets filled.
func FillLatency(s *Series, steps []LatencyStep, step time.Duration, covered []Window) int {
	if s.BucketS <= 0 || len(s.S2xx) == 0 || len(steps) == 0 {
		return 0
	}
	n := len(s.S2xx)
	if len(s.P50Ms) != n {
		s.P50Ms, s.P95Ms, s.P99Ms = make([]float64, n), make([]float64, n), make([]float64, n)
	}
	b := time.Duration(s.BucketS * float64(time.Second))
	filled := 0
	for i := 0; i < n; i++ {
		from := s.Start.Add(time.Duration(i) * b)
		to := from.Add(b)
		if inside(covered, from, to) {
			continue
		}
		var wsum, p50, p95, p99 float64
		for _, st := range steps {
			holds := !st.At.After(from) && st.At.Add(step).After(from) && b <= step
			within := !st.At.Before(from) && st.At.Before(to)
			if !(holds || within) || math.IsNaN(st.P50) {
				continue
			}
			wt := math.Max(st.Requests, 1)
			wsum += wt
			p50 += wt * st.P50
			p95 += wt * st.P95
			p99 += wt * st.P99
		}
		if wsum == 0 {
			continue
		}
		s.P50Ms[i], s.P95Ms[i], s.P99Ms[i] = p50/wsum, p95/wsum, p99/wsum
		filled++
	}
	return filled
}

func inside(ws []Window, from, to time.Time) bool {
	for _, w := range ws {
		if !from.Before(w.Start) && !to.After(w.End) {
			return true
		}
	}
	return false
}

// ReferrerNetwork is the key of a referrer host in the top-referrer tables
// ("l.facebook.com" → "Facebook"); self, the site's own host, is
// "(internal)", and no host is "(direct)".
func ReferrerNetwork(host, self string) string {
	if self != "" && host == self {
		return "(internal)"
	}
	return networkOf(host)
}

// PathKey is the key of a request path in the top-path tables: id-like
// segments replaced by ":id".
func PathKey(path string) string { return string(normalizePath(nil, []byte(path))) }

// IsStaticPath reports whether a path names a static asset, which the
// referrer and path tables leave out.
func IsStaticPath(path string) bool { return isStatic([]byte(path)) }
