package analyzer

import (
	"math"
	"sort"
)

// binWidth is the resolution (seconds) of the incident detector.
const binWidth = 10

// minHistory is the number of quiet bins a local baseline needs.
const minHistory = 3

// Bins is a coarse series for the incident detector: rates per second over
// fixed bins of Width seconds from Start.
type Bins struct {
	Start, Width int64
	Req          []float64 // requests per second
	Failed       []float64 // failed (5xx and 499) per second
	P95          []float64 // p95 latency in ms; 0 = unknown
}

func (b *Bins) at(i int) int64 { return b.Start + int64(i)*b.Width }

func makeBins(st *State, w int64) Bins {
	w = max(w, st.Step)
	b := Bins{Start: st.Start, Width: w}
	if len(st.Points) == 0 {
		return b
	}
	n := int((st.End - st.Start + w) / w)
	b.Req, b.Failed, b.P95 = make([]float64, n), make([]float64, n), make([]float64, n)
	for i := 0; i < n; i++ {
		from := b.at(i)
		to := min(from+w, st.End+1)
		p := st.Sum(from, to)
		d := float64(to - from)
		b.Req[i] = float64(p.Req) / d
		b.Failed[i] = float64(p.Failed()) / d
		if st.HasLatency && p.LatN >= 3 {
			b.P95[i] = st.Quantile(from, to, 0.95)
		}
	}
	return b
}

// IncidentConfig holds the incident detector's thresholds.
type IncidentConfig struct {
	RateFactor   float64 // rate departure: rate above RateFactor × local baseline …
	RateMinAbs   float64 // … and at least this many requests/s above it
	ErrorShare   float64 // error departure: failed share at least this …
	ErrorMinN    float64 // … with at least this many failed requests in the smoothing window
	LatFactor    float64 // latency departure: p95 above LatFactor × baseline p95 …
	LatMinAddMs  float64 // … and at least this many ms above it
	TrailingS    int64   // local baseline: median of the quiet bins over this many seconds before
	SustainS     int64   // a departure must hold for three quarters of this many seconds to open an incident
	GapS         int64   // departures closer than this belong to the same incident
	OnsetLookS   int64   // how far back from the first departure to look for the onset
	OngoingTailS int64   // an incident whose last departure is this close to the end is ongoing
}

// DefaultIncidentConfig are the thresholds used by Finish.
var DefaultIncidentConfig = IncidentConfig{
	RateFactor: 3, RateMinAbs: 1,
	ErrorShare: 0.05, ErrorMinN: 10,
	LatFactor: 3, LatMinAddMs: 1000,
	TrailingS: 3600, SustainS: 60, GapS: 300, OnsetLookS: 300, OngoingTailS: 120,
}

// detectBaseline computes the quiet reference: Options.Baseline when set,
// else the bins whose failed share stays under 2% with rates trimmed of
// outliers (median + 6 MAD), as median and MAD of the rate.
func detectBaseline(b Bins, o *Options) Baseline {
	var base Baseline
	if len(b.Req) == 0 {
		return base
	}
	pick := func(keep func(i int) bool) Baseline {
		var rates, p95s []float64
		var req, failed float64
		from, to := int64(math.MaxInt64), int64(math.MinInt64)
		for i := range b.Req {
			if !keep(i) {
				continue
			}
			rates = append(rates, b.Req[i])
			if b.P95[i] > 0 {
				p95s = append(p95s, b.P95[i])
			}
			req += b.Req[i]
			failed += b.Failed[i]
			from, to = min(from, b.at(i)), max(to, b.at(i)+b.Width)
		}
		var r Baseline
		if len(rates) == 0 {
			return r
		}
		r.RPS, r.MAD = medianMAD(rates)
		r.P95Ms = median(p95s)
		if req > 0 {
			r.ErrorRate = failed / req
		}
		r.From, r.To = from, to
		return r
	}
	if o != nil && !o.Baseline.From.IsZero() && !o.Baseline.To.IsZero() {
		f, t := o.Baseline.From.Unix(), o.Baseline.To.Unix()
		base = pick(func(i int) bool { return b.at(i) >= f && b.at(i) < t })
		base.Manual = true
		return base
	}
	// The quiet part: healthy bins (failed share under 2%) at no more than
	// 1.5× the lower quartile of the rate, so a surge that fills most of
	// the window does not become the reference.
	healthy := func(i int) bool { return b.Req[i] == 0 || b.Failed[i]/b.Req[i] < 0.02 }
	var hr []float64
	for i := range b.Req {
		if healthy(i) {
			hr = append(hr, b.Req[i])
		}
	}
	if len(hr) == 0 {
		return pick(func(int) bool { return true })
	}
	sort.Float64s(hr)
	lim := 1.5*hr[len(hr)/4] + 0.5
	base = pick(func(i int) bool { return healthy(i) && b.Req[i] <= lim })
	return base
}

