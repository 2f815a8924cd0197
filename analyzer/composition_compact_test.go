package analyzer

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// counterState is everything a reader of a counter can see.
type counterState struct {
	Rows   []kv
	Counts []int64
	Other  int64
	Shift  uint
	Len    int
	NumTag uint64
}

func stateOf(c *counter) counterState {
	s := counterState{Rows: c.rows(), Other: c.other, Shift: c.shift, Len: c.len(), NumTag: c.numTag}
	c.counts(func(n int64) { s.Counts = append(s.Counts, n) })
	slices.Sort(s.Counts)
	return s
}

// keyGen draws keys of one kind: text, canonical IPv4 addresses or /24
// prefixes, IPv6 addresses or /64 prefixes written in full, or IPv4 text
// that does not pack. spread bounds the distinct keys.
type keyGen func(r *rand.Rand, spread int) string

var keyKinds = map[string]keyGen{
	"path": func(r *rand.Rand, n int) string { return fmt.Sprintf("/p/%d/x", r.IntN(n)) },
	"ip4": func(r *rand.Rand, n int) string {
		x := r.IntN(n) * 7919
		return fmt.Sprintf("10.%d.%d.%d", x>>16&255, x>>8&255, x&255)
	},
	"p24": func(r *rand.Rand, n int) string {
		x := r.IntN(n) * 31
		return fmt.Sprintf("172.%d.%d.0/24", x>>8&255, x&255)
	},
	"ip6": func(r *rand.Rand, n int) string {
		x := r.IntN(n)
		return fmt.Sprintf("2001:db8:%x:%x:%x:0:%x:1", x%3, x%5, x*77%65536, x) // some share a /64
	},
	"p64": func(r *rand.Rand, n int) string {
		x := r.IntN(n)
		return fmt.Sprintf("2a00:%x:%x:%x::/64", x%4, x*13%65536, x)
	},
	"text4": func(r *rand.Rand, n int) string { return fmt.Sprintf("010.0.%d.1", r.IntN(n)) },
}

// fill adds n keys of the given kinds to c, each counted 1–3 times:
// addresses with addAddr, paths with add or addString, and everything with
// addString when text is set.
func fill(c *counter, r *rand.Rand, kinds []string, spread, n int, text ...bool) {
	for range n {
		kind := kinds[r.IntN(len(kinds))]
		k := keyKinds[kind](r, spread)
		w := int64(1 + r.IntN(3))
		viaAdd := r.IntN(2) == 0
		switch {
		case len(text) > 0:
			c.addString(k, w)
		case kind != "path":
			c.addAddr([]byte(k), w)
		case viaAdd:
			c.add([]byte(k), w)
		default:
			c.addString(k, w)
		}
	}
}

