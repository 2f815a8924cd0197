package analyzer

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"time"
)

// maxPoints bounds the chart series; the bucket width grows to stay under it.
const maxPoints = 1500

// maxStateSeconds is the longest window kept at one-second resolution in
// State (3 days); longer windows get a coarser Step.
const maxStateSeconds = 3 * 86400

// Finish computes the report from the merged aggregator: it builds the
// State, runs the detectors (baseline and incidents, who flooded,
// saturation, restarts, clock alignment), then the writes and capacity
// components, and fills every section of the Report. inputs is indexed by
// the input argument the records were added with. a must not be used
// afterwards.
func Finish(a *Aggregator, inputs []InputInfo, o *Options) *Report {
	if o == nil {
		o = a.o
	}
	rep := &Report{SchemaVersion: SchemaVersion, Title: o.Title}
	// The retry analysis (a sort of every dynamic request) depends on
	// nothing else: run it beside the rest.
	rtRes := make(chan retryResult, 1)
	go func() { rtRes <- a.w.rt.analyze(a.w.o.loc()) }()
	st := buildState(a, inputs, o)
	rep.Window = Window{Start: time.Unix(st.Start, 0).UTC(), End: time.Unix(st.End, 0).UTC()}
	if !o.Since.IsZero() {
		rep.Window.Start = o.Since.UTC()
	}
	if !o.Until.IsZero() {
		rep.Window.End = o.Until.UTC()
	}
	rep.Inputs = finishInputs(a, inputs)
	for _, in := range rep.Inputs {
		for _, w := range in.Warnings {
			rep.Warnings = append(rep.Warnings, in.Name+": "+w)
		}
	}

	analyze(st, rep)

	rep.SlowQueries = a.slow.top(20)
	if a.slow.n == 0 {
		rep.Notes = append(rep.Notes, "No MySQL slow log was given (or it held no queries): the slow-query digest is empty.")
	}
	rep.Notes = append(rep.Notes, dataNotes(a, st)...)

	// Components of the capacity engineer, after our detectors.
	a.w.finishWith(rep, st, <-rtRes)
	a.c.finish(rep, st, o)
	refineTrigger(rep)
	for i := range rep.Incidents {
		rep.Incidents[i].Summary = summarize(st, rep, i)
	}
	ensureNonNil(rep)
	return rep
}

// analyze runs the detectors over st and fills rep; Finish calls it, and
// tests call it with hand-made states.
func analyze(st *State, rep *Report) {
	rep.Traffic = traffic(st)
	bins := makeBins(st, binWidth)
	st.Baseline = detectBaseline(bins, st.Opts)
	st.Spans = DetectIncidents(bins, st.Baseline, DefaultIncidentConfig)
	st.Baseline = refineBaseline(bins, st.Baseline, st.Spans)
	rep.Traffic.BaselineRPS = st.Baseline.RPS
	st.Saturations = DetectSaturation(satInputOf(st), DefaultSaturationConfig)
	st.Restarts = DetectRestarts(st.Events, st.Inputs)
	effects(st)
	rep.Restarts = st.Restarts
	for _, sp := range st.Spans {
		rep.Incidents = append(rep.Incidents, incidentOf(st, sp))
	}
	rep.Warnings = append(rep.Warnings, clockWarnings(st)...)
	rep.Timeline = buildTimeline(st, rep)
	rep.Series = buildSeries(st)
}

func ensureNonNil(rep *Report) {
	if rep.Inputs == nil {
		rep.Inputs = []Input{}
	}
	if rep.Incidents == nil {
		rep.Incidents = []Incident{}
	}
	if rep.Restarts == nil {
		rep.Restarts = []Restart{}
	}
	if rep.Timeline == nil {
		rep.Timeline = []TimelineEntry{}
	}
	if rep.SlowQueries == nil {
		rep.SlowQueries = []QueryDigest{}
	}
	if rep.Warnings == nil {
		rep.Warnings = []string{}
	}
	if rep.Notes == nil {
		rep.Notes = []string{}
	}
	if rep.AmbiguousWrites.ByEndpoint == nil {
		rep.AmbiguousWrites.ByEndpoint = []EndpointCount{}
	}
}

