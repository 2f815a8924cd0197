package analyzer

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// retryStream is 30 quiet minutes (200 clients, about one page a minute
// each), then, when storm is set, 10 minutes where 300 new clients get 502s
// and re-request the same page every 2 s, then 10 quiet minutes.
func retryStream(storm bool, failQuiet float64) []struct {
	at     float64
	client string
	status uint16
} {
	rng := rand.New(rand.NewPCG(1, 2))
	type rec = struct {
		at     float64
		client string
		status uint16
	}
	var out []rec
	quiet := func(from, to int) {
		for m := from; m < to; m++ {
			for c := range 200 {
				st := uint16(200)
				if rng.Float64() < failQuiet {
					st = 502
				}
				out = append(out, rec{float64(m*60) + rng.Float64()*60, fmt.Sprintf("10.1.%d.%d", c/250, c%250), st})
			}
		}
	}
	quiet(0, 30)
	if storm {
		for c := range 300 {
			for k := range 300 { // 600 s, one try every 2 s
				st := uint16(502)
				if k%10 == 9 {
					st = 200
				}
				out = append(out, rec{1800 + float64(k*2) + rng.Float64(), fmt.Sprintf("10.2.%d.%d", c/250, c%250), st})
			}
		}
	} else {
		quiet(30, 40)
	}
	quiet(40, 50)
	rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

func TestRetryStorm(t *testing.T) {
	for _, tc := range []struct {
		name      string
		storm     bool
		failQuiet float64
	}{
		{"quiet", false, 0},
		{"quiet with 1% errors", false, 0.01},
		{"storm", true, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, b := newWritesAgg(nil), newWritesAgg(nil)
			for i, r := range retryStream(tc.storm, tc.failQuiet) {
				dst := a
				if i%2 == 0 {
					dst = b
				}
				dst.addAccess(0, int64(i), cwAccess(r.at, r.client, "GET", "/page", r.status, 100, 100))
				if i%7 == 0 { // static assets never count
					dst.addAccess(0, int64(i), cwAccess(r.at, r.client, "GET", "/app.css", 502, 1, 1))
				}
			}
			a.merge(b)
			rep := &Report{}
			a.finish(rep, nil)
			rs := rep.RetryStorm
			if rs.Detected != tc.storm {
				t.Fatalf("detected %v, want %v (%+v)", rs.Detected, tc.storm, rs)
			}
			if !tc.storm {
				return
			}
			start := time.Unix(0, cwT0).Add(30 * time.Minute)
			if d := rs.Start.Sub(start); d < -time.Minute || d > time.Minute {
				t.Errorf("start %v, want %v", rs.Start, start)
			}
			if d := rs.End.Sub(start.Add(10 * time.Minute)); d < -time.Minute || d > time.Minute {
				t.Errorf("end %v, want %v", rs.End, start.Add(10*time.Minute))
			}
			// 300 clients × 300 tries, all but the first retries of a failure:
			// 89,700 retries; each client sends 30 a minute against 1.
			if rs.Retries < 89000 || rs.Retries > 90000 {
				t.Errorf("retries %d, want ≈ 89,700", rs.Retries)
			}
			if rs.Amplification < 25 || rs.Amplification > 35 {
				t.Errorf("amplification %.1f, want ≈ 30", rs.Amplification)
			}
			// Share of all requests (static included) in the storm window.
			if rs.RetryShare < 0.8 || rs.RetryShare > 0.95 {
				t.Errorf("retry share %.3f, want ≈ 0.87", rs.RetryShare)
			}
			if len(rs.Evidence) < 2 {
				t.Errorf("evidence %q", rs.Evidence)
			}
		})
	}
}

// TestRetrySampling checks that the consistent key sampling keeps the
// scaled figures close to the exact ones.
func TestRetrySampling(t *testing.T) {
	exact, sampled := newWritesAgg(nil), newWritesAgg(nil)
	sampled.rt.shift = 2
	for i, r := range retryStream(true, 0) {
		exact.addAccess(0, int64(i), cwAccess(r.at, r.client, "GET", "/page", r.status, 100, 100))
		sampled.addAccess(0, int64(i), cwAccess(r.at, r.client, "GET", "/page", r.status, 100, 100))
	}
	if n, m := len(exact.rt.recs), len(sampled.rt.recs); m > n/2 || m < n/8 {
		t.Fatalf("sample kept %d of %d records, want about a quarter", m, n)
	}
	e, s := &Report{}, &Report{}
	exact.finish(e, nil)
	sampled.finish(s, nil)
	if !s.RetryStorm.Detected {
		t.Fatal("sampled: storm not detected")
	}
	if r := float64(s.RetryStorm.Retries) / float64(e.RetryStorm.Retries); r < 0.7 || r > 1.3 {
		t.Errorf("sampled retries %d vs exact %d", s.RetryStorm.Retries, e.RetryStorm.Retries)
	}
}
