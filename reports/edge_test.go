package reports

import (
	"bytes"
	"html"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/postmortem/postmortem/analyzer"
)

// Reports with little or odd data still render every form, and say so.
func TestEmptyReport(t *testing.T) {
	r := &analyzer.Report{}
	page := html.UnescapeString(renderHTML(t, r, Options{CDN: true}))
	for _, want := range []string{"No incident", "No access-log data to chart.", "No inputs.", "No events."} {
		if !strings.Contains(page, want) {
			t.Errorf("empty page lacks %q", want)
		}
	}
	if strings.Contains(page, `draw("`) {
		t.Error("empty page draws a chart")
	}
	if md := renderMD(t, r, Options{}); !strings.Contains(md, "No incident") {
		t.Error("empty markdown does not say there was no incident")
	}
	var buf bytes.Buffer
	if err := WriteJSON(&buf, r); err != nil {
		t.Fatal(err)
	}
}

func TestNilReport(t *testing.T) {
	var buf bytes.Buffer
	for name, err := range map[string]error{
		"html":     WriteHTML(&buf, nil, Options{}),
		"markdown": WriteMarkdown(&buf, nil, Options{}),
		"json":     WriteJSON(&buf, nil),
		"csv":      WriteWritesCSV(&buf, nil),
	} {
		if err == nil {
			t.Errorf("%s: no error for a nil report", name)
		}
	}
	if buf.Len() != 0 {
		t.Errorf("wrote %d bytes for nil reports", buf.Len())
	}
}

func TestTwoIncidentsOneOngoing(t *testing.T) {
	r := richReport()
	second := r.Incidents[0]
	second.Start = at(55, 0)
	second.End = nil
	second.Phases = nil
	second.Summary = ""
	second.Impact = analyzer.Impact{FailedRequests: 100, ErrorRate: 0.05, AffectedClients: 30}
	r.Incidents = append(r.Incidents, second)
	page := html.UnescapeString(renderHTML(t, r, Options{CDN: true}))
	for _, want := range []string{
		"2 incidents; the worst, 09:46:10 to 10:22:30 (36 min 20 s), was caused by",
		"Incident 2: From 10:25:00 until the logs end, 100 requests failed (5% of requests) and 30 clients got at least one error.",
		"<h3>Incident 2: from 10:25:00, still ongoing when the logs end</h3>",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	// The ongoing incident without phases is shaded to the end of the chart.
	if !strings.Contains(page, `"name":"incident 2"`) {
		t.Error("the ongoing incident is not shaded on the requests chart")
	}
}

// Series of uneven length, NaN and infinities draw as zeros and do not
// break the page; instants outside the window clamp to its edges.
func TestOddSeries(t *testing.T) {
	r := richReport()
	r.Series.P50Ms = r.Series.P50Ms[:10] // shorter than the rest: no latency chart
	r.Series.S5xx[3] = math.NaN()
	r.Series.S4xx[4] = math.Inf(1)
	r.Restarts[0].At = t0.Add(-time.Hour)
	r.Restarts[1].At = t0.Add(48 * time.Hour)
	page := html.UnescapeString(renderHTML(t, r, Options{CDN: true}))
	if !strings.Contains(page, "The access log has no request time") {
		t.Error("a short latency series still drew a chart")
	}
	if strings.Contains(page, "NaN") || strings.Contains(page, "Inf") {
		t.Error("NaN or Inf reached the page")
	}
	if !strings.Contains(page, `"name":"php-fpm manual restart","xAxis":0`) || !strings.Contains(page, `"name":"mysql crash restart","xAxis":359`) {
		t.Error("restarts outside the window are not clamped to its edges")
	}
}
