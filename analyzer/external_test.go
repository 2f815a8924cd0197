package analyzer

import (
	"math"
	"testing"
	"time"
)

func TestAddExternal(t *testing.T) {
	t0 := time.Date(2024, 11, 21, 9, 0, 0, 0, time.UTC)
	win := func(from, to int) Window {
		return Window{Start: t0.Add(time.Duration(from) * time.Second), End: t0.Add(time.Duration(to) * time.Second)}
	}
	f := func(name string, steps []StatusStep, covered []Window, wantReq map[int]int32, want499 int32) {
		t.Helper()
		a := NewAggregator(&Options{})
		a.AddExternal(steps, 10*time.Second, covered)
		got := map[int]int32{}
		var s499 int32
		a.secs.each(func(s int64, p *secStat) {
			if p.Req != 0 {
				got[int(s-t0.Unix())] = p.Req
			}
			s499 += p.S499
			var sum int32
			for _, c := range p.Class {
				sum += c
			}
			if sum != p.Req {
				t.Errorf("%s: second %d: classes sum to %d, requests %d", name, s-t0.Unix(), sum, p.Req)
			}
		})
		for k, v := range wantReq {
			if got[k] != v {
				t.Errorf("%s: second %d: %d requests, want %d (all: %v)", name, k, got[k], v, got)
			}
		}
		for k := range got {
			if _, ok := wantReq[k]; !ok {
				t.Errorf("%s: unexpected requests in second %d: %v", name, k, got)
			}
		}
		if s499 != want499 {
			t.Errorf("%s: %d 499s, want %d", name, s499, want499)
		}
	}
	f("spread evenly, remainder first",
		[]StatusStep{{At: t0, Status: map[int]int64{200: 12}}}, nil,
		map[int]int32{0: 2, 1: 2, 2: 1, 3: 1, 4: 1, 5: 1, 6: 1, 7: 1, 8: 1, 9: 1}, 0)
	f("covered step left alone",
		[]StatusStep{{At: t0, Status: map[int]int64{200: 10}}, {At: t0.Add(10 * time.Second), Status: map[int]int64{499: 20}}},
		[]Window{win(0, 10)},
		map[int]int32{10: 2, 11: 2, 12: 2, 13: 2, 14: 2, 15: 2, 16: 2, 17: 2, 18: 2, 19: 2}, 20)
	f("half covered: half the counts on the free half",
		[]StatusStep{{At: t0, Status: map[int]int64{503: 10}}}, []Window{win(5, 60)},
		map[int]int32{0: 1, 1: 1, 2: 1, 3: 1, 4: 1}, 0)
}

func TestFillLatency(t *testing.T) {
	t0 := time.Date(2024, 11, 21, 9, 0, 0, 0, time.UTC)
	nan := math.NaN()
	steps := []LatencyStep{
		{At: t0, Requests: 10, P50: 10, P95: 20, P99: 30},
		{At: t0.Add(10 * time.Second), Requests: 30, P50: 50, P95: 60, P99: 70},
		{At: t0.Add(20 * time.Second), P50: nan, P95: nan, P99: nan},
	}
	f := func(name string, bucket float64, n int, covered []Window, want []float64, wantFilled int) {
		t.Helper()
		s := Series{Start: t0, BucketS: bucket, S2xx: make([]float64, n), P50Ms: make([]float64, n), P95Ms: make([]float64, n), P99Ms: make([]float64, n)}
		for i := range s.P50Ms {
			s.P50Ms[i] = -1 // the analyzer's value, kept where covered
		}
		filled := FillLatency(&s, steps, 10*time.Second, covered)
		if filled != wantFilled {
			t.Errorf("%s: filled %d buckets, want %d", name, filled, wantFilled)
		}
		for i, w := range want {
			if s.P50Ms[i] != w {
				t.Errorf("%s: bucket %d p50 %v, want %v (all %v)", name, i, s.P50Ms[i], w, s.P50Ms)
			}
		}
	}
	f("finer buckets take their step's value", 5, 6, nil, []float64{10, 10, 50, 50, -1, -1}, 4)
	f("wider buckets: request-weighted mean", 20, 2, nil, []float64{40, -1}, 1)
	f("covered buckets keep the analyzer's", 5, 6, []Window{{Start: t0, End: t0.Add(10 * time.Second)}}, []float64{-1, -1, 50, 50, -1, -1}, 2)
}

func TestExternalKeys(t *testing.T) {
	for _, c := range []struct{ host, self, want string }{
		{"l.facebook.com", "", "Facebook"},
		{"www.idnes.cz", "", "idnes.cz"},
		{"shop.example", "shop.example", "(internal)"},
		{"", "", "(direct)"},
	} {
		if got := ReferrerNetwork(c.host, c.self); got != c.want {
			t.Errorf("ReferrerNetwork(%q, %q) = %q, want %q", c.host, c.self, got, c.want)
		}
	}
	if got := PathKey("/blog/2024/11/plum"); got != "/blog/:id/:id/plum" {
		t.Errorf("PathKey = %q", got)
	}
	if !IsStaticPath("/a/b.CSS") || IsStaticPath("/product/12") {
		t.Error("IsStaticPath")
	}
}