// TestCounterCompact runs the same writes and merges on counters that are
// never sealed and on counters sealed at every step, in all merge
// directions: every read must agree, and a reopened counter must hold the
// same maps. The rows are also those of counters of the same keys as text.
func TestCounterCompact(t *testing.T) {
	cases := []struct {
		name   string
		kinds  []string
		cap    int
		spread int
	}{
		{"text under cap", []string{"path"}, 300, 200},
		{"text cap binds", []string{"path"}, 40, 2000},
		{"ipv4 addresses", []string{"ip4"}, 2048, 1500},
		{"ipv4 cap binds", []string{"ip4"}, 64, 5000},
		{"ipv4 prefixes", []string{"p24"}, 512, 400},
		{"ipv6 addresses", []string{"ip6"}, 256, 200},
		{"ipv6 cap binds", []string{"ip6"}, 50, 3000},
		{"ipv6 prefixes", []string{"p64"}, 256, 3000},
		{"addresses and prefixes in one counter", []string{"ip4", "p24"}, 300, 400},
		{"every kind, cap binds", []string{"path", "ip4", "p24", "ip6", "p64", "text4"}, 100, 4000},
		{"every kind under cap", []string{"path", "ip4", "p24", "ip6", "p64", "text4"}, 5000, 300},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for seed := range uint64(4) {
				// ref is never sealed; got is sealed after every step
				// (seal), or its merge partner is (sealOther).
				for _, mode := range []struct{ seal, sealOther bool }{{true, true}, {true, false}, {false, true}} {
					r1, r2, r3 := rand.New(rand.NewPCG(seed, 1)), rand.New(rand.NewPCG(seed, 1)), rand.New(rand.NewPCG(seed, 1))
					ref, got, text := newCounter(tc.cap), newCounter(tc.cap), newCounter(tc.cap)
					for step := range 6 {
						n := 50 + step*200
						if step%2 == 0 {
							fill(&ref, r1, tc.kinds, tc.spread, n)
							fill(&got, r2, tc.kinds, tc.spread, n)
							fill(&text, r3, tc.kinds, tc.spread, n, true)
						} else {
							o1, o2, o3 := newCounter(tc.cap), newCounter(tc.cap), newCounter(tc.cap)
							fill(&o1, r1, tc.kinds, tc.spread, n)
							fill(&o2, r2, tc.kinds, tc.spread, n)
							fill(&o3, r3, tc.kinds, tc.spread, n, true)
							if mode.sealOther {
								o2.compact(nil)
							}
							if step == 3 { // the other way round
								o1.merge(&ref)
								o2.merge(&got)
								o3.merge(&text)
								ref, got, text = o1, o2, o3
							} else {
								ref.merge(&o1)
								got.merge(&o2)
								text.merge(&o3)
							}
						}
						if mode.seal {
							got.compact(nil)
						}
						want := stateOf(&ref)
						if diff := cmp.Diff(want, stateOf(&got), cmp.AllowUnexported(kv{})); diff != "" {
							t.Fatalf("seed %d %+v step %d (-open +sealed):\n%s", seed, mode, step, diff)
						}
						// With addresses and prefixes in one counter, a merge
						// of counters that packed different ones can keep a
						// key both as text and packed: rows differ from text.
						if slices.Contains(tc.kinds, "ip4") && slices.Contains(tc.kinds, "p24") {
							continue
						}
						asText := stateOf(&text)
						asText.Len, asText.NumTag = want.Len, want.NumTag
						if diff := cmp.Diff(asText, want, cmp.AllowUnexported(kv{})); diff != "" {
							t.Fatalf("seed %d step %d (-text +packed):\n%s", seed, step, diff)
						}
					}
					if got.sealed() {
						got.reopen()
					}
					if diff := cmp.Diff(ref, got, cmp.AllowUnexported(counter{}, cell{}), cmpopts.EquateEmpty()); diff != "" {
						t.Fatalf("seed %d %+v: reopened maps differ (-open +reopened):\n%s", seed, mode, diff)
					}
				}
			}
		})
	}
}

// TestCounterSealedShift: a sealed counter whose sample threshold rises
// (a merge with a counter sampled more coarsely, or new keys beyond the
// cap) drops exactly the keys an open one drops, and keys the threshold
// refuses are counted in other without reopening it.
func TestCounterSealedShift(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	mk := func(cap, spread, n int) counter {
		c := newCounter(cap)
		fill(&c, rand.New(rand.NewPCG(uint64(spread), uint64(n))), []string{"ip4", "ip6", "path"}, spread, n)
		return c
	}
	open, sealed := mk(400, 600, 2000), mk(400, 600, 2000)
	sealed.compact(nil)
	coarse1, coarse2 := mk(20, 5000, 3000), mk(20, 5000, 3000)
	if coarse1.shift <= open.shift {
		t.Fatalf("shift %d, want above %d", coarse1.shift, open.shift)
	}
	open.merge(&coarse1)
	sealed.merge(&coarse2)
	if !sealed.sealed() {
		t.Error("merge into a sealed counter reopened it")
	}
	if diff := cmp.Diff(stateOf(&open), stateOf(&sealed), cmp.AllowUnexported(kv{})); diff != "" {
		t.Fatalf("after a coarser merge (-open +sealed):\n%s", diff)
	}

	// Keys the threshold refuses: other grows, the form stays.
	var refused [][]byte
	for len(refused) < 50 {
		k := fmt.Appendf(nil, "10.9.%d.%d", r.IntN(256), r.IntN(256))
		if !sealed.admits(fnv64(k)) {
			refused = append(refused, k)
		}
	}
	for _, k := range refused {
		open.addAddr(k, 1)
		sealed.addAddr(k, 1)
	}
	if !sealed.sealed() {
		t.Error("a refused key reopened the counter")
	}
	i := 0
	if allocs := testing.AllocsPerRun(100, func() { sealed.addAddr(refused[i%len(refused)], 1); i++ }); allocs != 0 {
		t.Errorf("refused key on a sealed counter: %.1f allocs, want 0", allocs)
	}
	for j := range i {
		open.addAddr(refused[j%len(refused)], 1)
	}

	// Admitted new keys reopen it and shrink as the open one does.
	fill(&open, rand.New(rand.NewPCG(1, 2)), []string{"ip4", "ip6", "path"}, 100000, 3000)
	fill(&sealed, rand.New(rand.NewPCG(1, 2)), []string{"ip4", "ip6", "path"}, 100000, 3000)
	if sealed.sealed() {
		t.Error("admitted keys did not reopen the counter")
	}
	if diff := cmp.Diff(stateOf(&open), stateOf(&sealed), cmp.AllowUnexported(kv{})); diff != "" {
		t.Fatalf("after new keys (-open +sealed):\n%s", diff)
	}
}

