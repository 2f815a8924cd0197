package analyzer

import (
	"math"
	"sort"

	"github.com/axiomhq/hyperloglog"

	"github.com/postmortem/postmortem/parsers"
)

// State is the finished, read-only state the detectors (and the capacity
// components) work on. It is built once by Finish from the merged
// Aggregator. All times are Unix seconds (UTC) unless a name says ns.
type State struct {
	Opts   *Options
	Inputs []InputInfo

	// Start is the Unix second of Points[0]; Step is the seconds each point
	// covers (1 for windows up to 3 days, coarser beyond so memory stays
	// bounded); End is the last second with data (inclusive).
	Start, End int64
	Step       int64
	// Points is the access-log series, one point per Step seconds from
	// Start. Counts are totals over the point; rates divide by Step.
	Points []Point

	// HasLatency is true when the access log carries request times;
	// HasUpstream when it carries upstream times. InFlightEstimated is true
	// when Points[i].InFlight was estimated (no request time in the log).
	HasLatency, HasUpstream, InFlightEstimated bool

	// Baseline is the quiet reference the incidents depart from.
	Baseline Baseline

	// Spans are the detected incidents, as second ranges; Report.Incidents
	// holds the same incidents in report form, in the same order.
	Spans []Span

	// Saturations are every resource-at-limit episode found, over the whole
	// window (the report also lists each under its incident).
	Saturations []Saturation

	// Restarts are the detected restarts with their effect, sorted by time.
	Restarts []Restart

	// PoolSize is the PHP-FPM pm.max_children: from a "max_children
	// setting (N)" line, else Options.FPMMaxChildren, else an in-flight
	// plateau; PoolSizeSource says which ("log", "flag", "inferred", "").
	PoolSize       int64
	PoolSizeSource string
	// MySQLMaxConns is max_connections from Options (0 = unknown).
	MySQLMaxConns int64

	// Events are the aggregated non-access events (one per second, input,
	// type and class), sorted by time, input, line.
	Events []EventAgg

	lat  *latSketches // per latWidth seconds
	hll  map[int64]*hyperloglog.Sketch
	errH map[int64]*hyperloglog.Sketch
	comp map[int64]*compWindow
	self string // the site's own referrer host, "" when unknown
}

// Point is one step of the access-log series.
type Point struct {
	Req, S2xx, S3xx, S4xx, S5xx int64
	S499, S502, S503, S504      int64
	Writes, Bytes, Static       int64
	LatSumMs                    float64 // sum of request times in ms
	LatN                        int64
	InFlight                    float64 // mean requests in flight
	Busy                        float64 // mean requests held upstream (PHP workers busy)
	P95Ms                       float64 // p95 of the latency sketch covering the point; 0 = none
}

// Failed is the number of requests users saw fail: 5xx and 499.
func (p *Point) Failed() int64 { return p.S5xx + p.S499 }

// EventAgg is one aggregate of events: Count events of one type from one
// input within one second (First..Last in ns), with the lowest-numbered
// line as the sample.
type EventAgg struct {
	Sec         int64
	Aux         int64
	Count       int64
	First, Last int64
	Sample      EventSample
}

// Baseline is the quiet reference: rates per second and p95.
type Baseline struct {
	From, To  int64   // Unix seconds of the reference period
	RPS       float64 // median request rate
	MAD       float64 // median absolute deviation of the rate
	ErrorRate float64 // failed / requests over the period
	P95Ms     float64 // p95 latency over the period; 0 = unknown
	Manual    bool    // set by Options.Baseline
}

// Span is one incident as seconds: [Start, End); Ongoing when it had not
// ended at the end of the logs. Peak is the second of the highest rate.
type Span struct {
	Start, End, Peak int64
	Ongoing          bool
	// Impact is the first and last second with error or latency departure
	// (0 when the incident was a pure traffic surge).
	ImpactStart, ImpactEnd int64
}

// idx returns the point index of Unix second t, clamped.
func (st *State) idx(t int64) int {
	if len(st.Points) == 0 {
		return 0
	}
	i := int((t - st.Start) / st.Step)
	if i < 0 {
		return 0
	}
	if i >= len(st.Points) {
		return len(st.Points) - 1
	}
	return i
}

