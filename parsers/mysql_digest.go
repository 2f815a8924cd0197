package parsers

import (
	"sort"

	"github.com/DataDog/sketches-go/ddsketch"
)

// Slow-query digest: pt-query-digest's per-fingerprint profile, built
// streaming from MySQLSlowQuery events. It sits in parsers beside the slow
// log reader and the fingerprint because it needs both and nothing else; the
// analyzer maps DigestRow onto its QueryDigest.

// Digest bounds: distinct fingerprints kept (the rest share the row
// DigestOther), sketch accuracy and size, and the length of an example.
const (
	digestMaxFingerprints = 10000
	digestAccuracy        = 0.01
	digestMaxBins         = 512
	digestMaxExample      = 2048
)

// DigestOther is the fingerprint of the row that collects queries past the
// digest's bound on distinct fingerprints.
const DigestOther = "(other fingerprints)"

// DigestRow is one fingerprint of a slow-query digest. Times are seconds.
type DigestRow struct {
	Fingerprint  string
	Count        int64   // queries with this fingerprint
	TotalS       float64 // sum of query times
	MeanS        float64 // TotalS over the queries with a readable query time
	P95S         float64 // 95th percentile of query time, within 1% (DDSketch)
	MaxS         float64
	LockS        float64 // sum of lock times
	RowsExamined int64
	RowsSent     int64
	Example      string // the slowest statement (first 2 KiB)
}

// digestEntry is the running state of one fingerprint. Sums are integer
// microseconds so that merging in any order gives the same totals.
type digestEntry struct {
	count    int64
	timed    int64 // queries whose query time was readable
	totalUS  int64
	maxUS    int64
	lockUS   int64
	examined int64
	sent     int64
	example  string
	exUS     int64 // query time of example; -2 when no example yet
	sketch   *ddsketch.DDSketch
}

// SlowDigest aggregates slow queries by fingerprint. The zero value is ready
// to use. Memory is bounded: at most 10,000 fingerprints, each with a
// DDSketch of at most 512 bins. Not safe for concurrent use; build one per
// input and Merge them.
type SlowDigest struct {
	byFP    map[string]*digestEntry
	scratch []byte
}

// Add counts one event; events other than MySQLSlowQuery are ignored.
// Negative numbers (missing or corrupted fields) are left out of the sums.
func (d *SlowDigest) Add(ev *Event) {
	if ev.Type != MySQLSlowQuery {
		return
	}
	if d.byFP == nil {
		d.byFP = make(map[string]*digestEntry)
	}
	d.scratch = Fingerprint(d.scratch[:0], ev.Text)
	e := d.byFP[string(d.scratch)]
	if e == nil {
		key := string(d.scratch)
		if len(d.byFP) >= digestMaxFingerprints {
			key = DigestOther
			e = d.byFP[key]
		}
		if e == nil {
			e = newDigestEntry()
			d.byFP[key] = e
		}
	}
	e.count++
	if qt := ev.Num[0]; qt >= 0 {
		e.timed++
		e.totalUS += qt
		if qt > e.maxUS {
			e.maxUS = qt
		}
		_ = e.sketch.Add(float64(qt) / 1e6)
	}
	if ev.Num[1] > 0 {
		e.lockUS += ev.Num[1]
	}
	if ev.Num[2] > 0 {
		e.examined += ev.Num[2]
	}
	if ev.Num[3] > 0 {
		e.sent += ev.Num[3]
	}
	if betterExample(ev.Num[0], ev.Text, e.exUS, e.example) {
		text := ev.Text
		if len(text) > digestMaxExample {
			text = text[:digestMaxExample]
		}
		e.example, e.exUS = string(text), ev.Num[0]
	}
}

// betterExample reports whether a query (time us, text) is a better example
// than the current one: slower, or as slow and first in byte order, so the
// choice does not depend on the order queries arrive or digests merge.
func betterExample(us int64, text []byte, curUS int64, cur string) bool {
	if curUS == -2 || us > curUS {
		return true
	}
	if us < curUS {
		return false
	}
	if len(text) > digestMaxExample {
		text = text[:digestMaxExample]
	}
	return string(text) < cur
}

func newDigestEntry() *digestEntry {
	sk, err := ddsketch.LogCollapsingLowestDenseDDSketch(digestAccuracy, digestMaxBins)
	if err != nil {
		panic("BUG: ddsketch parameters: " + err.Error())
	}
	return &digestEntry{exUS: -2, sketch: sk}
}

// Merge adds the queries of o into d. Merging is commutative: the rows of
// a.Merge(b) and b.Merge(a) are equal (p95 within the sketch's accuracy).
func (d *SlowDigest) Merge(o *SlowDigest) {
	if o == nil || len(o.byFP) == 0 {
		return
	}
	if d.byFP == nil {
		d.byFP = make(map[string]*digestEntry, len(o.byFP))
	}
	// Fingerprints in a fixed order, so which ones overflow into the other
	// row does not depend on map order.
	keys := make([]string, 0, len(o.byFP))
	for k := range o.byFP {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		oe := o.byFP[k]
		e := d.byFP[k]
		if e == nil {
			if len(d.byFP) >= digestMaxFingerprints {
				k = DigestOther
				e = d.byFP[k]
			}
			if e == nil {
				e = newDigestEntry()
				d.byFP[k] = e
			}
		}
		e.count += oe.count
		e.timed += oe.timed
		e.totalUS += oe.totalUS
		if oe.maxUS > e.maxUS {
			e.maxUS = oe.maxUS
		}
		e.lockUS += oe.lockUS
		e.examined += oe.examined
		e.sent += oe.sent
		if oe.exUS != -2 && betterExample(oe.exUS, []byte(oe.example), e.exUS, e.example) {
			e.example, e.exUS = oe.example, oe.exUS
		}
		_ = e.sketch.MergeWith(oe.sketch)
	}
}

// Len returns the number of distinct fingerprints.
func (d *SlowDigest) Len() int { return len(d.byFP) }

// Top returns the n fingerprints with the largest total query time (all of
// them when n <= 0), total time descending, then fingerprint ascending.
func (d *SlowDigest) Top(n int) []DigestRow {
	rows := make([]DigestRow, 0, len(d.byFP))
	totals := make(map[string]int64, len(d.byFP))
	for fp, e := range d.byFP {
		r := DigestRow{
			Fingerprint:  fp,
			Count:        e.count,
			TotalS:       float64(e.totalUS) / 1e6,
			MaxS:         float64(e.maxUS) / 1e6,
			LockS:        float64(e.lockUS) / 1e6,
			RowsExamined: e.examined,
			RowsSent:     e.sent,
			Example:      e.example,
		}
		if e.timed > 0 {
			r.MeanS = float64(e.totalUS) / float64(e.timed) / 1e6
			if p, err := e.sketch.GetValueAtQuantile(0.95); err == nil {
				r.P95S = min(p, r.MaxS)
			}
		}
		totals[fp] = e.totalUS
		rows = append(rows, r)
	}
	sort.Slice(rows, func(i, j int) bool {
		ti, tj := totals[rows[i].Fingerprint], totals[rows[j].Fingerprint]
		if ti != tj {
			return ti > tj
		}
		return rows[i].Fingerprint < rows[j].Fingerprint
	})
	if n > 0 && n < len(rows) {
		rows = rows[:n]
	}
	return rows
}
