package reports

import (
	"fmt"
	"html/template"
	"strings"
	"time"

	"github.com/postmortem/postmortem/analyzer"
)

// view is the display model shared by the HTML template and the Markdown
// writer: every field is a ready-to-print string or a list of them, in the
// order the page shows them. The template only ranges, tests and prints.
type view struct {
	Title     string
	Generated string // "" when Options.Generated is zero
	Zone      string // "UTC", "Europe/Berlin (CET, UTC+01:00)"
	Window    string // "Mon 2 Jan 2026 09:00:00 UTC to 12:00:00"

	// Section 1: summary.
	Quiet      bool
	Headline   string
	Summary    []string // plain-language paragraphs
	Why        []string // trigger evidence for the first screen
	Held       []string // what the restarts did
	KeyFigures []figureView
	Warnings   []string

	Incidents []incidentView
	Traffic   []figureView

	// Sections 2 to 4: charts by fixed ID, with a note when there is no data.
	Charts      []chartView
	RPSChart    chartView
	LatChart    chartView
	FlightChart chartView
	RefChart    chartView
	EventChart  chartView
	Resolution  string // "One point per 10 s."
	SlowQueries []queryView
	Saturated   bool // some incident has a saturated resource

	Restarts   []restartView
	RetryStorm string // "" when not detected
	RetryEvid  []string
	Ambiguous  ambiguousView
	Capacity   *capacityView
	Timeline   []timelineView
	Inputs     []inputView
	Totals     string
	Zones      []string
	Notes      []string

	// HTML only: the ECharts library inline, or its CDN address.
	ECharts    template.JS
	EChartsURL string
}

type figureView struct {
	Label string
	Value string
	Note  string
}

type incidentView struct {
	Name       string // "Incident 1"
	Span       string // "10:02:13 to 10:47:00"
	Duration   string
	Trigger    string // plain label
	Confidence string
	Evidence   []string
	Phases     []phaseView
	Saturation []saturationView
	Impact     []figureView
	Flood      []figureView
	Tables     []shareTable
}

type phaseView struct {
	Name, From, To, Duration, Class string
}

type saturationView struct {
	Resource string
	From     string
	To       string
	Limit    string
	How      string // "logged" or "inferred"
	Evidence []string
}

type shareTable struct {
	Title string
	Rows  []shareRow
}

type shareRow struct {
	Key, Requests, Share, Baseline, Lift string
	Hot                                  bool // 1% of requests or more, and a lift of 3 or more or new
}

type restartView struct {
	At, Service, Kind, Down string
	BeforeRPS, AfterRPS     string
	BeforeErr, AfterErr     string
	BeforeP95, AfterP95     string
	Relapse                 string
	Relapsed                bool
	Demand                  string
	Verdict                 string
	Evidence                []string
}

type ambiguousView struct {
	Any       bool
	Sentence  string
	Figures   []figureView
	Endpoints []endpointView
	Sample    []writeView
	More      string // "and 120 more in the CSV export"
}

type endpointView struct {
	Method, Path, Count, Retried, RetriedOK string
}

type writeView struct {
	At, Client, Method, Path, Status, Reason, Retry string
}

type capacityView struct {
	Figures []figureView
	Inputs  []capFigureView
	Recs    []recView
}

type capFigureView struct {
	Name, Value, Source, Confidence, Formula string
}

type recView struct {
	ID, Title, Current, Recommended, Formula, Effect, Cost string
	ErrorRate, P95                                         string
	Chosen                                                 bool
	Config                                                 string
}

type timelineView struct {
	At, Until, Source, Kind, Severity, Count, Message, Evidence string
	SourcePath                                                  string // Source before shortening
	Class                                                       string // sev-info …
}

type queryView struct {
	Fingerprint, Count, Total, Mean, P95, Rows, Example string
}

type inputView struct {
	Name, Kind, Format, TZ, Lines, Parsed, Skipped, SkipShare, Span string
	Reasons                                                         []reasonView
	Warnings                                                        []string
}

type reasonView struct {
	Reason, Count string
	Samples       []sampleView
}

type sampleView struct {
	Line, Text string
}

// maxWriteRows bounds the ambiguous-write rows shown in the page; all of
// them go to the CSV export.
const maxWriteRows = 20

