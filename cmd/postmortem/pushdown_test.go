package main

import (
	"context"
	"errors"
	"math"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/postmortem/postmortem/analyzer"
	"github.com/postmortem/postmortem/simulate"
	"github.com/postmortem/postmortem/sources"
)

// Latency tolerance: Loki's quantile_over_time is exact (interpolated
// between samples) while the analyzer's sketches are within 2% of a sample
// near the rank, and a tail quantile of a quiet 10 s step rests on a few
// samples. A bucket agrees when within latTolRel of the larger value or
// latTolAbsMs; buckets with fewer than latMinRequests requests are not
// compared. In the incident the request times are bimodal (static files in
// milliseconds, PHP in seconds): a tail quantile that falls between the
// modes jumps with one sample of rank, and Loki interpolates between the
// two samples where the sketch picks one, so p95 and p99 agree on fewer
// buckets (measured on viral 1 h, 5 s buckets: p50 97.5%, p95 91.5%, p99
// 89.4% of 715; on 6 h, 15 s buckets that Loki's 10 s steps fill by a
// weighted mean while the sketches span 20–30 s: 93.2%, 86.8%, 85.3% of 1440).
const (
	latTolRel      = 0.05
	latTolAbsMs    = 5.0
	latMinRequests = 100
)

// latMinAgree is the share of compared buckets that must agree, per quantile.
var latMinAgree = map[string]float64{"p50": 0.90, "p95": 0.83, "p99": 0.82}

// accessSelector is the stream selector of the access query of a pushed run.
func accessSelector(t *testing.T, extra map[string]string) string {
	t.Helper()
	for _, s := range simulate.LokiStreams {
		if s.Kind == "access" {
			q, err := sources.ParseLokiQuery(s.Query(extra))
			if err != nil {
				t.Fatal(err)
			}
			sel, err := sources.LokiSelector(q.LogQL)
			if err != nil {
				t.Fatal(err)
			}
			return sel
		}
	}
	t.Fatal("no access stream")
	return ""
}

// checkPushdownLatency holds Loki's per-step latency quantiles over the
// whole range against the full pull's chart, bucket by bucket, and the
// pushdown report's chart against the full one where both have a value.
func checkPushdownLatency(t *testing.T, url string, extra map[string]string, truth *simulate.Truth, full, push *analyzer.Report) {
	t.Helper()
	opts := sources.LokiOptions{URL: url}
	sel := accessSelector(t, extra)
	p := &pushdownPlan{}
	if err := p.countSteps(context.Background(), opts, sel, truth.WindowStart, truth.WindowEnd); err != nil {
		t.Fatal(err)
	}
	steps, err := lokiLatency(context.Background(), opts, sel, truth.WindowStart, truth.WindowEnd, p.steps)
	if err != nil {
		t.Fatal(err)
	}
	loki := full.Series
	loki.P50Ms = make([]float64, len(full.Series.P50Ms))
	loki.P95Ms = make([]float64, len(full.Series.P95Ms))
	loki.P99Ms = make([]float64, len(full.Series.P99Ms))
	if n := analyzer.FillLatency(&loki, steps, pushdownStep, nil); n == 0 {
		t.Fatal("Loki gave no latency step")
	}
	compare := func(what string, a, b *analyzer.Series) {
		for _, q := range []struct {
			name string
			x, y []float64
		}{{"p50", a.P50Ms, b.P50Ms}, {"p95", a.P95Ms, b.P95Ms}, {"p99", a.P99Ms, b.P99Ms}} {
			var n, ok int
			var worst []float64
			for i := range q.x {
				req := (full.Series.S2xx[i] + full.Series.S3xx[i] + full.Series.S4xx[i] + full.Series.S5xx[i]) * full.Series.BucketS
				if q.x[i] <= 0 || q.y[i] <= 0 || req < latMinRequests {
					continue
				}
				n++
				d := math.Abs(q.x[i] - q.y[i])
				if d <= latTolAbsMs || d <= latTolRel*math.Max(q.x[i], q.y[i]) {
					ok++
				} else {
					worst = append(worst, d/math.Max(q.x[i], q.y[i]))
				}
			}
			sort.Float64s(worst)
			if n == 0 {
				t.Errorf("%s %s: no bucket to compare", what, q.name)
				continue
			}
			share := float64(ok) / float64(n)
			t.Logf("%s %s: %d of %d buckets within %.0f%% or %.0f ms (%.1f%%)", what, q.name, ok, n, latTolRel*100, latTolAbsMs, share*100)
			if share < latMinAgree[q.name] {
				t.Errorf("%s %s: only %.1f%% of %d buckets agree; worst relative differences %v", what, q.name, share*100, n, worst[max(0, len(worst)-5):])
			}
		}
	}
	compare("Loki vs full pull", &loki, &full.Series)
	compare("pushdown vs full pull", &push.Series, &full.Series)
}