// refineBaseline, once incidents are known, takes the hour before the
// first incident as the reference (more honest than the whole day for
// "N× normal"), when it holds at least a minute of bins.
func refineBaseline(b Bins, base Baseline, spans []Span) Baseline {
	if base.Manual || len(spans) == 0 {
		return base
	}
	from, to := spans[0].Start-3600, spans[0].Start-binWidth
	var rates, p95s []float64
	var req, failed float64
	for i := range b.Req {
		t := b.at(i)
		if t < from || t+b.Width > to {
			continue
		}
		rates = append(rates, b.Req[i])
		if b.P95[i] > 0 {
			p95s = append(p95s, b.P95[i])
		}
		req += b.Req[i]
		failed += b.Failed[i]
	}
	if int64(len(rates))*b.Width < 60 {
		return base
	}
	r := Baseline{From: from, To: to}
	r.RPS, r.MAD = medianMAD(rates)
	r.P95Ms = median(p95s)
	if r.P95Ms == 0 {
		r.P95Ms = base.P95Ms
	}
	if req > 0 {
		r.ErrorRate = failed / req
	}
	return r
}

// DetectIncidents finds sustained departures from the baseline in request
// rate (against a trailing local baseline, so a daily shape is no
// incident), failed share or p95 latency. Departures closer than GapS
// merge into one incident; its start is walked back to the onset of the
// rise, its end is the end of the last departing bin.
func DetectIncidents(b Bins, base Baseline, cfg IncidentConfig) []Span {
	n := len(b.Req)
	if n == 0 {
		return nil
	}
	dep := make([]bool, n)
	impact := make([]bool, n)
	flag := make([]bool, n) // excluded from the trailing baseline
	local := make([]float64, n)
	trail := int(max(cfg.TrailingS/b.Width, 1))
	sm := func(xs []float64, i, r int) float64 {
		var s float64
		c := 0
		for j := max(0, i-r); j <= min(n-1, i+r); j++ {
			s += xs[j]
			c++
		}
		return s / float64(c)
	}
	win := make([]float64, 0, trail)
	for i := 0; i < n; i++ {
		win = win[:0]
		for j := max(0, i-trail); j < i; j++ {
			if !flag[j] {
				win = append(win, b.Req[j])
			}
		}
		// The local baseline is the median of the quiet bins of the last
		// TrailingS; with no history yet (the first bins of the logs) a
		// rate departure cannot be judged, only errors and latency.
		l := base.RPS
		if len(win) >= minHistory {
			l = median(win)
		}
		local[i] = l
		noise := 4 * math.Sqrt(math.Max(l, 0.1)/float64(3*b.Width))
		rate := sm(b.Req, i, 1)
		rateDep := len(win) >= minHistory && rate > math.Max(l*cfg.RateFactor, l+cfg.RateMinAbs) && rate > l+noise
		fs, rs := sm(b.Failed, i, 2)*float64(5*b.Width), sm(b.Req, i, 2)*float64(5*b.Width)
		errDep := fs >= cfg.ErrorMinN && rs > 0 && fs/rs >= math.Max(cfg.ErrorShare, 3*base.ErrorRate)
		latDep := false
		if base.P95Ms > 0 && b.P95[i] > 0 && b.Req[i]*float64(b.Width) >= 5 {
			latDep = b.P95[i] > math.Max(cfg.LatFactor*base.P95Ms, base.P95Ms+cfg.LatMinAddMs)
		}
		dep[i] = rateDep || errDep || latDep
		// Impact is judged on the bin itself, without the smoothing that
		// lets a departure lean over its neighbours.
		selfErr := b.Req[i] > 0 && b.Failed[i]*float64(b.Width) >= 3 && b.Failed[i]/b.Req[i] >= math.Max(cfg.ErrorShare, 3*base.ErrorRate)
		impact[i] = (errDep && selfErr) || latDep
		flag[i] = dep[i]
	}
	sustain := int(max(cfg.SustainS/b.Width, 1))
	gap := int(max(cfg.GapS/b.Width, 1))
	var spans []Span
	i := 0
	for i < n {
		if !dep[i] {
			i++
			continue
		}
		// Sustained: at least three quarters of the next `sustain` bins depart.
		c := 0
		for j := i; j < min(n, i+sustain); j++ {
			if dep[j] {
				c++
			}
		}
		if c*4 < sustain*3 && i+sustain < n {
			i++
			continue
		}
		first, last := i, i
		for j := i; j < n && j-last <= gap; j++ {
			if dep[j] {
				last = j
			}
		}
		// Onset: walk back while the rate is clearly above the local baseline.
		on := first
		for j := first - 1; j >= 0 && first-j <= int(cfg.OnsetLookS/b.Width); j-- {
			l := local[first]
			if b.Req[j] > math.Max(l*2, l+0.5) {
				on = j
			} else {
				break
			}
		}
		sp := Span{Start: b.at(on), End: b.at(last) + b.Width}
		peak := on
		for j := on; j <= last; j++ {
			if b.Req[j] > b.Req[peak] {
				peak = j
			}
			if impact[j] {
				if sp.ImpactStart == 0 {
					sp.ImpactStart = b.at(j)
				}
				sp.ImpactEnd = b.at(j) + b.Width
			}
		}
		sp.Peak = b.at(peak)
		if int64(n-1-last)*b.Width < cfg.OngoingTailS {
			sp.Ongoing = true
		}
		spans = append(spans, sp)
		i = last + 1
	}
	sort.Slice(spans, func(x, y int) bool { return spans[x].Start < spans[y].Start })
	return spans
}