var phaseClasses = map[string]string{
	"onset": "ph-onset", "saturation": "ph-saturation", "mitigation": "ph-mitigation",
	"relapse": "ph-relapse", "recovery": "ph-recovery",
}

func sevClass(s string) string {
	switch s {
	case "info", "warning", "error", "critical":
		return "sev-" + s
	}
	return "sev-info"
}

// newView builds the display model. It formats; it does not decide: every
// judgement (incident or not, trigger, verdict) comes from the Report.
func newView(r *analyzer.Report, o Options) *view {
	loc := o.location()
	tf := newTimeFmt(loc, r.Window.Start, r.Window.End)
	v := &view{
		Title:    r.Title,
		Zone:     zoneName(loc, r.Window.Start),
		Quiet:    len(r.Incidents) == 0,
		Warnings: r.Warnings,
		Notes:    r.Notes,
	}
	if v.Title == "" {
		v.Title = "Outage report"
		if v.Quiet {
			v.Title = "Server log report"
		}
	}
	if !o.Generated.IsZero() {
		v.Generated = tf.full(o.Generated)
	}
	if !r.Window.Start.IsZero() {
		v.Window = tf.full(r.Window.Start) + " to " + tf.clock(r.Window.End) +
			" (" + fmtDuration(r.Window.End.Sub(r.Window.Start).Seconds()) + ")"
	}

	for i := range r.Incidents {
		v.Incidents = append(v.Incidents, newIncidentView(i, &r.Incidents[i], tf, len(r.Incidents)))
		v.Saturated = v.Saturated || len(r.Incidents[i].Saturation) > 0
	}
	for i := range r.Restarts {
		v.Restarts = append(v.Restarts, newRestartView(&r.Restarts[i], tf))
	}
	summarize(v, r, tf)
	v.Traffic = trafficFigures(&r.Traffic, tf)
	if rs := r.RetryStorm; rs.Detected {
		s := fmt.Sprintf("Clients retried failed requests: %s of the traffic were retries, and each client sent %s times its usual number of requests.",
			fmtPct(rs.RetryShare), fmtNum(rs.Amplification))
		if rs.Start != nil && rs.End != nil {
			s = fmt.Sprintf("From %s to %s clients retried failed requests: %s of the traffic were retries (%s), and each client sent %s times its usual number of requests.",
				tf.clock(*rs.Start), tf.clock(*rs.End), fmtPct(rs.RetryShare), countNoun(rs.Retries, "request", "requests"), fmtNum(rs.Amplification))
		}
		v.RetryStorm = s
		v.RetryEvid = printables(rs.Evidence)
	}
	v.Ambiguous = newAmbiguousView(&r.AmbiguousWrites, tf)
	if r.Capacity != nil {
		v.Capacity = newCapacityView(r.Capacity)
	}
	for _, q := range r.SlowQueries {
		v.SlowQueries = append(v.SlowQueries, queryView{
			Fingerprint: printable(q.Fingerprint), Count: fmtCount(q.Count),
			Total: fmtDuration(q.TotalS), Mean: fmtDuration(q.MeanS), P95: fmtDuration(q.P95S),
			Rows: fmtCount(q.RowsExamined), Example: printable(q.Example),
		})
	}
	for _, e := range r.Timeline {
		t := timelineView{
			At: tf.clock(e.At), Source: shortSource(e.Source), SourcePath: e.Source, Kind: e.Kind, Severity: e.Severity,
			Message: printable(e.Message), Evidence: printable(e.Evidence), Class: sevClass(e.Severity),
		}
		if e.Until != nil && !e.Until.Equal(e.At) {
			t.Until = tf.clock(*e.Until)
		}
		if e.Count > 1 {
			t.Count = "×" + fmtCount(e.Count)
		}
		v.Timeline = append(v.Timeline, t)
	}
	dataQuality(v, r, tf)
	return v
}