func finishInputs(a *Aggregator, infos []InputInfo) []Input {
	n := max(len(infos), len(a.inputs))
	out := make([]Input, 0, n)
	for i := 0; i < n; i++ {
		var in Input
		if i < len(infos) {
			f := infos[i]
			in = Input{Name: f.Name, Kind: f.Kind, Format: f.Format, TZ: f.TZ, TZSource: f.TZSource, Warnings: f.Warnings}
		} else {
			in.Name = fmt.Sprintf("input %d", i)
		}
		in.SkipReasons = []SkipReason{}
		if i < len(a.inputs) {
			acc := &a.inputs[i]
			in.Parsed, in.Skipped = acc.parsed, acc.skipped
			in.Lines = acc.parsed + acc.skipped
			if acc.first != 0 {
				t := time.Unix(0, acc.first).UTC()
				in.First = &t
			}
			if acc.last != 0 {
				t := time.Unix(0, acc.last).UTC()
				in.Last = &t
			}
			for reason, s := range acc.skips {
				in.SkipReasons = append(in.SkipReasons, SkipReason{Reason: reason, Count: s.count, Samples: append([]Sample(nil), s.samples...)})
			}
			sort.Slice(in.SkipReasons, func(x, y int) bool {
				r := in.SkipReasons
				if r[x].Count != r[y].Count {
					return r[x].Count > r[y].Count
				}
				return r[x].Reason < r[y].Reason
			})
		}
		out = append(out, in)
	}
	return out
}

// buildState turns the merged aggregator into the detectors' State.
func buildState(a *Aggregator, inputs []InputInfo, o *Options) *State {
	st := &State{Opts: o, Inputs: inputs, Step: 1, lat: a.lat, hll: a.hll, errH: a.errHLL, comp: a.comp}
	st.HasLatency = a.withRT > 0 && a.withRT >= a.withoutRT
	st.HasUpstream = a.withUp > 0
	st.MySQLMaxConns = int64(o.MySQLMaxConnections)

	// Range: seconds with requests, widened by events.
	lo, hi := int64(math.MaxInt64), int64(math.MinInt64)
	a.secs.each(func(s int64, p *secStat) {
		if p.Req > 0 {
			lo, hi = min(lo, s), max(hi, s)
		}
	})
	for k := range a.events {
		lo, hi = min(lo, k.Sec), max(hi, k.Sec)
	}
	if !o.Since.IsZero() {
		lo = o.Since.Unix()
	}
	if !o.Until.IsZero() {
		hi = o.Until.Unix()
	}
	if lo > hi {
		st.End = -1
		st.buildEvents(a)
		return st
	}
	st.Start, st.End = lo, hi
	span := hi - lo + 1
	if span > maxStateSeconds {
		st.Step = (span + maxStateSeconds - 1) / maxStateSeconds
	}
	n := int((span + st.Step - 1) / st.Step)
	st.Points = make([]Point, n)

	// Prefix sums of the in-flight difference arrays, over every second
	// with a boundary, including those before Start.
	var carry, carryUp int64
	a.secs.each(func(s int64, p *secStat) {
		if s < lo {
			carry += int64(p.Diff)
			carryUp += int64(p.DiffUp)
		}
	})
	p95 := map[int64]float64{}
	for s := lo; s <= hi; s++ {
		p := &st.Points[(s-lo)/st.Step]
		var inF, busy float64
		if q := a.secs.get(s); q != nil {
			carry += int64(q.Diff)
			carryUp += int64(q.DiffUp)
			inF = float64(carry) + float64(q.CorrUS)/1e6
			busy = float64(carryUp) + float64(q.CorrUpUS)/1e6
			p.Req += int64(q.Req)
			p.S2xx += int64(q.Class[2])
			p.S3xx += int64(q.Class[3])
			p.S4xx += int64(q.Class[4])
			p.S5xx += int64(q.Class[5])
			p.S499 += int64(q.S499)
			p.S502 += int64(q.S502)
			p.S503 += int64(q.S503)
			p.S504 += int64(q.S504)
			p.Writes += int64(q.Writes)
			p.Bytes += q.Bytes
			p.Static += int64(q.Static)
			p.LatSumMs += float64(q.LatSumUS) / 1000
			p.LatN += int64(q.LatN)
		} else {
			inF, busy = float64(carry), float64(carryUp)
		}
		p.InFlight += inF / float64(st.Step)
		p.Busy += busy / float64(st.Step)
		k := floorDiv(s, latWidth)
		v, ok := p95[k]
		if !ok {
			v = a.lat.quantile(k, k, 0.95)
			p95[k] = v
		}
		if v > p.P95Ms {
			p.P95Ms = v
		}
	}
	if !st.HasLatency {
		// No request times: estimate in-flight with an assumed 250 ms mean
		// service time (Little's law), and say so in the notes.
		st.InFlightEstimated = true
		for i := range st.Points {
			p := &st.Points[i]
			p.InFlight = float64(p.Req) / float64(st.Step) * 0.25
			p.Busy = float64(p.Req-p.Static) / float64(st.Step) * 0.25
		}
	}
	// The site's own host: the most common referrer of static assets.
	if rows := a.selfRf.rows(); len(rows) > 0 {
		st.self = rows[0].k
	}
	st.buildEvents(a)
	return st
}

