package analyzer

import (
	"github.com/DataDog/sketches-go/ddsketch"
	"github.com/DataDog/sketches-go/ddsketch/mapping"
	"github.com/DataDog/sketches-go/ddsketch/store"
)

// latOpen is how many latency buckets behind the newest one a sketch
// stays live; older ones are sealed. Access lines arrive in time order
// give or take the request time, so a sealed bucket is rarely written
// again (then it is opened, and sealed again later).
const latOpen = 6

// latSketches holds the request-time sketches, one per latWidth seconds.
// A live sketch keeps its bins as float64 counts (2 KB); a sealed one is
// DDSketch's own encoding (varints, a few hundred bytes), so a day of
// 10-second buckets costs a few MB instead of ~25. Sealing loses nothing:
// counts are whole numbers and decode exactly, so every quantile is the
// same as from the live sketch.
type latSketches struct {
	live   map[int64]*ddsketch.DDSketch
	sealed map[int64][]byte
	open   []int64 // keys of live sketches, oldest opened first
	newest int64
	lastK  int64
	last   *ddsketch.DDSketch
	buf    []byte
}

func newLatSketches() *latSketches {
	return &latSketches{live: map[int64]*ddsketch.DDSketch{}, sealed: map[int64][]byte{}}
}

var latMapping = func() mapping.IndexMapping {
	m, err := mapping.NewLogarithmicMapping(latAccuracy)
	if err != nil {
		panic(err) // a constant accuracy in (0, 1)
	}
	return m
}()

func latStore() store.Store { return store.NewCollapsingLowestDenseStore(latMaxBins) }

func newLatSketch() *ddsketch.DDSketch {
	return ddsketch.NewDDSketch(latMapping, latStore(), latStore())
}

// add records one request time of ms milliseconds in bucket k.
func (l *latSketches) add(k int64, ms float64) {
	sk := l.last
	if k != l.lastK || sk == nil {
		sk = l.live[k]
		if sk == nil {
			sk = l.open1(k)
		}
		l.lastK, l.last = k, sk
	}
	_ = sk.Add(ms)
}

// open1 makes bucket k live (decoding it if sealed) and seals the buckets
// that fell latOpen behind the newest.
func (l *latSketches) open1(k int64) *ddsketch.DDSketch {
	sk := newLatSketch()
	if b, ok := l.sealed[k]; ok {
		_ = sk.DecodeAndMergeWith(b)
		delete(l.sealed, k)
	}
	l.live[k] = sk
	l.open = append(l.open, k)
	if len(l.live) == 1 || k > l.newest {
		l.newest = k
	}
	n := 0
	for n < len(l.open) && l.open[n] < l.newest-latOpen {
		l.seal(l.open[n])
		n++
	}
	if n > 0 {
		l.open = l.open[:copy(l.open, l.open[n:])]
	}
	return sk
}

// seal encodes live bucket k, if it is live.
func (l *latSketches) seal(k int64) {
	sk := l.live[k]
	if sk == nil {
		return
	}
	l.buf = l.buf[:0]
	sk.Encode(&l.buf, true)
	l.sealed[k] = append([]byte(nil), l.buf...)
	delete(l.live, k)
	if l.last == sk {
		l.last = nil
	}
}

// sealAll seals every live bucket: the aggregator is done adding.
func (l *latSketches) sealAll() {
	for k := range l.live {
		l.seal(k)
	}
	l.open = l.open[:0]
	l.last = nil
}

// merge moves o's buckets into l, both sealed, and leaves o empty.
func (l *latSketches) merge(o *latSketches) {
	l.sealAll()
	o.sealAll()
	for k, b := range o.sealed {
		a, ok := l.sealed[k]
		if !ok {
			l.sealed[k] = b
			continue
		}
		sk, _ := ddsketch.DecodeDDSketch(a, latStore, latMapping)
		_ = sk.DecodeAndMergeWith(b)
		l.buf = l.buf[:0]
		sk.Encode(&l.buf, true)
		l.sealed[k] = append(a[:0], l.buf...)
	}
	o.sealed = map[int64][]byte{}
}

// has says whether bucket k holds any request time.
func (l *latSketches) has(k int64) bool {
	if _, ok := l.sealed[k]; ok {
		return true
	}
	sk := l.live[k]
	return sk != nil && !sk.IsEmpty()
}

// len is the number of buckets.
func (l *latSketches) len() int { return len(l.live) + len(l.sealed) }

// mergeInto merges bucket k into *m, starting *m as a copy when nil.
func (l *latSketches) mergeInto(m **ddsketch.DDSketch, k int64) {
	if sk := l.live[k]; sk != nil {
		if *m == nil {
			*m = sk.Copy()
		} else {
			_ = (*m).MergeWith(sk)
		}
		return
	}
	b, ok := l.sealed[k]
	if !ok {
		return
	}
	if *m == nil {
		*m = newLatSketch()
	}
	_ = (*m).DecodeAndMergeWith(b)
}

// quantile is the q-quantile in ms of buckets k0 to k1 merged; 0 when
// they hold no request time.
func (l *latSketches) quantile(k0, k1 int64, q float64) float64 {
	var v [1]float64
	l.quantiles(k0, k1, []float64{q}, v[:])
	return v[0]
}

// quantiles sets out[i] to the qs[i]-quantile in ms of buckets k0 to k1,
// merged (and decoded) once for all of them; 0 when they hold no request
// time.
func (l *latSketches) quantiles(k0, k1 int64, qs, out []float64) {
	clear(out)
	if l.len() == 0 {
		return
	}
	var m *ddsketch.DDSketch
	for k := k0; k <= k1; k++ {
		l.mergeInto(&m, k)
	}
	if m == nil || m.IsEmpty() {
		return
	}
	for i, q := range qs {
		if v, err := m.GetValueAtQuantile(q); err == nil {
			out[i] = v
		}
	}
}