func newIncidentView(i int, in *analyzer.Incident, tf timeFmt, n int) incidentView {
	iv := incidentView{
		Name:     "Incident",
		Trigger:  triggerLabel(in.Trigger.Kind),
		Evidence: printables(in.Trigger.Evidence),
	}
	if n > 1 {
		iv.Name = fmt.Sprintf("Incident %d", i+1)
	}
	if in.Trigger.Confidence > 0 {
		iv.Confidence = fmtPct(in.Trigger.Confidence)
	}
	if in.End != nil {
		iv.Span = tf.clock(in.Start) + " to " + tf.clock(*in.End)
		iv.Duration = fmtDuration(in.End.Sub(in.Start).Seconds())
	} else {
		iv.Span = "from " + tf.clock(in.Start) + ", still ongoing when the logs end"
		iv.Duration = "ongoing"
	}
	for _, p := range in.Phases {
		iv.Phases = append(iv.Phases, phaseView{
			Name: p.Name, From: tf.clock(p.Start), To: tf.clock(p.End),
			Duration: fmtDuration(p.End.Sub(p.Start).Seconds()), Class: phaseClasses[p.Name],
		})
	}
	for _, s := range in.Saturation {
		sv := saturationView{Resource: s.Resource, From: tf.clock(s.Start), How: "logged", Evidence: printables(s.Evidence)}
		if s.End != nil {
			sv.To = tf.clock(*s.End)
		} else {
			sv.To = "end of logs"
		}
		if s.Limit != nil {
			sv.Limit = fmtCount(*s.Limit)
		}
		if s.Inferred {
			sv.How = "inferred"
		}
		iv.Saturation = append(iv.Saturation, sv)
	}
	im := in.Impact
	iv.Impact = []figureView{
		{Label: "Failed requests", Value: fmtCount(im.FailedRequests), Note: fmtPct(im.ErrorRate) + " of requests"},
		{Label: "Clients with errors", Value: fmtCount(im.AffectedClients)},
		{Label: "Degraded for", Value: fmtDuration(im.DegradedS)},
	}
	f := in.Flood
	iv.Flood = []figureView{
		{Label: "Peak demand", Value: fmtRPS(f.PeakRPS), Note: fmtFactor(f.Factor) + " normal"},
		{Label: "Normal rate", Value: fmtRPS(f.BaselineRPS)},
		{Label: "Distinct clients", Value: fmtCount(f.DistinctClients), Note: fmtPct(f.NewClientShare) + " new"},
	}
	for _, t := range []struct {
		title string
		rows  []analyzer.Share
	}{
		{"Referrer networks", f.TopReferrers},
		{"Landing paths", f.TopPaths},
		{"User-agent classes", f.UserAgentClasses},
		{"Clients", f.TopClients},
		{"Network prefixes", f.TopPrefixes},
	} {
		if len(t.rows) == 0 {
			continue
		}
		st := shareTable{Title: t.title}
		for _, s := range t.rows {
			st.Rows = append(st.Rows, shareRow{
				Key: printable(s.Key), Requests: fmtCount(s.Requests), Share: fmtPct(s.Share),
				Baseline: fmtPct(s.BaselineShare), Lift: fmtLift(s.Lift, s.BaselineShare),
				Hot: s.Share >= 0.01 && (s.Lift >= 3 || s.BaselineShare == 0),
			})
		}
		iv.Tables = append(iv.Tables, st)
	}
	return iv
}

func healthStrings(h analyzer.Health) (rps, errRate, p95 string) {
	rps, errRate, p95 = fmtRPS(h.RPS), fmtPct(h.ErrorRate), "–"
	if h.P95Ms > 0 {
		p95 = fmtMs(h.P95Ms)
	}
	return
}

func newRestartView(rs *analyzer.Restart, tf timeFmt) restartView {
	v := restartView{
		At: tf.clock(rs.At), Service: rs.Service, Kind: rs.Kind, Down: fmtDuration(rs.DownS),
		Verdict: rs.Verdict, Evidence: printables(rs.Evidence), Relapse: "no relapse in the logs",
	}
	if rs.Kind == "" {
		v.Kind = "unknown"
	}
	v.BeforeRPS, v.BeforeErr, v.BeforeP95 = healthStrings(rs.Before)
	v.AfterRPS, v.AfterErr, v.AfterP95 = healthStrings(rs.After)
	if rs.RelapseAfterS != nil {
		v.Relapsed = true
		v.Relapse = "relapsed after " + fmtDuration(*rs.RelapseAfterS) +
			" (at " + tf.clock(rs.At.Add(time.Duration(*rs.RelapseAfterS*float64(time.Second)))) + ")"
	}
	if rs.DemandFactor > 0 {
		v.Demand = fmtFactor(rs.DemandFactor) + " normal"
	}
	return v
}