// TestCounterSealedReadAllocs: reading a sealed counter allocates nothing
// but the text of packed keys.
func TestCounterSealedReadAllocs(t *testing.T) {
	c := newCounter(256)
	fill(&c, rand.New(rand.NewPCG(1, 1)), []string{"path"}, 300, 1000)
	c.compact(nil)
	var sum int64
	if allocs := testing.AllocsPerRun(50, func() { c.each(func(_ string, n int64) { sum += n }) }); allocs != 0 {
		t.Errorf("each over sealed strings: %.1f allocs, want 0", allocs)
	}
	fill(&c, rand.New(rand.NewPCG(1, 1)), []string{"ip4", "ip6"}, 300, 1000)
	c.compact(nil)
	if allocs := testing.AllocsPerRun(50, func() { c.counts(func(n int64) { sum += n }) }); allocs != 0 {
		t.Errorf("counts over a sealed counter: %.1f allocs, want 0", allocs)
	}
	if allocs := testing.AllocsPerRun(50, func() { sum += int64(c.len()) }); allocs != 0 {
		t.Errorf("len of a sealed counter: %.1f allocs, want 0", allocs)
	}
}

// TestSealComp: records in time order leave only the last sealLag+1
// windows open; records of two interleaved streams minutes apart do not
// reseal a window more than maxSeals times; the report is the same as
// with every window open.
func TestSealComp(t *testing.T) {
	const minutes = 40
	clients := []string{"192.0.2.%d", "2001:db8:1:%x:1:2:3:4", "198.51.%d.9"}
	rec := func(i int, minute int64) synthAccess {
		return synthAccess{
			t: (t0+minute*60+int64(i%60))*1e9 + 1, remote: fmt.Sprintf(clients[i%3], i%200+1), method: "GET",
			path: fmt.Sprintf("/a/%d", i%300), status: 200, ref: fmt.Sprintf("https://s%d.example/", i%150), ua: uaIPhone, rtUS: 1000, upUS: 900,
		}
	}
	inOrder := func(i int) int64 { return int64(i / 500) }
	interleaved := func(i int) int64 { return int64(i/1000) + 5*int64(i%2) } // two streams 5 minutes apart
	for _, tc := range []struct {
		name   string
		minute func(i int) int64
	}{{"in order", inOrder}, {"interleaved", interleaved}} {
		t.Run(tc.name, func(t *testing.T) {
			a, b := NewAggregator(nil), NewAggregator(nil)
			for i := range minutes * 500 {
				s := rec(i, tc.minute(i))
				r := s.record()
				a.AddAccess(0, int64(i+1), &r)
				b.AddAccess(0, int64(i+1), &r)
			}
			last := t0/60 + tc.minute(minutes*500-1)
			var open int
			for m, w := range a.comp {
				sealed := w.Ref.sealed() && w.Path.sealed() && w.IP.sealed() && w.P24.sealed() && w.P64.sealed()
				if !sealed {
					open++
				}
				if tc.name == "in order" && sealed == (m >= last-sealLag) {
					t.Errorf("minute %d of %d: sealed %v", m, last, sealed)
				}
				if w.seals > maxSeals {
					t.Errorf("minute %d sealed %d times", m, w.seals)
				}
			}
			if q := a.lastComp.open; len(q.wins) > 2*(sealLag+1) {
				t.Errorf("%d windows queued", len(q.wins))
			}
			if open > 2*(sealLag+1) {
				t.Errorf("%d windows open", open)
			}
			for _, w := range b.comp {
				for _, c := range w.counters() {
					if c.sealed() {
						c.reopen()
					}
				}
			}
			ja, _ := json.Marshal(Finish(a, synthInputs, &Options{}))
			jb, _ := json.Marshal(Finish(b, synthInputs, &Options{}))
			if string(ja) != string(jb) {
				t.Errorf("report with sealed windows differs:\n%s", cmp.Diff(string(jb), string(ja)))
			}
		})
	}
}