// Sum adds the points of seconds [from, to).
func (st *State) Sum(from, to int64) Point {
	var s Point
	if len(st.Points) == 0 || to <= from {
		return s
	}
	i0 := int(floorDiv(from-st.Start, st.Step))
	i1 := int(floorDiv(to-st.Start+st.Step-1, st.Step))
	if i0 < 0 {
		i0 = 0
	}
	if i1 > len(st.Points) {
		i1 = len(st.Points)
	}
	for i := i0; i < i1; i++ {
		p := &st.Points[i]
		s.Req += p.Req
		s.S2xx += p.S2xx
		s.S3xx += p.S3xx
		s.S4xx += p.S4xx
		s.S5xx += p.S5xx
		s.S499 += p.S499
		s.S502 += p.S502
		s.S503 += p.S503
		s.S504 += p.S504
		s.Writes += p.Writes
		s.Bytes += p.Bytes
		s.Static += p.Static
		s.LatSumMs += p.LatSumMs
		s.LatN += p.LatN
		s.InFlight = math.Max(s.InFlight, p.InFlight)
		s.Busy = math.Max(s.Busy, p.Busy)
	}
	return s
}

// Health returns the request rate, error rate and p95 over [from, to).
func (st *State) Health(from, to int64) Health {
	if to <= from {
		return Health{}
	}
	s := st.Sum(from, to)
	h := Health{RPS: float64(s.Req) / float64(to-from)}
	if s.Req > 0 {
		h.ErrorRate = float64(s.Failed()) / float64(s.Req)
	}
	h.P95Ms = st.Quantile(from, to, 0.95)
	return h
}

// Quantile returns the q-quantile of request times in ms over [from, to),
// merging the latency sketches that overlap it; 0 when none.
func (st *State) Quantile(from, to int64, q float64) float64 {
	if st.lat == nil {
		return 0
	}
	return st.lat.quantile(floorDiv(from, latWidth), floorDiv(to-1, latWidth), q)
}

// medianP95P99 returns the 0.5, 0.95 and 0.99 quantiles of request times
// in ms over [from, to), merging the sketches once; zeros when none.
func (st *State) medianP95P99(from, to int64) (p50, p95, p99 float64) {
	if st.lat == nil {
		return 0, 0, 0
	}
	var v [3]float64
	st.lat.quantiles(floorDiv(from, latWidth), floorDiv(to-1, latWidth), []float64{0.5, 0.95, 0.99}, v[:])
	return v[0], v[1], v[2]
}

// Clients estimates the distinct clients over the minutes overlapping
// [from, to).
func (st *State) Clients(from, to int64) int64 { return hllRange(st.hll, from, to) }

// AffectedClients estimates the distinct clients that got a failed
// response (5xx or 499) over the minutes overlapping [from, to).
func (st *State) AffectedClients(from, to int64) int64 { return hllRange(st.errH, from, to) }

func hllRange(hm map[int64]*hyperloglog.Sketch, from, to int64) int64 {
	var m *hyperloglog.Sketch
	for k := floorDiv(from, compWidth); k <= floorDiv(to-1, compWidth); k++ {
		h := hm[k]
		if h == nil {
			continue
		}
		if m == nil {
			m = h.Clone()
		} else {
			_ = m.Merge(h)
		}
	}
	if m == nil {
		return 0
	}
	return int64(m.Estimate())
}

// EventsOf returns the aggregates of the given types, in time order.
func (st *State) EventsOf(types ...parsers.EventType) []EventAgg {
	var out []EventAgg
	for _, e := range st.Events {
		for _, t := range types {
			if e.Sample.Type == t {
				out = append(out, e)
				break
			}
		}
	}
	return out
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// medianMAD returns the median and the median absolute deviation.
func medianMAD(xs []float64) (float64, float64) {
	m := median(xs)
	d := make([]float64, len(xs))
	for i, x := range xs {
		d[i] = math.Abs(x - m)
	}
	return m, median(d)
}
