package reports

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/postmortem/postmortem/analyzer"
)

func renderJSON(t *testing.T, r *analyzer.Report) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteJSON(&buf, r); err != nil {
		t.Fatalf("WriteJSON: %v", err)
	}
	return buf.Bytes()
}

// TestJSONGolden compares the JSON with the golden files as a contract:
// every field and value of the golden file must be in the output, in the
// same lists; fields the analyzer adds later ("more fields may be added")
// do not fail it. -update rewrites the files with the full output.
func TestJSONGolden(t *testing.T) {
	for _, tc := range []struct {
		name string
		r    *analyzer.Report
	}{{"rich.json", richReport()}, {"quiet.json", quietReport()}} {
		got := renderJSON(t, tc.r)
		if *update {
			checkGolden(t, tc.name, got)
			continue
		}
		wantB, err := os.ReadFile(filepath.Join("testdata", "golden", tc.name))
		if err != nil {
			t.Fatalf("%v (create it with: go test ./reports -run TestJSONGolden -update)", err)
		}
		var want, have any
		if err := json.Unmarshal(wantB, &want); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(got, &have); err != nil {
			t.Fatal(err)
		}
		if path, ok := jsonContains(want, have, ""); !ok {
			t.Errorf("%s: the output differs from the golden file at %s\nIf the change is intended: go test ./reports -run TestJSONGolden -update", tc.name, path)
		}
	}
}

// jsonContains reports whether got has every field of want with the same
// value (recursively; lists element by element), and where it first does
// not.
func jsonContains(want, got any, path string) (string, bool) {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return path, false
		}
		keys := make([]string, 0, len(w))
		for k := range w {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			gv, ok := g[k]
			if !ok {
				return path + "." + k + " (missing)", false
			}
			if p, ok := jsonContains(w[k], gv, path+"."+k); !ok {
				return p, false
			}
		}
		return "", true
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return path + " (length)", false
		}
		for i := range w {
			if p, ok := jsonContains(w[i], g[i], fmt.Sprintf("%s[%d]", path, i)); !ok {
				return p, false
			}
		}
		return "", true
	default:
		if want != got {
			return fmt.Sprintf("%s: %v, want %v", path, got, want), false
		}
		return "", true
	}
}

func TestJSONDeterministic(t *testing.T) {
	if a, b := renderJSON(t, richReport()), renderJSON(t, richReport()); !bytes.Equal(a, b) {
		t.Fatalf("two renders differ:\n%s", firstDiff(string(a), string(b)))
	}
}

func TestJSONRoundTrip(t *testing.T) {
	in := richReport()
	var out analyzer.Report
	if err := json.Unmarshal(renderJSON(t, in), &out); err != nil {
		t.Fatal(err)
	}
	// JSON text is UTF-8: invalid bytes of a skipped line come back as
	// U+FFFD, and everything else comes back as it went in.
	sample := &in.Inputs[0].SkipReasons[0].Samples[0]
	sample.Text = strings.ToValidUTF8(sample.Text, "\uFFFD")
	if d := cmp.Diff(in, &out); d != "" {
		t.Errorf("report changed through JSON (-in +out):\n%s", d)
	}
}

