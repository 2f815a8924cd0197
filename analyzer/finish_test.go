package analyzer

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/postmortem/postmortem/parsers"
)

var viral = viralSpec{seconds: 9000, baseRPS: 3, surgeFrom: 3600, surgeTo: 7200, surgeRPS: 60, satFrom: 3700, killAt: 4800,
	relapseAt: 5100, recoverAt: 6600, pool: 50, errShare: 0.4}

func near(t *testing.T, what string, got time.Time, want int64, tol time.Duration) {
	t.Helper()
	w := time.Unix(t0+want, 0).UTC()
	if d := got.Sub(w); d > tol || d < -tol {
		t.Errorf("%s = %s, want %s ± %s (off by %s)", what, got.Format(time.TimeOnly), w.Format(time.TimeOnly), tol, d)
	}
}

func TestFinishViralStory(t *testing.T) {
	recs, evs := genViral(viral, 1)
	a := feed(&Options{}, recs, evs, 1, func(int) int { return 0 }, []int{0})
	rep := Finish(a, synthInputs, &Options{})

	if len(rep.Incidents) != 1 {
		t.Fatalf("incidents = %d, want 1: %+v", len(rep.Incidents), rep.Incidents)
	}
	inc := rep.Incidents[0]
	near(t, "incident start", inc.Start, viral.surgeFrom, 60*time.Second)
	if inc.End == nil {
		t.Fatalf("incident end = nil, want an end")
	}
	near(t, "incident end", *inc.End, viral.surgeTo, 120*time.Second)
	if inc.Trigger.Kind != "social-surge" {
		t.Errorf("trigger = %q, want social-surge; evidence %q", inc.Trigger.Kind, inc.Trigger.Evidence)
	}
	if len(inc.Flood.TopReferrers) == 0 || inc.Flood.TopReferrers[0].Key != "Facebook" {
		t.Errorf("top referrer = %+v, want Facebook first", inc.Flood.TopReferrers)
	}
	if len(inc.Flood.TopPaths) == 0 || inc.Flood.TopPaths[0].Key != "/photo/:id" {
		t.Errorf("top path = %+v, want /photo/:id", inc.Flood.TopPaths)
	}
	var fpm *Saturation
	for i := range inc.Saturation {
		if inc.Saturation[i].Resource == "php-fpm" && fpm == nil {
			fpm = &inc.Saturation[i]
		}
	}
	if fpm == nil {
		t.Fatalf("no php-fpm saturation: %+v", inc.Saturation)
	}
	near(t, "php-fpm saturation", fpm.Start, viral.satFrom, 60*time.Second)
	if fpm.Inferred || fpm.Limit == nil || *fpm.Limit != 50 {
		t.Errorf("php-fpm saturation inferred=%v limit=%v, want logged with limit 50", fpm.Inferred, fpm.Limit)
	}

	if len(rep.Restarts) != 2 {
		t.Fatalf("restarts = %+v, want php-fpm kill and mysql restart", rep.Restarts)
	}
	want := []struct {
		svc, kind string
		at        int64
	}{{"php-fpm", "manual", viral.killAt}, {"mysql", "manual", viral.killAt + 20}}
	for i, w := range want {
		r := rep.Restarts[i]
		if r.Service != w.svc || r.Kind != w.kind {
			t.Errorf("restart %d = %s/%s, want %s/%s", i, r.Service, r.Kind, w.svc, w.kind)
		}
		near(t, "restart "+w.svc, r.At, w.at, 10*time.Second)
		if r.RelapseAfterS == nil {
			t.Errorf("restart %d: no relapse, want one at +%d s; verdict %q", i, viral.relapseAt-w.at, r.Verdict)
		} else if d := math.Abs(*r.RelapseAfterS - float64(viral.relapseAt-w.at)); d > 60 {
			t.Errorf("restart %d relapse after %.0f s, want %d ± 60", i, *r.RelapseAfterS, viral.relapseAt-w.at)
		}
		if r.DemandFactor < 5 {
			t.Errorf("restart %d demand factor %.1f, want the surge (≥ 5×)", i, r.DemandFactor)
		}
	}
	if rep.Restarts[1].DownS < 7 || rep.Restarts[1].DownS > 9 {
		t.Errorf("mysql down %.1f s, want 8", rep.Restarts[1].DownS)
	}
	t.Logf("verdict: %s", rep.Restarts[1].Verdict)
	t.Logf("summary: %s", inc.Summary)
	if inc.Summary == "" || !bytes.Contains([]byte(inc.Summary), []byte("Facebook")) {
		t.Errorf("summary does not name Facebook: %q", inc.Summary)
	}
	var names []string
	for _, p := range inc.Phases {
		names = append(names, p.Name)
	}
	if diff := cmp.Diff([]string{"onset", "saturation", "mitigation", "relapse", "recovery"}, names); diff != "" {
		t.Errorf("phases (-want +got):\n%s", diff)
	}

	// Accounting: every line parsed.
	if got := rep.Inputs[0].Parsed; got != int64(len(recs)) {
		t.Errorf("access parsed = %d, want %d", got, len(recs))
	}
	if rep.Traffic.Requests != int64(len(recs)) {
		t.Errorf("traffic requests = %d, want %d", rep.Traffic.Requests, len(recs))
	}
	if rep.Traffic.BaselineRPS < 2 || rep.Traffic.BaselineRPS > 6 {
		t.Errorf("baseline rps %.2f, want ~4.5 (3 pages + assets)", rep.Traffic.BaselineRPS)
	}
	// Series bounded and consistent.
	if n := len(rep.Series.S2xx); n == 0 || n > maxPoints {
		t.Errorf("series points %d, want 1..%d", n, maxPoints)
	}
	var sum float64
	for i := range rep.Series.S2xx {
		sum += (rep.Series.S2xx[i] + rep.Series.S3xx[i] + rep.Series.S4xx[i] + rep.Series.S5xx[i]) * rep.Series.BucketS
	}
	if math.Abs(sum-float64(len(recs))) > 0.5 {
		t.Errorf("series sum %.0f, want %d", sum, len(recs))
	}
	// Timeline: backlog errors collapsed into few entries with counts.
	var backlog int
	for _, e := range rep.Timeline {
		if e.Kind == "nginx-backlog-full" {
			backlog++
			if e.Count < 2 || e.Until == nil || e.Evidence == "" {
				t.Errorf("backlog entry not collapsed: %+v", e)
			}
		}
	}
	if backlog != 2 {
		t.Errorf("backlog timeline entries = %d, want 2 (before the kill, and the relapse)", backlog)
	}
}