func trafficFigures(t *analyzer.Traffic, tf timeFmt) []figureView {
	total := t.Status.S2xx + t.Status.S3xx + t.Status.S4xx + t.Status.S5xx
	share := func(n int64) string {
		if total == 0 {
			return ""
		}
		return fmtPct(float64(n) / float64(total))
	}
	f := []figureView{
		{Label: "Requests", Value: fmtCount(t.Requests), Note: countNoun(t.Clients, "client", "clients")},
		{Label: "Normal rate", Value: fmtRPS(t.BaselineRPS)},
		{Label: "Peak rate", Value: fmtRPS(t.PeakRPS)},
		{Label: "2xx", Value: fmtCount(t.Status.S2xx), Note: share(t.Status.S2xx)},
		{Label: "3xx", Value: fmtCount(t.Status.S3xx), Note: share(t.Status.S3xx)},
		{Label: "4xx", Value: fmtCount(t.Status.S4xx), Note: share(t.Status.S4xx)},
		{Label: "5xx", Value: fmtCount(t.Status.S5xx), Note: share(t.Status.S5xx)},
		{Label: "Writes", Value: fmtCount(t.Writes)},
	}
	if t.Bytes > 0 {
		f = append(f, figureView{Label: "Bytes sent", Value: fmtBytes(t.Bytes)})
	}
	if t.PeakAt != nil {
		f[2].Note = "at " + tf.clock(*t.PeakAt)
	}
	if t.HasLatency {
		f = append(f, figureView{Label: "Response time", Value: fmtMs(t.P95Ms) + " p95",
			Note: fmtMs(t.P50Ms) + " p50, " + fmtMs(t.P99Ms) + " p99"})
	}
	return f
}

func newAmbiguousView(aw *analyzer.AmbiguousWrites, tf timeFmt) ambiguousView {
	v := ambiguousView{Any: aw.Count > 0}
	if !v.Any {
		v.Sentence = "No write ended with an unknown outcome."
		if aw.CleanFailures > 0 {
			v.Sentence += fmt.Sprintf(" %s failed before reaching PHP, so they were certainly not saved.",
				countNoun(aw.CleanFailures, "write", "writes"))
		}
		return v
	}
	v.Sentence = fmt.Sprintf("%s from %s ended in a timeout or an error after reaching the application: "+
		"the server may have saved them although the client saw an error. %s retried; %s got a success on retry.",
		countNoun(aw.Count, "write", "writes"), countNoun(aw.Clients, "client", "clients"),
		countNoun(aw.Retried, "write was", "writes were"), fmtCount(aw.RetriedOK))
	v.Figures = []figureView{
		{Label: "Unknown outcome", Value: fmtCount(aw.Count)},
		{Label: "Clients", Value: fmtCount(aw.Clients)},
		{Label: "Retried", Value: fmtCount(aw.Retried), Note: fmtCount(aw.RetriedOK) + " succeeded"},
		{Label: "Failed cleanly", Value: fmtCount(aw.CleanFailures), Note: "never reached PHP"},
	}
	for _, e := range aw.ByEndpoint {
		v.Endpoints = append(v.Endpoints, endpointView{
			Method: printable(e.Method), Path: printable(e.Path), Count: fmtCount(e.Count),
			Retried: fmtCount(e.Retried), RetriedOK: fmtCount(e.RetriedOK),
		})
	}
	for i, w := range aw.Writes {
		if i == maxWriteRows {
			v.More = fmt.Sprintf("and %s more in the CSV export (--writes-csv)", fmtCount(int64(len(aw.Writes)-maxWriteRows)))
			break
		}
		v.Sample = append(v.Sample, writeView{
			At: tf.clock(w.At), Client: printable(w.Client), Method: printable(w.Method), Path: printable(w.Path),
			Status: fmt.Sprint(w.Status), Reason: w.Reason, Retry: w.Retry,
		})
	}
	return v
}

