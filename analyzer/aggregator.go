package analyzer

import (
	"github.com/axiomhq/hyperloglog"

	"github.com/postmortem/postmortem/parsers"
)

// Granularities of the streaming state. Memory is bounded by the analysed
// time window, never by the number of lines:
//   - one secStat (96 bytes) per second that saw a request or an
//     in-flight boundary;
//   - one latency sketch (DDSketch, 2% relative accuracy, at most 256 bins,
//     2 KB) per latWidth seconds;
//   - one HyperLogLog (≤ 16 KB dense, tiny when sparse) of client addresses
//     per minute;
//   - one composition window per minute holding capped counters (see
//     compCaps): at most 3,200 keys a minute (≈250 KB in the worst case,
//     a deterministic hash sample of the keys beyond each cap), the rest
//     in an "other" row;
//   - event aggregates per (second, input, event type, class), each with
//     one sample line;
//   - skip reasons per input with their 5 lowest-numbered samples.
//
// A 24-hour window stays in the tens of megabytes for ordinary traffic
// and under ~400 MB even if every minute of it brought thousands of new
// addresses, whatever the file size.
const (
	latWidth  = 10 // seconds per latency sketch
	compWidth = 60 // seconds per composition window and HLL
	// The latency sketches: 2% relative accuracy in at most 256 bins
	// (2 KB) span a factor of 1.0408^256 ≈ 28,000 below the slowest
	// request of the bucket (1 ms under a 28 s one); values lower still
	// collapse into the lowest bin.
	latAccuracy = 0.02
	latMaxBins  = 256
)

// Aggregator is the streaming, mergeable state of one worker. It is not
// safe for concurrent use: give each goroutine its own (Clone) and Merge
// them at the end. Merge is commutative and associative, also when a
// composition cap binds (see counter).
type Aggregator struct {
	o *Options

	since, until int64 // Unix ns; 0 = open

	secs   secPages[secStat]
	lat    *latSketches // key: Unix second / latWidth
	hll    map[int64]*hyperloglog.Sketch
	errHLL map[int64]*hyperloglog.Sketch // clients of failed requests, per minute
	comp   map[int64]*compWindow         // key: Unix second / compWidth
	selfRf counter                       // referrer hosts of static-asset requests: the site itself
	ua     map[string]uaClass            // cache of User-Agent → class (pure, so it never changes results)

	withRT, withoutRT int64 // access records with and without a request time
	withUp            int64 // records with an upstream time field
	outside           int64 // records outside Since/Until
	noTime            int64 // events without an absolute time

	inputs []inputAcc
	events map[evKey]*evAgg
	slow   *slowAgg

	w *writesAgg
	c *capacityAgg

	scratch []byte

	// Caches of the last bucket touched (records arrive mostly in order).
	lastMin  int64
	lastHLL  *hyperloglog.Sketch
	lastComp *compWindow
	lastUA   []byte
	lastUAC  uaClass
}

// secStat is everything counted for one Unix second (96 bytes): counts of
// one second fit in 32 bits, sums of bytes and microseconds do not.
type secStat struct {
	Bytes    int64
	LatSumUS int64 // sum of request times ending in this second
	// In-flight difference array: Diff is +1 at the start second and −1 at
	// the end second of each request; CorrUS corrects the partial seconds at
	// both ends (−frac(start), +frac(end)) in microseconds, so that the
	// prefix sum of Diff plus CorrUS/1e6 is the mean number of requests in
	// flight during the second (Little's law, exact).
	CorrUS int64
	// The same for the upstream part of requests ([end − upstream_time,
	// end]): requests held by PHP workers (and their accept queue).
	CorrUpUS int64
	Req      int32
	Class    [6]int32 // index status/100 (0 = other/unknown)
	S499     int32
	S502     int32
	S503     int32
	S504     int32
	Writes   int32
	Static   int32
	LatN     int32
	Diff     int32
	DiffUp   int32
}

func (s *secStat) add(o *secStat) {
	s.Req += o.Req
	for i := range s.Class {
		s.Class[i] += o.Class[i]
	}
	s.S499 += o.S499
	s.S502 += o.S502
	s.S503 += o.S503
	s.S504 += o.S504
	s.Writes += o.Writes
	s.Bytes += o.Bytes
	s.Static += o.Static
	s.LatSumUS += o.LatSumUS
	s.LatN += o.LatN
	s.Diff += o.Diff
	s.CorrUS += o.CorrUS
	s.DiffUp += o.DiffUp
	s.CorrUpUS += o.CorrUpUS
}

type inputAcc struct {
	parsed, skipped int64
	first, last     int64 // Unix ns; 0 = none
	skips           map[string]*skipAcc
}