func (st *State) buildEvents(a *Aggregator) {
	st.Events = make([]EventAgg, 0, len(a.events))
	for k, e := range a.events {
		st.Events = append(st.Events, EventAgg{Sec: k.Sec, Aux: k.Aux, Count: e.Count, First: e.First, Last: e.Last, Sample: e.Sample})
	}
	sort.Slice(st.Events, func(i, j int) bool {
		x, y := &st.Events[i], &st.Events[j]
		if x.First != y.First {
			return x.First < y.First
		}
		if x.Sample.Input != y.Sample.Input {
			return x.Sample.Input < y.Sample.Input
		}
		if x.Sample.Line != y.Sample.Line {
			return x.Sample.Line < y.Sample.Line
		}
		return x.Aux < y.Aux
	})
}

func traffic(st *State) Traffic {
	var t Traffic
	all := st.Sum(st.Start, st.End+1)
	t.Requests = all.Req
	t.Status = StatusCounts{S2xx: all.S2xx, S3xx: all.S3xx, S4xx: all.S4xx, S5xx: all.S5xx}
	t.Writes = all.Writes
	t.Bytes = all.Bytes
	t.HasLatency = st.HasLatency
	if st.HasLatency && st.End >= st.Start {
		t.P50Ms, t.P95Ms, t.P99Ms = st.medianP95P99(st.Start, st.End+1)
	}
	if st.End >= st.Start {
		t.Clients = st.Clients(st.Start, st.End+1)
	}
	// Peak: the highest 10-second mean rate.
	w := max(int64(1), 10/st.Step)
	var best float64
	bestAt := int64(-1)
	var sum int64
	for i := range st.Points {
		sum += st.Points[i].Req
		if i >= int(w) {
			sum -= st.Points[i-int(w)].Req
		}
		if r := float64(sum) / float64(w*st.Step); r > best {
			best, bestAt = r, st.Start+int64(i)*st.Step
		}
	}
	if bestAt >= 0 {
		t.PeakRPS = best
		at := time.Unix(bestAt, 0).UTC()
		t.PeakAt = &at
	}
	return t
}

// bucketLadder are the chart bucket widths in seconds.
var bucketLadder = []int64{1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 86400}

func chartBucket(span int64) int64 {
	for _, b := range bucketLadder {
		if span/b <= maxPoints {
			return b
		}
	}
	return bucketLadder[len(bucketLadder)-1]
}

func buildSeries(st *State) Series {
	s := Series{Start: time.Unix(st.Start, 0).UTC(), PoolSize: float64(st.PoolSize)}
	if len(st.Points) == 0 {
		s.Referrers = []NamedSeries{}
		return s
	}
	span := st.End - st.Start + 1
	b := max(chartBucket(span), st.Step)
	b = (b + st.Step - 1) / st.Step * st.Step
	s.BucketS = float64(b)
	n := int((span + b - 1) / b)
	mk := func() []float64 { return make([]float64, n) }
	s.S2xx, s.S3xx, s.S4xx, s.S5xx, s.Writes = mk(), mk(), mk(), mk(), mk()
	s.InFlight, s.Clients, s.PHPBusy = mk(), mk(), mk()
	s.FPMEvents, s.MySQLEvents, s.NginxErrors, s.KernelEvents = mk(), mk(), mk(), mk()
	if st.HasLatency {
		s.P50Ms, s.P95Ms, s.P99Ms = mk(), mk(), mk()
	}
	for i := 0; i < n; i++ {
		from := st.Start + int64(i)*b
		to := min(from+b, st.End+1)
		p := st.Sum(from, to)
		d := float64(to - from)
		s.S2xx[i] = float64(p.S2xx) / d
		s.S3xx[i] = float64(p.S3xx) / d
		s.S4xx[i] = float64(p.S4xx) / d
		s.S5xx[i] = float64(p.S5xx+p.Req-p.S2xx-p.S3xx-p.S4xx-p.S5xx) / d
		s.Writes[i] = float64(p.Writes) / d
		var inf, busy float64
		for j := st.idx(from); j <= st.idx(to-1); j++ {
			inf += st.Points[j].InFlight
			busy += st.Points[j].Busy
		}
		s.InFlight[i] = inf / float64(st.idx(to-1)-st.idx(from)+1)
		s.PHPBusy[i] = busy / float64(st.idx(to-1)-st.idx(from)+1)
		if st.HasLatency {
			s.P50Ms[i], s.P95Ms[i], s.P99Ms[i] = st.medianP95P99(from, to)
		}
		if b >= compWidth {
			s.Clients[i] = float64(st.Clients(from, to))
		}
	}
	if b < compWidth {
		// Distinct clients are known per minute: spread each minute's count
		// over its buckets.
		for i := 0; i < n; i++ {
			from := st.Start + int64(i)*b
			m := floorDiv(from, compWidth)
			if h := st.hll[m]; h != nil {
				s.Clients[i] = float64(h.Estimate())
			}
		}
	}
	for _, e := range st.Events {
		i := int((e.Sec - st.Start) / b)
		if e.Sec < st.Start || i >= n {
			continue
		}
		switch e.Sample.Kind.String() {
		case "fpm", "fpm-slow":
			s.FPMEvents[i] += float64(e.Count)
		case "mysql-error":
			s.MySQLEvents[i] += float64(e.Count)
		case "nginx-error", "apache-error":
			s.NginxErrors[i] += float64(e.Count)
		case "kernel":
			s.KernelEvents[i] += float64(e.Count)
		}
	}
	s.Referrers = referrerSeries(st, b, n)
	return s
}