// TestMergeCommutative feeds the same records through 1 and 3 workers with
// different assignments and merge orders: the JSON must be identical.
func TestMergeCommutative(t *testing.T) {
	spec := viral
	spec.seconds, spec.surgeTo, spec.recoverAt = 6000, 5800, 5600
	recs, evs := genViral(spec, 2)
	enc := func(a *Aggregator) []byte { return finishJSON(t, a, synthInputs) }
	one := enc(feed(&Options{}, recs, evs, 1, func(int) int { return 0 }, []int{0}))
	three := enc(feed(&Options{}, recs, evs, 3, func(i int) int { return i % 3 }, []int{2, 0, 1}))
	blocks := enc(feed(&Options{}, recs, evs, 3, func(i int) int { return i * 3 / len(recs) }, []int{1, 2, 0}))
	if !bytes.Equal(one, three) {
		t.Errorf("1 worker and 3 round-robin workers differ:\n%s", cmp.Diff(string(one), string(three)))
	}
	if !bytes.Equal(one, blocks) {
		t.Errorf("1 worker and 3 block workers differ")
	}
}

func TestQuietDayNoIncident(t *testing.T) {
	// 24 h with a daily shape (0.5 … 4.5 rps) and scattered errors.
	spec := viralSpec{seconds: 86400, noSurge: true}
	recs, _ := genViral(viralSpec{seconds: 0}, 3)
	_ = spec
	var rng uint64 = 1
	for s := int64(0); s < 86400; s++ {
		rate := 2.5 + 2*math.Sin(2*math.Pi*float64(s)/86400-math.Pi/2)
		rng = rng*6364136223846793005 + 1442695040888963407
		n := int(rate)
		if float64(rng>>11)/float64(1<<53) < rate-float64(n) {
			n++
		}
		for i := 0; i < n; i++ {
			st := uint16(200)
			if (rng>>20)%500 == uint64(i) {
				st = 500
			}
			recs = append(recs, synthAccess{t: (t0+s)*1e9 + int64(i)*1e8, remote: "192.0.2.1", method: "GET", path: "/", status: st, ua: uaDesktopChrome, rtUS: 50000, upUS: 49000})
		}
	}
	a := feed(&Options{}, recs, nil, 1, func(int) int { return 0 }, []int{0})
	rep := Finish(a, synthInputs, &Options{})
	if len(rep.Incidents) != 0 {
		t.Errorf("quiet day: %d incidents, want 0: %+v", len(rep.Incidents), rep.Incidents[0])
	}
	if len(rep.Series.S2xx) > maxPoints {
		t.Errorf("24 h series has %d points, want ≤ %d", len(rep.Series.S2xx), maxPoints)
	}
}