// checkPushdownTop holds Loki's topk over each incident of the full pull
// against the full pull's top referrers and paths.
func checkPushdownTop(t *testing.T, url string, extra map[string]string, full *analyzer.Report) {
	t.Helper()
	sel := accessSelector(t, extra)
	for i, inc := range full.Incidents {
		from := inc.Start.Truncate(time.Minute)
		to := full.Window.End
		if inc.End != nil {
			to = inc.End.Truncate(time.Minute).Add(time.Minute)
		}
		top, err := lokiTop(context.Background(), sources.LokiOptions{URL: url}, sel, from, to, false)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := countKeys(top.referrers, crossCheckN), keys(inc.Flood.TopReferrers, crossCheckN); !cmp.Equal(got, want) {
			t.Errorf("incident %d: Loki's top referrers %v, full pull's %v", i, got, want)
		}
		if got, want := countKeys(top.paths, crossCheckN), keys(inc.Flood.TopPaths, crossCheckN); !cmp.Equal(got, want) {
			t.Errorf("incident %d: Loki's top paths %v, full pull's %v", i, got, want)
		}
		// A viral hour has ~175,000 clients: a Loki with the default
		// max_query_series (500) refuses their topk, which must not fail
		// the run; with fewer clients Loki's list must agree.
		if top.clientsRefused != "" {
			t.Logf("incident %d: Loki gave no top clients: %s", i, top.clientsRefused)
		} else if got, want := countKeys(top.clients, crossCheckN), keys(inc.Flood.TopClients, crossCheckN); !cmp.Equal(got, want) {
			t.Errorf("incident %d: Loki's top clients %v, full pull's %v", i, got, want)
		}
	}
}

func TestTroubleWindows(t *testing.T) {
	t0 := time.Date(2024, 11, 21, 9, 0, 0, 0, time.UTC)
	end := t0.Add(6 * time.Hour)
	// 6 h of 10 steps/s at 10 s with trouble (errors) at the given minutes.
	steps := func(trouble ...int) []analyzer.StatusStep {
		bad := map[int]bool{}
		for _, m := range trouble {
			bad[m] = true
		}
		var out []analyzer.StatusStep
		for at := t0; at.Before(end); at = at.Add(pushdownStep) {
			st := analyzer.StatusStep{At: at, Status: map[int]int64{200: 100}}
			if bad[int(at.Sub(t0)/time.Minute)] {
				st.Status[502] = 50
			}
			out = append(out, st)
		}
		return out
	}
	w := func(from, to time.Duration) analyzer.Window {
		return analyzer.Window{Start: t0.Add(from), End: t0.Add(to)}
	}
	for _, c := range []struct {
		name    string
		trouble []int
		want    []analyzer.Window
	}{
		{"none", nil, nil},
		{"one minute with margins", []int{60}, []analyzer.Window{w(55*time.Minute, 66*time.Minute)}},
		{"clipped at the start", []int{1}, []analyzer.Window{w(0, 7*time.Minute)}},
		{"close runs merge", []int{60, 70}, []analyzer.Window{w(55*time.Minute, 76*time.Minute)}},
		{"far runs stay apart", []int{60, 200}, []analyzer.Window{w(55*time.Minute, 66*time.Minute), w(195*time.Minute, 206*time.Minute)}},
	} {
		got := troubleWindows(steps(c.trouble...), t0, end)
		if !cmp.Equal(got, c.want) {
			t.Errorf("%s: windows %v, want %v", c.name, got, c.want)
		}
		var covered time.Duration
		for _, g := range gaps(got, t0, end) {
			covered += g.End.Sub(g.Start)
		}
		for _, x := range got {
			covered += x.End.Sub(x.Start)
		}
		if covered != end.Sub(t0) {
			t.Errorf("%s: windows and gaps cover %s, want %s", c.name, covered, end.Sub(t0))
		}
	}
}

