package analyzer

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestShiftLinesShards reads the same records as one stream and as three
// shards whose lines are numbered from each shard's start (as the CLI's
// shard readers deliver them), shifted by the lines before each shard and
// merged out of order: the JSON must be byte-identical, skipped-line
// samples and write evidence included.
func TestShiftLinesShards(t *testing.T) {
	spec := viral
	spec.seconds, spec.surgeTo, spec.recoverAt = 3000, 2800, 2600
	recs, evs := genViral(spec, 3)
	skip := func(i int) bool { return i%501 == 7 }
	// One skip reason per third, so that each reason's first samples lie
	// in one shard, past the start of the file for the later ones.
	third := func(i int) int { return i * 3 / len(recs) }
	enc := func(a *Aggregator) []byte { return finishJSON(t, a, synthInputs) }
	add := func(a *Aggregator, i int, line int64) {
		if skip(i) {
			a.Skip(0, line, fmt.Sprintf("bad line in third %d", third(i)), fmt.Appendf(nil, "garbage %d", i))
			return
		}
		r := recs[i].record()
		a.AddAccess(0, line, &r)
	}

	one := NewAggregator(&Options{})
	for i := range recs {
		add(one, i, int64(i+1))
	}
	for i := range evs {
		one.AddEvent(inputOfKind(evs[i].Kind), int64(i+1), &evs[i])
	}

	cuts := []int{0, len(recs) / 3, len(recs) * 2 / 3, len(recs)}
	shards := make([]*Aggregator, 3)
	var base int64
	bases := make([]int64, 3)
	for k := range shards {
		shards[k] = one.Clone()
		for i := cuts[k]; i < cuts[k+1]; i++ {
			add(shards[k], i, int64(i-cuts[k]+1))
		}
		bases[k] = base
		base += int64(cuts[k+1] - cuts[k])
	}
	events := one.Clone()
	for i := range evs {
		events.AddEvent(inputOfKind(evs[i].Kind), int64(i+1), &evs[i])
	}
	root := one.Clone()
	for _, k := range []int{2, 0, 1} {
		shards[k].ShiftLines(0, bases[k])
		root.Merge(shards[k])
	}
	root.Merge(events)

	want, got := enc(one), enc(root)
	last := cuts[2] + (7-cuts[2]%501+501)%501 // first skipped line of the last shard
	if !bytes.Contains(want, fmt.Appendf(nil, `"line":%d,"text":"garbage %d"`, last+1, last)) {
		t.Fatalf("the test needs a skipped-line sample in the last shard (line %d)", last+1)
	}
	if !bytes.Equal(want, got) {
		t.Errorf("one stream and three shifted shards differ:\n%s", cmp.Diff(string(want), string(got)))
	}
}

// TestFinishDeterministicLongWindow: over days, a chart bucket spans many
// minutes whose shares are summed in floating point; the report's bytes
// must not depend on the order Go happens to iterate maps in.
func TestFinishDeterministicLongWindow(t *testing.T) {
	refs := []string{"https://www.google.com/", "https://l.facebook.com/l.php", "https://t.co/x", "https://news.ycombinator.com/", "-", "https://www.bing.com/"}
	t0 := int64(1732000000) * 1e9
	build := func() []byte {
		a := NewAggregator(&Options{})
		for i := range 3 * 24 * 60 { // every minute of three days
			for j := range i%7 + 1 {
				s := synthAccess{t: t0 + int64(i)*60e9 + int64(j)*3e9, remote: fmt.Sprintf("10.0.%d.%d", i%50, j), method: "GET",
					path: fmt.Sprintf("/p/%d", j), status: 200, ref: refs[(i*3+j)%len(refs)], ua: uaIPhone, rtUS: 1000 + int64(j), upUS: -1, bytes: 100}
				r := s.record()
				a.AddAccess(0, int64(i+1), &r)
			}
		}
		return finishJSON(t, a, synthInputs[:1])
	}
	first := build()
	if !bytes.Contains(first, []byte(`"referrers":[{`)) {
		t.Fatal("no referrer series: the test would prove nothing")
	}
	for range 4 {
		if again := build(); !bytes.Equal(first, again) {
			t.Fatalf("two runs differ:\n%.3000s", cmp.Diff(string(first), string(again)))
		}
	}
}

// finishJSON is the JSON report of a, finished with default options.
func finishJSON(t testing.TB, a *Aggregator, inputs []InputInfo) []byte {
	t.Helper()
	b, err := json.Marshal(Finish(a, inputs, &Options{}))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestSecPagesNegativeAndCached: seconds before 1970 and on both sides of
// a page boundary land in their own slots, through the last-page cache too.
func TestSecPagesNegativeAndCached(t *testing.T) {
	p := newSecPages[int64]()
	secs := []int64{-65, -64, -1, 0, 1, 63, 64, 127, 128, -1, 0, 1 << 40}
	for i, s := range secs {
		*p.at(s) += int64(i + 1)
	}
	want := map[int64]int64{}
	for i, s := range secs {
		want[s] += int64(i + 1)
	}
	got := map[int64]int64{}
	p.each(func(s int64, v *int64) {
		if *v != 0 {
			got[s] = *v
		}
	})
	if d := cmp.Diff(want, got); d != "" {
		t.Fatalf("seconds (-want +got):\n%s", d)
	}
	for s, v := range want {
		if g := p.get(s); g == nil || *g != v {
			t.Errorf("get(%d) = %v, want %d", s, g, v)
		}
	}
}