// referrerSeries is page requests per second by referrer network, for the
// top networks over the window, at the chart's bucket width (minute data
// spread evenly over finer buckets).
func referrerSeries(st *State, b int64, n int) []NamedSeries {
	total := map[string]int64{}
	perMin := map[int64]map[string]int64{}
	for m, w := range st.comp {
		nets := map[string]int64{}
		w.Ref.each(func(h string, n int64) { nets[st.network(h)] += n })
		if w.Ref.other > 0 {
			nets["(other)"] += w.Ref.other
		}
		perMin[m] = nets
		for k, v := range nets {
			total[k] += v
		}
	}
	rows := make([]kv, 0, len(total))
	for k, v := range total {
		rows = append(rows, kv{k, v})
	}
	sortKV(rows)
	if len(rows) > 6 {
		rows = rows[:6]
	}
	// Minutes in order: the float sums of a bucket must not depend on map
	// order, or the report's bytes would change from run to run.
	mins := make([]int64, 0, len(perMin))
	for m := range perMin {
		mins = append(mins, m)
	}
	slices.Sort(mins)
	out := make([]NamedSeries, 0, len(rows))
	for _, r := range rows {
		vals := make([]float64, n)
		for _, m := range mins {
			c := perMin[m][r.k]
			if c == 0 {
				continue
			}
			from, to := m*compWidth, m*compWidth+compWidth
			for t := max(from, st.Start); t < to && t <= st.End; {
				i := int((t - st.Start) / b)
				end := min(to, st.Start+int64(i+1)*b)
				if i < n {
					vals[i] += float64(c) * float64(end-t) / compWidth / float64(b)
				}
				t = end
			}
		}
		out = append(out, NamedSeries{Name: r.k, Values: vals})
	}
	return out
}

// network groups a referrer host; the site's own host is "(internal)".
func (st *State) network(host string) string {
	if st.self != "" && host == st.self {
		return "(internal)"
	}
	return networkOf(host)
}

func dataNotes(a *Aggregator, st *State) []string {
	var n []string
	if st.InFlightEstimated && len(st.Points) > 0 {
		n = append(n, "The access log has no request time ($request_time / %D): latency is unknown and in-flight requests are estimated from the request rate with an assumed 250 ms service time. Add $request_time $upstream_response_time to the nginx log_format.")
	} else if st.HasLatency && !st.HasUpstream {
		n = append(n, "The access log has no upstream time ($upstream_response_time): busy PHP workers are estimated from the request time of non-static requests, which includes time spent queued.")
	}
	if a.outside > 0 {
		n = append(n, fmt.Sprintf("%d records fell outside the analysed window and were not aggregated.", a.outside))
	}
	if a.noTime > 0 {
		n = append(n, fmt.Sprintf("%d events carried no absolute time (for example raw dmesg uptime stamps) and are not on the timeline.", a.noTime))
	}
	seen := map[string]bool{}
	for _, sat := range st.Saturations {
		if sat.Inferred && !seen[sat.Resource] {
			seen[sat.Resource] = true
			n = append(n, fmt.Sprintf("The saturation of %s from %s was inferred from the access log (502/504 share, queueing, busy workers at the pool size): no log line states it. PHP-FPM pools with pm = static never log max_children, and without the FPM log nothing does.",
				sat.Resource, sat.Start.Format("15:04:05 UTC")))
		}
	}
	if st.PoolSize == 0 {
		n = append(n, "The PHP-FPM pool size (pm.max_children) is unknown: no FPM line states it and --fpm-max-children was not given, so the in-flight plateau cannot be compared with it.")
	}
	if st.Step > 1 {
		n = append(n, fmt.Sprintf("The window is longer than 3 days: the analysis uses %d-second steps.", st.Step))
	}
	return n
}