func TestAccountingAndSkips(t *testing.T) {
	a := NewAggregator(nil)
	b := a.Clone()
	for l := int64(20); l >= 1; l-- {
		agg := a
		if l%2 == 0 {
			agg = b
		}
		agg.Skip(0, l, "bad status", []byte("line"))
	}
	r := synthAccess{t: t0 * 1e9, remote: "1.2.3.4", method: "GET", path: "/", status: 200, rtUS: 1000, upUS: parsers.NoField}
	rec := r.record()
	a.AddAccess(0, 21, &rec)
	ev := parsers.Event{Time: t0 * 1e9, Type: parsers.FPMSlowTrace, Kind: parsers.KindFPMSlow, Lines: 7}
	b.AddEvent(1, 1, &ev)
	b.Merge(a)
	rep := Finish(b, []InputInfo{{Name: "access.log"}, {Name: "slow.log"}}, nil)
	in := rep.Inputs[0]
	if in.Lines != 21 || in.Parsed != 1 || in.Skipped != 20 {
		t.Errorf("access lines/parsed/skipped = %d/%d/%d, want 21/1/20", in.Lines, in.Parsed, in.Skipped)
	}
	var lines []int64
	for _, s := range in.SkipReasons[0].Samples {
		lines = append(lines, s.Line)
	}
	if diff := cmp.Diff([]int64{1, 2, 3, 4, 5}, lines); diff != "" {
		t.Errorf("samples (-want +got):\n%s", diff)
	}
	if rep.Inputs[1].Lines != 7 || rep.Inputs[1].Parsed != 7 {
		t.Errorf("slow log lines %d parsed %d, want 7/7 (multi-line record)", rep.Inputs[1].Lines, rep.Inputs[1].Parsed)
	}
}

func TestInFlightExact(t *testing.T) {
	a := NewAggregator(nil)
	// One request from 2.3 to 4.6 s, one from 2.3 to 2.5 s.
	for _, r := range []synthAccess{
		{t: (t0+4)*1e9 + 6e8, rtUS: 2300000, status: 200, method: "GET", path: "/", remote: "a", upUS: parsers.NoField},
		{t: (t0+2)*1e9 + 5e8, rtUS: 200000, status: 200, method: "GET", path: "/", remote: "a", upUS: parsers.NoField},
	} {
		rec := r.record()
		a.AddAccess(0, 1, &rec)
	}
	st := buildState(a, nil, &Options{})
	got := map[int64]float64{}
	for i, p := range st.Points {
		got[st.Start+int64(i)-t0] = math.Round(p.InFlight*1000) / 1000
	}
	want := map[int64]float64{2: 0.9, 3: 1, 4: 0.6}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("in-flight per second (-want +got):\n%s", diff)
	}
}