func newCapacityView(c *analyzer.Capacity) *capacityView {
	v := &capacityView{Figures: []figureView{
		{Label: "Sustainable throughput", Value: fmtRPS(c.SustainableRPS), Note: "the most served while healthy"},
		{Label: "Demand at peak", Value: fmtRPS(c.PeakDemandRPS)},
		{Label: "Headroom needed", Value: fmtFactor(c.Headroom), Note: "peak demand / sustainable"},
		{Label: "PHP workers needed", Value: fmtCount(c.WorkersNeeded)},
	}}
	for _, f := range c.Figures {
		val := fmtNum(f.Value)
		if f.Unit != "" {
			val += " " + f.Unit
		}
		v.Inputs = append(v.Inputs, capFigureView{Name: f.Name, Value: val, Source: f.Source, Confidence: f.Confidence, Formula: f.Formula})
	}
	for _, r := range c.Recommendations {
		rv := recView{
			ID: r.ID, Title: r.Title, Current: r.Current, Recommended: r.Recommended,
			Formula: r.Formula, Effect: r.Effect, Cost: r.Cost, Chosen: r.Chosen,
			Config: strings.TrimRight(r.Config, "\n"), ErrorRate: fmtPct(r.ErrorRate), P95: "–",
		}
		if r.P95Ms > 0 {
			rv.P95 = fmtMs(r.P95Ms)
		}
		v.Recs = append(v.Recs, rv)
	}
	return v
}

// zoneSources explains Input.TZSource values other than "log".
var zoneSources = map[string]string{
	"flag":              "given with --tz",
	"access-log offset": "the offset seen in the access log of the same run",
	"machine":           "the zone of the machine that ran postmortem",
}

// dataQuality fills section 9: per-input accounting, zones and notes.
func dataQuality(v *view, r *analyzer.Report, tf timeFmt) {
	var lines, parsed, skipped int64
	for _, in := range r.Inputs {
		lines += in.Lines
		parsed += in.Parsed
		skipped += in.Skipped
		iv := inputView{
			Name: printable(in.Name), Kind: in.Kind, Format: in.Format, TZ: in.TZ,
			Lines: fmtCount(in.Lines), Parsed: fmtCount(in.Parsed), Skipped: fmtCount(in.Skipped),
			Warnings: in.Warnings,
		}
		if in.Lines > 0 {
			iv.SkipShare = fmtPct(float64(in.Skipped) / float64(in.Lines))
		}
		if in.TZSource != "" {
			iv.TZ += " (" + in.TZSource + ")"
		}
		if in.First != nil && in.Last != nil {
			iv.Span = tf.clock(*in.First) + " to " + tf.clock(*in.Last)
		}
		for _, sr := range in.SkipReasons {
			rv := reasonView{Reason: sr.Reason, Count: fmtCount(sr.Count)}
			for _, s := range sr.Samples {
				rv.Samples = append(rv.Samples, sampleView{Line: fmt.Sprintf("%s:%d", printable(in.Name), s.Line), Text: printable(s.Text)})
			}
			iv.Reasons = append(iv.Reasons, rv)
		}
		v.Inputs = append(v.Inputs, iv)
		if in.TZSource != "" && in.TZSource != "log" {
			why, ok := zoneSources[in.TZSource]
			if !ok {
				why = "from " + in.TZSource
			}
			v.Zones = append(v.Zones, fmt.Sprintf("%s has no zone in its lines; %s was assumed, %s.", printable(in.Name), in.TZ, why))
		}
	}
	if len(r.Inputs) > 0 {
		v.Totals = fmt.Sprintf("%s read from %s: %s parsed, %s skipped.",
			countNoun(lines, "line", "lines"), countNoun(int64(len(r.Inputs)), "input", "inputs"),
			fmtCount(parsed), fmtCount(skipped))
	}
}

// shortSource is the file name of a source that is a path, so the event
// table stays narrow; the full path is kept for a tooltip.
func shortSource(src string) string {
	if i := strings.LastIndexByte(src, '/'); i >= 0 && i < len(src)-1 {
		return src[i+1:]
	}
	return src
}