type skipAcc struct {
	count   int64
	samples []Sample // lowest line numbers first, at most maxSamples
}

const maxSamples = 5

// NewAggregator returns an empty aggregator for o (nil means defaults).
func NewAggregator(o *Options) *Aggregator {
	if o == nil {
		o = &Options{}
	}
	a := &Aggregator{
		o:      o,
		secs:   newSecPages[secStat](),
		lat:    newLatSketches(),
		hll:    make(map[int64]*hyperloglog.Sketch),
		errHLL: make(map[int64]*hyperloglog.Sketch),
		comp:   make(map[int64]*compWindow),
		selfRf: newCounter(64),
		ua:     make(map[string]uaClass, 256),
		events: make(map[evKey]*evAgg),
		slow:   newSlowAgg(),
		w:      newWritesAgg(o),
		c:      newCapacityAgg(o),
	}
	if !o.Since.IsZero() {
		a.since = o.Since.UnixNano()
	}
	if !o.Until.IsZero() {
		a.until = o.Until.UnixNano()
	}
	return a
}

// Clone returns an empty aggregator with the same options, for another
// worker.
func (a *Aggregator) Clone() *Aggregator { return NewAggregator(a.o) }

func (a *Aggregator) input(i int) *inputAcc {
	if i < 0 {
		i = 0
	}
	for len(a.inputs) <= i {
		a.inputs = append(a.inputs, inputAcc{})
	}
	return &a.inputs[i]
}

func (a *Aggregator) inWindow(t int64) bool {
	return (a.since == 0 || t >= a.since) && (a.until == 0 || t <= a.until)
}

func (a *Aggregator) sec(s int64) *secStat { return a.secs.at(s) }

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// AddAccess counts one access record. It is O(1) and allocates nothing for
// keys it has seen in the current minute. r is not retained.
func (a *Aggregator) AddAccess(input int, line int64, r *parsers.Access) {
	in := a.input(input)
	in.parsed++
	if r.Time != 0 {
		if in.first == 0 || r.Time < in.first {
			in.first = r.Time
		}
		if r.Time > in.last {
			in.last = r.Time
		}
	}
	if !a.inWindow(r.Time) {
		a.outside++
		return
	}
	// endNS is when the request finished.
	endNS := r.Time
	rt := r.RequestTime
	if rt >= 0 {
		a.withRT++
		if r.TimeIsStart {
			endNS += rt * 1000
		}
	} else {
		a.withoutRT++
	}
	if r.UpstreamTime != parsers.NoField {
		a.withUp++
	}
	static, cwStatic := staticKinds(r.Path)
	if ut := r.UpstreamTime; ut >= 0 {
		a.inflight(endNS, ut, true)
	} else if ut == parsers.NoField && rt >= 0 && !static {
		a.inflight(endNS, rt, true)
	}
	s := floorDiv(endNS, 1e9)
	st := a.sec(s)
	st.Req++
	cls := int(r.Status / 100)
	if cls > 5 {
		cls = 0
	}
	st.Class[cls]++
	switch r.Status {
	case 499:
		st.S499++
	case 502:
		st.S502++
	case 503:
		st.S503++
	case 504:
		st.S504++
	}
	write := isWrite(r.Method)
	if write {
		st.Writes++
	}
	st.Bytes += r.Bytes
	if static {
		st.Static++
	}
	if rt >= 0 {
		st.LatSumUS += rt
		st.LatN++
		a.inflight(endNS, rt, false)
		a.lat.add(floorDiv(s, latWidth), float64(rt)/1000+0.001) // ms; +1 µs keeps 0 out of the zero bucket
	}

	client := clientAddr(r)
	m := floorDiv(s, compWidth)
	if m != a.lastMin || a.lastHLL == nil {
		h := a.hll[m]
		if h == nil {
			h = newHLL()
			a.hll[m] = h
		}
		cw := a.comp[m]
		if cw == nil {
			cw = newCompWindow()
			a.comp[m] = cw
		}
		a.sealComp(m)
		a.lastMin, a.lastHLL, a.lastComp = m, h, cw
	}
	a.lastHLL.Insert(client)
	if r.Status >= 500 || r.Status == 499 {
		eh := a.errHLL[m]
		if eh == nil {
			eh = newHLL()
			a.errHLL[m] = eh
		}
		eh.Insert(client)
	}

	a.addComposition(a.lastComp, r, client, static, write)

	a.w.addAccessStatic(input, line, r, cwStatic)
	a.c.addAccessStatic(r, cwStatic)
}