// TestJSONContract checks the field names and the shape DESIGN.md section 5
// fixes: consumers rely on them.
func TestJSONContract(t *testing.T) {
	b := renderJSON(t, richReport())
	if !bytes.HasPrefix(b, []byte("{\n  \"schema_version\": 1,\n")) {
		t.Errorf("schema_version is not the first field: %.60q", b)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	has := func(path string, obj any, keys ...string) {
		t.Helper()
		m, ok := obj.(map[string]any)
		if !ok {
			t.Errorf("%s is %T, want an object", path, obj)
			return
		}
		for _, k := range keys {
			if _, ok := m[k]; !ok {
				t.Errorf("%s lacks %q", path, k)
			}
		}
	}
	first := func(v any) any {
		a, ok := v.([]any)
		if !ok || len(a) == 0 {
			t.Fatalf("want a non-empty list, got %T", v)
		}
		return a[0]
	}
	get := func(v any, k string) any { return v.(map[string]any)[k] }

	has("report", doc, "schema_version", "window", "inputs", "traffic", "incidents", "restarts",
		"retry_storm", "ambiguous_writes", "capacity", "timeline")
	has("window", doc["window"], "start", "end")
	in := first(doc["inputs"])
	has("inputs[0]", in, "name", "kind", "format", "tz", "lines", "parsed", "skipped", "skip_reasons", "first", "last")
	sr := first(get(in, "skip_reasons"))
	has("skip_reasons[0]", sr, "reason", "count", "samples")
	has("samples[0]", first(get(sr, "samples")), "line", "text")
	has("traffic", doc["traffic"], "requests", "baseline_rps", "peak_rps", "peak_at", "status")
	has("traffic.status", get(doc["traffic"], "status"), "2xx", "3xx", "4xx", "5xx")
	inc := first(doc["incidents"])
	has("incidents[0]", inc, "start", "end", "peak_at", "trigger", "flood", "saturation", "impact")
	has("trigger", get(inc, "trigger"), "kind", "confidence", "evidence")
	has("flood", get(inc, "flood"), "peak_rps", "baseline_rps", "factor", "distinct_clients",
		"top_referrers", "top_paths", "top_clients", "user_agent_classes")
	has("top_referrers[0]", first(get(get(inc, "flood"), "top_referrers")), "key", "requests", "share", "baseline_share")
	has("saturation[0]", first(get(inc, "saturation")), "resource", "start", "end", "limit", "evidence")
	has("impact", get(inc, "impact"), "failed_requests", "error_rate", "affected_clients", "degraded_s")
	rs := first(doc["restarts"])
	has("restarts[0]", rs, "at", "service", "kind", "down_s", "before", "after", "relapse_after_s", "verdict", "evidence")
	has("restarts[0].before", get(rs, "before"), "rps", "error_rate", "p95_ms")
	has("retry_storm", doc["retry_storm"], "detected", "amplification", "retry_share")
	has("ambiguous_writes", doc["ambiguous_writes"], "count", "clients", "retried_ok", "by_endpoint")
	has("by_endpoint[0]", first(get(doc["ambiguous_writes"], "by_endpoint")), "method", "path", "count")
	has("capacity", doc["capacity"], "sustainable_rps", "peak_demand_rps", "workers_needed", "recommendations")
	has("recommendations[0]", first(get(doc["capacity"], "recommendations")), "id", "title", "current", "recommended", "formula", "effect", "config")
	has("timeline[0]", first(doc["timeline"]), "at", "until", "source", "kind", "severity", "count", "message")

	// Times are RFC 3339 UTC.
	if s := get(doc["window"], "start"); s != "2026-03-14T09:30:00Z" {
		t.Errorf("window.start = %v, want 2026-03-14T09:30:00Z", s)
	}
	// A restart without relapse has relapse_after_s null, not 0.
	if v := get(doc["restarts"].([]any)[1], "relapse_after_s"); v != nil {
		t.Errorf("relapse_after_s of a restart without relapse = %v, want null", v)
	}
}

func TestJSONQuietDayLists(t *testing.T) {
	b := renderJSON(t, &analyzer.Report{Window: analyzer.Window{Start: t0, End: t0.Add(time.Hour)}})
	for _, want := range []string{`"schema_version": 1,`, `"incidents": [],`, `"restarts": [],`, `"timeline": [],`, `"inputs": [],`, `"capacity": null,`} {
		if !bytes.Contains(b, []byte(want)) {
			t.Errorf("JSON lacks %s", want)
		}
	}
}

func TestJSONRejectsNonFinite(t *testing.T) {
	r := richReport()
	r.Incidents[0].Flood.TopReferrers[0].Lift = math.Inf(1)
	var buf bytes.Buffer
	err := WriteJSON(&buf, r)
	if err == nil || !strings.Contains(err.Error(), "write json") {
		t.Fatalf("WriteJSON with +Inf: err = %v, want a write json error", err)
	}
}

func TestWritesCSV(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteWritesCSV(&buf, richReport()); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatalf("output is not CSV: %v", err)
	}
	want := [][]string{
		{"time", "client", "method", "path", "status", "reason", "retry_result"},
		{"2026-03-14T09:50:05Z", "198.51.100.4", "POST", "/comment", "504", "504 after upstream timeout", "succeeded"},
		{"2026-03-14T09:51:07Z", "'=cmd|' /C calc'!A0", "POST", "/" + xss, "499", "499", "none"},
	}
	if !reflect.DeepEqual(rows, want) {
		t.Errorf("CSV rows:\n%q\nwant\n%q", rows, want)
	}

	buf.Reset()
	if err := WriteWritesCSV(&buf, quietReport()); err != nil {
		t.Fatal(err)
	}
	if got := buf.String(); got != "time,client,method,path,status,reason,retry_result\n" {
		t.Errorf("CSV without writes = %q, want the header only", got)
	}
}

func TestJSONContains(t *testing.T) {
	parse := func(s string) any {
		var v any
		if err := json.Unmarshal([]byte(s), &v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	want := parse(`{"a": 1, "l": [{"k": "x"}]}`)
	for _, tc := range []struct {
		got string
		ok  bool
	}{
		{`{"a": 1, "l": [{"k": "x"}]}`, true},
		{`{"a": 1, "b": 2, "l": [{"k": "x", "new": true}]}`, true}, // added fields
		{`{"a": 2, "l": [{"k": "x"}]}`, false},
		{`{"l": [{"k": "x"}]}`, false},
		{`{"a": 1, "l": [{"k": "x"}, {"k": "y"}]}`, false},
		{`{"a": 1, "l": [{"k": "y"}]}`, false},
	} {
		if _, ok := jsonContains(want, parse(tc.got), ""); ok != tc.ok {
			t.Errorf("jsonContains(%s) = %v, want %v", tc.got, ok, tc.ok)
		}
	}
}