func TestRebase(t *testing.T) {
	rows := []analyzer.Share{{Key: "Facebook", Share: 0.5}, {Key: "Google", Share: 0.1}}
	rebase(rows, []keyCount{{"Google", 50}, {"Facebook", 2}}, 100)
	want := []analyzer.Share{{Key: "Facebook", Share: 0.5, BaselineShare: 0.02, Lift: 25}, {Key: "Google", Share: 0.1, BaselineShare: 0.5, Lift: 0.2}}
	if !cmp.Equal(rows, want, cmp.Comparer(func(a, b float64) bool { return math.Abs(a-b) < 1e-9 })) {
		t.Errorf("rebase: %v, want %v", rows, want)
	}
}

// TestCoversMostly: pushdown asks Loki for metric details only when the
// trouble leaves most of the range unpulled.
func TestCoversMostly(t *testing.T) {
	t0 := time.Date(2024, 11, 21, 9, 0, 0, 0, time.UTC)
	w := func(from, to time.Duration) analyzer.Window {
		return analyzer.Window{Start: t0.Add(from), End: t0.Add(to)}
	}
	for _, c := range []struct {
		name string
		ws   []analyzer.Window
		end  time.Duration
		want bool
	}{
		{"viral hour: the trouble is all of it", []analyzer.Window{w(0, time.Hour)}, time.Hour, true},
		{"one hour of six", []analyzer.Window{w(0, 80*time.Minute)}, 6 * time.Hour, false},
		{"two windows, half together", []analyzer.Window{w(0, time.Hour), w(2*time.Hour, 3*time.Hour)}, 4 * time.Hour, true},
		{"no trouble", nil, time.Hour, false},
	} {
		if got := coversMostly(c.ws, t0, t0.Add(c.end)); got != c.want {
			t.Errorf("%s: coversMostly = %v, want %v", c.name, got, c.want)
		}
	}
}

// TestCrossCheckClientsRefused: a Loki that refuses the top clients for its
// series limit leaves a note, not an error, and the other keys are still
// checked.
func TestCrossCheckClientsRefused(t *testing.T) {
	lokiErr := errors.New(`loki query: HTTP 400: maximum number of series (500) reached for a single query; consider reducing query cardinality`)
	if !seriesLimit(lokiErr) || seriesLimit(errors.New("HTTP 500: internal error")) || seriesLimit(nil) {
		t.Fatal("seriesLimit does not tell Loki's series limit from other errors")
	}
	start := time.Date(2024, 11, 21, 9, 2, 30, 0, time.UTC)
	inc := &analyzer.Incident{Start: start}
	inc.Flood.TopReferrers = []analyzer.Share{{Key: "Facebook"}, {Key: "(direct)"}}
	inc.Flood.TopPaths = []analyzer.Share{{Key: "/product/:id"}}
	inc.Flood.TopClients = []analyzer.Share{{Key: "203.0.113.9"}}
	top := &pushdownTop{from: start, to: start.Add(time.Hour),
		referrers: []keyCount{{"Facebook", 90}, {"(direct)", 10}}, paths: []keyCount{{"/product/:id", 80}}, clientsRefused: "more distinct clients than its max_query_series"}
	note := crossCheck(inc, top)
	if !strings.Contains(note, "agree") || !strings.Contains(note, "no top clients (more distinct clients than its max_query_series)") {
		t.Errorf("refused clients: note %q", note)
	}
	top.clientsRefused, top.clients = "", []keyCount{{"198.51.100.7", 50}}
	if note := crossCheck(inc, top); !strings.Contains(note, "clients: lines 203.0.113.9, Loki 198.51.100.7") {
		t.Errorf("differing clients: note %q", note)
	}
}
