package analyzer

import (
	"math"
	"testing"
)

// bins builds a 10-second series of n bins from rate and failed-share
// functions of the bin index; p95 is constant unless lat says otherwise.
func bins(n int, rate func(i int) float64, fail func(i int) float64, lat func(i int) float64) Bins {
	b := Bins{Start: t0, Width: 10, Req: make([]float64, n), Failed: make([]float64, n), P95: make([]float64, n)}
	for i := 0; i < n; i++ {
		b.Req[i] = rate(i)
		if fail != nil {
			b.Failed[i] = rate(i) * fail(i)
		}
		b.P95[i] = 80
		if lat != nil {
			b.P95[i] = lat(i)
		}
	}
	return b
}

func flat(v float64) func(int) float64 { return func(int) float64 { return v } }

// jitter is a deterministic ±10% wobble.
func jitter(v float64) func(int) float64 {
	return func(i int) float64 { return v * (1 + 0.1*math.Sin(float64(i)*1.7)) }
}

func TestDetectIncidents(t *testing.T) {
	type want struct {
		start, end int64 // seconds from t0
		ongoing    bool
	}
	tests := []struct {
		name string
		b    Bins
		want []want
	}{
		{"quiet flat", bins(2000, jitter(5), nil, nil), nil},
		{"daily shape, 24 h", bins(8640, func(i int) float64 {
			return 3 + 2.5*math.Sin(2*math.Pi*float64(i)/8640)
		}, nil, nil), nil},
		{"10x surge for 30 min", bins(2000, func(i int) float64 {
			if i >= 600 && i < 780 {
				return 50
			}
			return 5
		}, nil, nil), []want{{6000, 7800, false}}},
		{"errors without more traffic", bins(2000, jitter(5), func(i int) float64 {
			if i >= 900 && i < 960 {
				return 0.5
			}
			return 0
		}, nil), []want{{9000, 9600, false}}},
		{"latency only", bins(2000, jitter(5), nil, func(i int) float64 {
			if i >= 1200 && i < 1300 {
				return 5000
			}
			return 80
		}), []want{{12000, 13000, false}}},
		{"ongoing at the end", bins(1000, func(i int) float64 {
			if i >= 900 {
				return 60
			}
			return 5
		}, nil, nil), []want{{9000, 10000, true}}},
		{"two surges an hour apart", bins(3000, func(i int) float64 {
			if (i >= 600 && i < 700) || (i >= 1300 && i < 1400) {
				return 40
			}
			return 4
		}, nil, nil), []want{{6000, 7000, false}, {13000, 14000, false}}},
		{"a 20-second blip is no incident", bins(2000, func(i int) float64 {
			if i == 1000 || i == 1001 {
				return 40
			}
			return 4
		}, nil, nil), nil},
		{"short gap inside one incident", bins(2000, func(i int) float64 {
			if i >= 600 && i < 900 {
				return 50
			}
			return 5
		}, func(i int) float64 {
			if i >= 700 && i < 720 {
				return 0
			}
			return 0
		}, nil), []want{{6000, 9000, false}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			base := detectBaseline(tc.b, nil)
			got := DetectIncidents(tc.b, base, DefaultIncidentConfig)
			if len(got) != len(tc.want) {
				t.Fatalf("got %d incidents %+v, want %d", len(got), got, len(tc.want))
			}
			for i, w := range tc.want {
				g := got[i]
				if d := g.Start - (t0 + w.start); d < -20 || d > 20 {
					t.Errorf("incident %d start %+d s off", i, d)
				}
				if d := g.End - (t0 + w.end); d < -20 || d > 20 {
					t.Errorf("incident %d end %+d s off", i, d)
				}
				if g.Ongoing != w.ongoing {
					t.Errorf("incident %d ongoing = %v, want %v", i, g.Ongoing, w.ongoing)
				}
			}
		})
	}
}

func TestDetectBaseline(t *testing.T) {
	b := bins(1000, func(i int) float64 {
		if i >= 500 && i < 600 {
			return 100 // a surge must not lift the baseline
		}
		return 4
	}, func(i int) float64 {
		if i >= 500 && i < 600 {
			return 0.3
		}
		return 0.001
	}, nil)
	base := detectBaseline(b, nil)
	if base.RPS != 4 || base.MAD != 0 || base.P95Ms != 80 {
		t.Errorf("baseline = %+v, want 4 rps, MAD 0, p95 80", base)
	}
	o := &Options{}
	o.Baseline.From, o.Baseline.To = unixUTC(t0+5000), unixUTC(t0+6000)
	man := detectBaseline(b, o)
	if man.RPS != 100 || !man.Manual {
		t.Errorf("manual baseline = %+v, want 100 rps from the given range", man)
	}
}
