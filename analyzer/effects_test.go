package analyzer

import (
	"strings"
	"testing"
)

func TestHumanDur(t *testing.T) {
	for s, want := range map[float64]string{0: "0 s", 40.4: "40 s", 60: "1 min", 292: "4 min 52 s", 3600: "1 h", 7500: "2 h 5 min"} {
		if got := humanDur(s); got != want {
			t.Errorf("humanDur(%v) = %q, want %q", s, got, want)
		}
	}
}

// TestEffects builds a State by hand: a surge with errors, a restart that
// clears them for five minutes, then a new saturation while demand stays.
func TestEffects(t *testing.T) {
	const n = 3600
	st := &State{Opts: &Options{}, Start: t0, End: t0 + n - 1, Step: 1, Points: make([]Point, n)}
	for i := range st.Points {
		p := &st.Points[i]
		switch {
		case i < 600:
			p.Req, p.S2xx = 5, 5
		case i < 1200 || (i >= 1500 && i < 3000):
			p.Req, p.S2xx, p.S5xx = 100, 60, 40
		default: // 1200..1500 cleared, 3000.. recovered
			p.Req, p.S2xx = 100, 100
		}
	}
	st.Baseline = Baseline{RPS: 5}
	st.Spans = []Span{{Start: t0 + 600, End: t0 + 3000, ImpactStart: t0 + 600, ImpactEnd: t0 + 3000}}
	st.Saturations = []Saturation{{Resource: "php-fpm", Start: unixUTC(t0 + 610)}, {Resource: "php-fpm", Start: unixUTC(t0 + 1500)}}
	st.Restarts = []Restart{
		{At: unixUTC(t0 + 1200), Service: "mysql", Kind: "manual", DownS: 4},
		{At: unixUTC(t0 + 3300), Service: "php-fpm", Kind: "reload"},
	}
	effects(st)
	r := st.Restarts[0]
	if r.RelapseAfterS == nil || *r.RelapseAfterS != 300 {
		t.Fatalf("relapse = %v, want 300 s; verdict %q", r.RelapseAfterS, r.Verdict)
	}
	if r.Before.ErrorRate < 0.39 || r.After.ErrorRate > 0.01 || r.DemandFactor < 19 {
		t.Errorf("before %+v after %+v demand %.1f", r.Before, r.After, r.DemandFactor)
	}
	want := "The MySQL restart at 09:20 cleared errors for 4 min 56 s; demand was still 20× normal, so PHP workers saturated again at 09:25."
	if r.Verdict != want {
		t.Errorf("verdict\n got %q\nwant %q", r.Verdict, want)
	}
	if r2 := st.Restarts[1]; r2.RelapseAfterS != nil || !strings.Contains(r2.Verdict, "answering normally") {
		t.Errorf("reload after recovery: relapse %v, verdict %q", r2.RelapseAfterS, r2.Verdict)
	}
}