// inflight records the interval [end−rt, end] in the difference array.
// With up set it records the upstream part instead.
func (a *Aggregator) inflight(endNS, rtUS int64, up bool) {
	endUS := floorDiv(endNS, 1000)
	startUS := endUS - rtUS
	s0 := floorDiv(startUS, 1e6)
	s1 := floorDiv(endUS, 1e6)
	p0 := a.sec(s0)
	p1 := a.sec(s1)
	if up {
		p0.DiffUp++
		p0.CorrUpUS -= startUS - s0*1e6
		p1 = a.sec(s1)
		p1.DiffUp--
		p1.CorrUpUS += endUS - s1*1e6
		return
	}
	p0.Diff++
	p0.CorrUS -= startUS - s0*1e6
	p1 = a.sec(s1)
	p1.Diff--
	p1.CorrUS += endUS - s1*1e6
}

// Skip counts one line that did not parse. It keeps the count and the first
// maxSamples samples per (input, reason) by line number, so the samples do
// not depend on which worker saw which line.
func (a *Aggregator) Skip(input int, line int64, reason string, text []byte) {
	in := a.input(input)
	in.skipped++
	if in.skips == nil {
		in.skips = make(map[string]*skipAcc)
	}
	sa := in.skips[reason]
	if sa == nil {
		sa = &skipAcc{}
		in.skips[reason] = sa
	}
	sa.count++
	if len(sa.samples) == maxSamples && line >= sa.samples[maxSamples-1].Line {
		return
	}
	sa.samples = insertSample(sa.samples, Sample{Line: line, Text: sampleText(text)})
}

func insertSample(ss []Sample, s Sample) []Sample {
	i := len(ss)
	for i > 0 && ss[i-1].Line > s.Line {
		i--
	}
	ss = append(ss, Sample{})
	copy(ss[i+1:], ss[i:])
	ss[i] = s
	if len(ss) > maxSamples {
		ss = ss[:maxSamples]
	}
	return ss
}

// sampleText copies at most 300 bytes of a line for the report.
func sampleText(b []byte) string {
	const max = 300
	if len(b) > max {
		return string(b[:max]) + "…"
	}
	return string(b)
}

// Merge adds b into a and leaves b empty: b must not be used afterwards.
// The result does not depend on the order in which aggregators are merged.
func (a *Aggregator) Merge(b *Aggregator) {
	if b == nil || b == a {
		return
	}
	a.lastHLL, a.lastComp = nil, nil
	a.secs.merge(&b.secs, (*secStat).add)
	a.lat.merge(b.lat)
	for k, h := range b.hll {
		if q := a.hll[k]; q != nil {
			_ = q.Merge(h)
		} else {
			a.hll[k] = h
		}
	}
	for k, h := range b.errHLL {
		if q := a.errHLL[k]; q != nil {
			_ = q.Merge(h)
		} else {
			a.errHLL[k] = h
		}
	}
	for k, cw := range b.comp {
		if q := a.comp[k]; q != nil {
			q.merge(cw)
		} else {
			a.comp[k] = cw
		}
	}
	a.selfRf.merge(&b.selfRf)
	a.withRT += b.withRT
	a.withoutRT += b.withoutRT
	a.withUp += b.withUp
	a.outside += b.outside
	a.noTime += b.noTime
	for i := range b.inputs {
		bi := &b.inputs[i]
		ai := a.input(i)
		ai.parsed += bi.parsed
		ai.skipped += bi.skipped
		if bi.first != 0 && (ai.first == 0 || bi.first < ai.first) {
			ai.first = bi.first
		}
		if bi.last > ai.last {
			ai.last = bi.last
		}
		for reason, bs := range bi.skips {
			if ai.skips == nil {
				ai.skips = make(map[string]*skipAcc)
			}
			as := ai.skips[reason]
			if as == nil {
				ai.skips[reason] = bs
				continue
			}
			as.count += bs.count
			for _, s := range bs.samples {
				if len(as.samples) < maxSamples || s.Line < as.samples[len(as.samples)-1].Line {
					as.samples = insertSample(as.samples, s)
				}
			}
		}
	}
	for k, e := range b.events {
		if q := a.events[k]; q != nil {
			q.merge(e)
		} else {
			a.events[k] = e
		}
	}
	a.slow.merge(b.slow)
	a.w.merge(b.w)
	a.c.merge(b.c)
	// Drop b's state now: what a did not adopt is garbage even while the
	// caller still holds b.
	*b = *NewAggregator(b.o)
}

// newHLL returns a dense HyperLogLog of precision 12 (4 KB, ~1.6% standard
// error): dense because the sparse form's merge of its temporary set costs
// more than all the other counting of a record together.
func newHLL() *hyperloglog.Sketch {
	h, err := hyperloglog.NewSketch(12, false)
	if err != nil {
		panic("BUG: hyperloglog precision 12: " + err.Error())
	}
	return h
}
