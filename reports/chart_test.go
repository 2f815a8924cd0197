package reports

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/postmortem/postmortem/analyzer"
)

func TestGuardScript(t *testing.T) {
	in := `{"name":"</script><!-- & > ` + "\u2028\u2029" + `"}`
	got := guardScript([]byte(in))
	want := `{"name":"\u003c/script\u003e\u003c!-- \u0026 \u003e \u2028\u2029"}`
	if got != want {
		t.Errorf("guardScript = %s, want %s", got, want)
	}
	var a, b map[string]string
	if err := json.Unmarshal([]byte(in), &a); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(got), &b); err != nil {
		t.Fatalf("guarded JSON does not parse: %v", err)
	}
	if a["name"] != b["name"] {
		t.Errorf("guarding changed the text: %q → %q", a["name"], b["name"])
	}
}

// go-echarts deletes "__f__" from its output; label keeps log text whole.
func TestLabelSurvivesGoEchartsMarker(t *testing.T) {
	r := richReport()
	r.Series.Referrers[0].Name = `x__f__"y`
	v := newView(r, Options{})
	if err := buildCharts(v, r, newTimeFmt(time.UTC, r.Window.Start, r.Window.End)); err != nil {
		t.Fatalf("buildCharts: %v", err)
	}
	var opt struct {
		Series []struct{ Name string } `json:"series"`
	}
	if err := json.Unmarshal([]byte(v.RefChart.Option), &opt); err != nil {
		t.Fatalf("option is not JSON: %v", err)
	}
	if got := strings.ReplaceAll(opt.Series[0].Name, "\u200b", ""); got != `x__f__"y` {
		t.Errorf("series name = %q, want x__f__\"y (zero-width space aside)", opt.Series[0].Name)
	}
}

// A long window is drawn with at most maxChartPoints points a series:
// rates averaged, counts summed, latencies at their highest.
func TestChartsMergeLongSeries(t *testing.T) {
	const n = 3*maxChartPoints + 5 // 4 buckets a point, last point partial
	s := analyzer.Series{Start: t0, BucketS: 1}
	for _, p := range []*[]float64{&s.S2xx, &s.S3xx, &s.S4xx, &s.S5xx, &s.P50Ms, &s.P95Ms, &s.P99Ms, &s.InFlight, &s.FPMEvents} {
		*p = make([]float64, n)
	}
	for i := range n {
		s.S2xx[i] = float64(i % 4)  // mean 1.5 a point
		s.P95Ms[i] = float64(i % 4) // max 3 a point
		s.FPMEvents[i] = 1          // 4 a point
	}
	r := &analyzer.Report{Window: analyzer.Window{Start: t0, End: t0.Add(n * time.Second)}, Traffic: analyzer.Traffic{HasLatency: true}, Series: s}
	v := newView(r, Options{})
	if err := buildCharts(v, r, newTimeFmt(time.UTC, r.Window.Start, r.Window.End)); err != nil {
		t.Fatal(err)
	}
	type series struct {
		Name string
		Data []struct{ Value float64 }
	}
	var rps, lat, ev struct {
		XAxis  []struct{ Data []string } `json:"xAxis"`
		Series []series                  `json:"series"`
	}
	for _, c := range []struct {
		opt string
		dst any
	}{{string(v.RPSChart.Option), &rps}, {string(v.LatChart.Option), &lat}, {string(v.EventChart.Option), &ev}} {
		if err := json.Unmarshal([]byte(c.opt), c.dst); err != nil {
			t.Fatal(err)
		}
	}
	wantN := (n + 3) / 4
	if got := len(rps.Series[0].Data); got != wantN || wantN > maxChartPoints {
		t.Fatalf("rps has %d points, want %d (at most %d)", got, wantN, maxChartPoints)
	}
	if got := rps.XAxis[0].Data[1]; got != "09:30:04" {
		t.Errorf("second axis label = %q, want 09:30:04", got)
	}
	if got := rps.Series[0].Data[0].Value; got != 1.5 {
		t.Errorf("merged rate = %v, want the mean 1.5", got)
	}
	if got := lat.Series[1].Data[0].Value; got != 3 {
		t.Errorf("merged p95 = %v, want the highest, 3", got)
	}
	if got := ev.Series[0].Data[0].Value; got != 4 {
		t.Errorf("merged events = %v, want the sum 4", got)
	}
	if got := ev.Series[0].Data[wantN-1].Value; got != 1 {
		t.Errorf("last partial point = %v, want 1 (one bucket)", got)
	}
	if !strings.Contains(v.Resolution, "One point per 4 s (the report's 1 s buckets merged") {
		t.Errorf("resolution = %q", v.Resolution)
	}
}

func TestChartsFixedIDs(t *testing.T) {
	page := renderHTML(t, richReport(), Options{CDN: true})
	ids := regexp.MustCompile(`<div class="item" id="([^"]+)"`).FindAllStringSubmatch(page, -1)
	var got []string
	for _, m := range ids {
		got = append(got, m[1])
	}
	if strings.Join(got, ",") != "rps,latency,inflight,referrers,events" {
		t.Errorf("chart containers = %v, want rps,latency,inflight,referrers,events", got)
	}
}