func TestAddAccessNoAllocs(t *testing.T) {
	a := NewAggregator(nil)
	r := synthAccess{t: t0 * 1e9, remote: "192.0.2.7", method: "GET", path: "/photo/4711", status: 200, ref: "https://l.facebook.com/", ua: uaFBApp, rtUS: 12000, upUS: 11000, xff: "-"}
	rec := r.record()
	a.AddAccess(0, 1, &rec) // first sight of the keys allocates
	allocs := testing.AllocsPerRun(200, func() { a.AddAccess(0, 2, &rec) })
	if allocs != 0 {
		t.Errorf("AddAccess with known keys: %.1f allocs, want 0", allocs)
	}
}

// TestWorkersConcurrent runs one Aggregator per goroutine, as the CLI's
// pipeline does, and merges them: run with -race; the result equals the
// single-worker one.
func TestWorkersConcurrent(t *testing.T) {
	spec := viral
	spec.seconds, spec.surgeTo, spec.recoverAt, spec.baseRPS, spec.surgeRPS = 5400, 5200, 5000, 2, 20
	recs, evs := genViral(spec, 7)
	const workers = 4
	aggs := make([]*Aggregator, workers)
	root := NewAggregator(&Options{})
	done := make(chan int)
	for w := 0; w < workers; w++ {
		aggs[w] = root.Clone()
		go func(w int) {
			var r parsers.Access
			for i := w; i < len(recs); i += workers {
				r = recs[i].record()
				aggs[w].AddAccess(0, int64(i+1), &r)
			}
			for i := w; i < len(evs); i += workers {
				aggs[w].AddEvent(inputOfKind(evs[i].Kind), int64(i+1), &evs[i])
			}
			done <- w
		}(w)
	}
	for range workers {
		root.Merge(aggs[<-done]) // merge order follows scheduling
	}
	got, _ := json.Marshal(Finish(root, synthInputs, &Options{}))
	single := feed(&Options{}, recs, nil, 1, func(int) int { return 0 }, []int{0})
	for i := range evs {
		single.AddEvent(inputOfKind(evs[i].Kind), int64(i+1), &evs[i])
	}
	want, _ := json.Marshal(Finish(single, synthInputs, &Options{}))
	if !bytes.Equal(got, want) {
		t.Errorf("concurrent workers differ from one worker:\n%s", cmp.Diff(string(want), string(got)))
	}
}

func TestFinishEdgeCases(t *testing.T) {
	t.Run("nothing at all", func(t *testing.T) {
		rep := Finish(NewAggregator(nil), nil, nil)
		if rep.SchemaVersion != 1 || len(rep.Incidents) != 0 || rep.Inputs == nil || rep.Timeline == nil {
			t.Errorf("empty report = %+v", rep)
		}
	})
	t.Run("error logs only", func(t *testing.T) {
		a := NewAggregator(nil)
		for i, e := range []parsers.Event{
			{Time: t0 * 1e9, Kind: parsers.KindMySQLError, Type: parsers.MySQLReady, Num: [4]int64{3306}, Lines: 1},
			{Time: (t0 + 100) * 1e9, Kind: parsers.KindMySQLError, Type: parsers.MySQLShutdownRequest, Lines: 1},
			{Time: (t0 + 104) * 1e9, Kind: parsers.KindMySQLError, Type: parsers.MySQLReady, Num: [4]int64{3306}, Lines: 1},
		} {
			a.AddEvent(3, int64(i+1), &e)
		}
		rep := Finish(a, synthInputs, nil)
		if len(rep.Restarts) != 1 || !bytes.Contains([]byte(rep.Restarts[0].Verdict), []byte("no access log")) {
			t.Errorf("restarts = %+v, want one whose verdict says the access log is missing", rep.Restarts)
		}
		if rep.Inputs[3].Parsed != 3 || len(rep.Timeline) == 0 {
			t.Errorf("mysql parsed %d, timeline %d entries", rep.Inputs[3].Parsed, len(rep.Timeline))
		}
	})
	t.Run("records outside --since/--until", func(t *testing.T) {
		o := &Options{Since: unixUTC(t0 + 1000), Until: unixUTC(t0 + 2000)}
		a := NewAggregator(o)
		for s := int64(0); s < 3000; s += 10 {
			r := synthAccess{t: (t0 + s) * 1e9, remote: "192.0.2.1", method: "GET", path: "/", status: 200, rtUS: 1000, upUS: 900}
			rec := r.record()
			a.AddAccess(0, s+1, &rec)
		}
		rep := Finish(a, synthInputs, o)
		if rep.Traffic.Requests != 101 || rep.Inputs[0].Parsed != 300 {
			t.Errorf("requests %d parsed %d, want 101 inside the window of 300 parsed", rep.Traffic.Requests, rep.Inputs[0].Parsed)
		}
		if !rep.Window.Start.Equal(o.Since) || !rep.Window.End.Equal(o.Until) {
			t.Errorf("window %v, want the --since/--until range", rep.Window)
		}
	})
}

