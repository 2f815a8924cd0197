package parsers

import (
	"fmt"
	"math"
	"testing"
)

func slowEv(us int64, examined int64, text string) *Event {
	return &Event{Type: MySQLSlowQuery, Num: [4]int64{us, 10, examined, 1}, Text: []byte(text)}
}

func TestSlowDigestTop(t *testing.T) {
	var d SlowDigest
	// 20 fast lookups by id: 1..20 ms.
	for i := 1; i <= 20; i++ {
		d.Add(slowEv(int64(i)*1000, 1, fmt.Sprintf("SELECT * FROM users WHERE id = %d", i)))
	}
	// Two slow scans, 2 s and 3 s.
	d.Add(slowEv(2_000_000, 1000, "SELECT * FROM orders WHERE note LIKE '%x%'"))
	d.Add(slowEv(3_000_000, 2000, "select * from orders where note like 'y'"))
	// A corrupted query time counts but adds no time.
	d.Add(slowEv(-1, -1, "SELECT * FROM orders WHERE note LIKE 'z'"))
	// Not a slow query: ignored.
	d.Add(&Event{Type: MySQLReady, Text: []byte("x")})

	rows := d.Top(0)
	if len(rows) != 2 || d.Len() != 2 {
		t.Fatalf("rows = %+v", rows)
	}
	scan, lookup := rows[0], rows[1]
	if scan.Fingerprint != "select * from orders where note like ?" || scan.Count != 3 || scan.TotalS != 5 ||
		scan.MeanS != 2.5 || scan.MaxS != 3 || scan.RowsExamined != 3000 || scan.RowsSent != 3 ||
		scan.Example != "select * from orders where note like 'y'" {
		t.Errorf("scan row = %+v", scan)
	}
	// DDSketch ranks quantiles at q·(n−1): of two timed values, p95 is
	// the lower one.
	if math.Abs(scan.P95S-2) > 0.02 {
		t.Errorf("scan p95 = %v, want 2 within 1%%", scan.P95S)
	}
	if lookup.Fingerprint != "select * from users where id = ?" || lookup.Count != 20 || math.Abs(lookup.TotalS-0.21) > 1e-9 ||
		math.Abs(lookup.MeanS-0.0105) > 1e-9 || lookup.Example != "SELECT * FROM users WHERE id = 20" {
		t.Errorf("lookup row = %+v", lookup)
	}
	// p95 of 1..20 ms is 19 ms (nearest rank), within the sketch's 1%.
	if math.Abs(lookup.P95S-0.019) > 0.019*0.011 {
		t.Errorf("lookup p95 = %v, want 0.019", lookup.P95S)
	}
	if top := d.Top(1); len(top) != 1 || top[0].Fingerprint != scan.Fingerprint {
		t.Errorf("Top(1) = %+v", top)
	}
}

func TestSlowDigestTieOrder(t *testing.T) {
	var d SlowDigest
	d.Add(slowEv(1000, 0, "SELECT b FROM t"))
	d.Add(slowEv(1000, 0, "SELECT a FROM t"))
	rows := d.Top(0)
	if rows[0].Fingerprint != "select a from t" || rows[1].Fingerprint != "select b from t" {
		t.Errorf("equal totals not ordered by fingerprint: %+v", rows)
	}
}

func TestSlowDigestMergeCommutes(t *testing.T) {
	build := func(from, to int) *SlowDigest {
		d := &SlowDigest{}
		for i := from; i < to; i++ {
			d.Add(slowEv(int64(i%7+1)*1000, int64(i), fmt.Sprintf("SELECT %s FROM t WHERE x = %d", colName(i%3), i)))
		}
		return d
	}
	ab := build(0, 50)
	ab.Merge(build(50, 120))
	ba := build(50, 120)
	ba.Merge(build(0, 50))
	all := build(0, 120)
	r1, r2, r3 := ab.Top(0), ba.Top(0), all.Top(0)
	if len(r1) != 3 || len(r2) != 3 || len(r3) != 3 {
		t.Fatalf("rows: %d %d %d", len(r1), len(r2), len(r3))
	}
	for i := range r1 {
		if r1[i] != r2[i] {
			t.Errorf("merge order matters:\n%+v\n%+v", r1[i], r2[i])
		}
		if r1[i].Count != r3[i].Count || r1[i].TotalS != r3[i].TotalS || r1[i].Example != r3[i].Example ||
			r1[i].RowsExamined != r3[i].RowsExamined {
			t.Errorf("merged differs from single digest:\n%+v\n%+v", r1[i], r3[i])
		}
	}
	var empty SlowDigest
	empty.Merge(nil)
	empty.Merge(&SlowDigest{})
	if empty.Len() != 0 || len(empty.Top(5)) != 0 {
		t.Error("empty digest not empty")
	}
}

func TestSlowDigestBound(t *testing.T) {
	var d SlowDigest
	for i := 0; i < digestMaxFingerprints+10; i++ {
		d.Add(slowEv(1000, 0, fmt.Sprintf("SELECT * FROM t%s", colName(i))))
	}
	if d.Len() != digestMaxFingerprints+1 {
		t.Fatalf("Len = %d, want %d", d.Len(), digestMaxFingerprints+1)
	}
	var other *DigestRow
	for _, r := range d.Top(0) {
		if r.Fingerprint == DigestOther {
			r := r
			other = &r
		}
	}
	if other == nil || other.Count != 10 {
		t.Fatalf("other row = %+v", other)
	}
}

// colName returns a distinct letters-only name for i (digits would all
// fingerprint to '?').
func colName(i int) string {
	b := []byte{}
	for {
		b = append(b, byte('g'+i%20))
		i /= 20
		if i == 0 {
			return string(b)
		}
	}
}

func TestSlowDigestAddAllocs(t *testing.T) {
	var d SlowDigest
	ev := slowEv(1000, 5, "SELECT * FROM users WHERE id = 42 AND name IN ('a','b')")
	d.Add(ev)
	allocs := testing.AllocsPerRun(100, func() { d.Add(ev) })
	if allocs != 0 {
		t.Errorf("Add of a known fingerprint allocates %v times", allocs)
	}
}