// TestFinishTriggers runs the whole analyzer over synthetic outages of
// each population and checks the trigger kind.
func TestFinishTriggers(t *testing.T) {
	base := viralSpec{seconds: 4200, baseRPS: 3, surgeFrom: 1800, surgeTo: 3600, surgeRPS: 40, satFrom: 1900, killAt: 0,
		relapseAt: 0, recoverAt: 0, pool: 20, errShare: 0.3}
	base.killAt = 3400 // saturated from 1900 until the surge fades
	tests := []struct {
		name string
		mod  func(s *viralSpec)
		want string
	}{
		{"facebook surge", func(s *viralSpec) {}, "social-surge"},
		{"curl from four addresses", func(s *viralSpec) { s.bot = true }, "bot-flood"},
		{"browsers from three addresses", func(s *viralSpec) { s.few = true }, "few-sources"},
		{"registration rush", func(s *viralSpec) { s.writeRush = true; s.surgeRPS = 60 }, "launch-rush"},
		{"database down, traffic unchanged", func(s *viralSpec) { s.noSurge = true; s.errShare = 0.5 }, "backend-failure"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			spec := base
			tc.mod(&spec)
			recs, evs := genViral(spec, 11)
			// Saturation ends at killAt; the kill and restart events are dropped.
			kept := evs[:0]
			for _, e := range evs {
				if e.Type != parsers.FPMChildExited && e.Type != parsers.FPMChildStarted && e.Time < (t0+spec.killAt)*1e9 || e.Time < (t0+10)*1e9 {
					kept = append(kept, e)
				}
			}
			a := feed(&Options{}, recs, kept, 1, func(int) int { return 0 }, []int{0})
			rep := Finish(a, synthInputs, &Options{})
			if len(rep.Incidents) != 1 {
				t.Fatalf("incidents = %d, want 1", len(rep.Incidents))
			}
			tr := rep.Incidents[0].Trigger
			if tr.Kind != tc.want {
				t.Errorf("trigger = %s (%.2f) %q, want %s", tr.Kind, tr.Confidence, tr.Evidence, tc.want)
			}
			if len(tr.Evidence) == 0 {
				t.Errorf("no evidence")
			}
		})
	}
}

func TestSummaryAbsorbedSurge(t *testing.T) {
	spec := viralSpec{seconds: 4200, baseRPS: 3, surgeFrom: 1800, surgeTo: 3000, surgeRPS: 30, satFrom: -1, killAt: -1, relapseAt: -1, recoverAt: -1, pool: 20}
	recs, _ := genViral(spec, 5)
	rep := Finish(feed(&Options{}, recs, nil, 1, func(int) int { return 0 }, []int{0}), synthInputs, &Options{})
	if len(rep.Incidents) != 1 {
		t.Fatalf("incidents = %d, want the surge", len(rep.Incidents))
	}
	if s := rep.Incidents[0].Summary; !strings.Contains(s, "kept answering") || strings.Contains(s, "in trouble") {
		t.Errorf("summary of an absorbed surge: %q", s)
	}
}
