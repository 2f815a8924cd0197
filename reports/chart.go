package reports

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"
	"github.com/go-echarts/go-echarts/v2/render"

	"github.com/postmortem/postmortem/analyzer"
)

// Fixed chart IDs: go-echarts picks random ones otherwise, and the page,
// its CSS and the browser test refer to these.
const (
	chartRPS       = "rps"
	chartLatency   = "latency"
	chartInFlight  = "inflight"
	chartReferrers = "referrers"
	chartEvents    = "events"
)

// chartView is one chart placed in the page: the container element from
// go-echarts' RenderSnippet and its option JSON, guarded for a script
// element. Empty says why there is no chart when Option is empty.
type chartView struct {
	ID      string
	Element template.HTML
	Option  template.JS
	Empty   string
}

// Status-class and phase colours; the same in every chart and in the CSS.
const (
	col2xx = "#3b9c5a"
	col3xx = "#5b8def"
	col4xx = "#e3a21a"
	col5xx = "#d9453b"
)

var phaseColors = map[string]string{
	"onset":      "rgba(227,162,26,0.12)",
	"saturation": "rgba(217,69,59,0.14)",
	"mitigation": "rgba(91,141,239,0.14)",
	"relapse":    "rgba(160,30,30,0.18)",
	"recovery":   "rgba(59,156,90,0.12)",
}

// maxChartPoints bounds the points per series in the page: beyond it the
// series' buckets are merged k at a time for drawing, so a long window
// still gives a page of a few megabytes at most that a browser draws fast.
const maxChartPoints = 2400

// axis maps report instants to category indexes of the charts' x axis and
// merges buckets when the series are longer than maxChartPoints.
type axis struct {
	start  time.Time
	bucket time.Duration // width of one drawn point
	k      int           // report buckets per drawn point
	n      int           // drawn points
	labels []string
}

func newAxis(s *analyzer.Series, tf timeFmt) axis {
	b := time.Duration(s.BucketS * float64(time.Second))
	if b <= 0 {
		b = time.Second
	}
	n0 := len(s.S2xx)
	k := max(1, (n0+maxChartPoints-1)/maxChartPoints)
	a := axis{start: s.Start, bucket: b * time.Duration(k), k: k, n: (n0 + k - 1) / k}
	a.labels = make([]string, a.n)
	for i := range a.labels {
		a.labels[i] = tf.axis(s.Start.Add(time.Duration(i) * a.bucket))
	}
	return a
}

// index is the drawn point holding t, clamped to the axis.
func (a axis) index(t time.Time) int {
	i := int(t.Sub(a.start) / a.bucket)
	return max(0, min(i, a.n-1))
}

// merge reduces v to one value per drawn point with f over each group of
// k buckets (the identity when k is 1). Missing values count as zero.
func (a axis) merge(v []float64, f func(group []float64) float64) []float64 {
	if a.k == 1 && len(v) == a.n {
		return v
	}
	out := make([]float64, a.n)
	for i := range out {
		lo, hi := min(i*a.k, len(v)), min((i+1)*a.k, len(v))
		if lo < hi {
			out[i] = f(v[lo:hi])
		}
	}
	return out
}

// Reducers for merged buckets: rates are averaged, counts summed, and
// response times and in-flight requests keep their worst value.
func meanOf(g []float64) float64 {
	var s float64
	for _, x := range g {
		s += x
	}
	return s / float64(len(g))
}

func sumOf(g []float64) float64 {
	var s float64
	for _, x := range g {
		s += x
	}
	return s
}

func maxOf(g []float64) float64 {
	m := g[0]
	for _, x := range g[1:] {
		m = max(m, x)
	}
	return m
}

// resolution says what one drawn point is, for the chart captions.
func (a axis) resolution(bucketS float64) string {
	w := fmtDuration(a.bucket.Seconds())
	if a.k == 1 {
		return "One point per " + w + "."
	}
	return "One point per " + w + " (the report's " + fmtDuration(bucketS) +
		" buckets merged for drawing: rates averaged, response times and requests in flight at their highest, events summed)."
}

// buildCharts renders every chart the report has data for. Each chart is
// drawn only from the Report's series; nothing is computed here beyond
// placing instants on the axis and rounding for size.
func buildCharts(v *view, r *analyzer.Report, tf timeFmt) error {
	s := &r.Series
	ax := newAxis(s, tf)
	noAccess := "No access-log data to chart."

	var err error
	build := func(id string, ok bool, empty string, mk func() chartRenderer) chartView {
		if err != nil {
			return chartView{ID: id}
		}
		if ax.n == 0 {
			return chartView{ID: id, Empty: noAccess}
		}
		if !ok {
			return chartView{ID: id, Empty: empty}
		}
		var cv chartView
		cv, err = snippet(id, mk())
		return cv
	}
	v.RPSChart = build(chartRPS, true, "", func() chartRenderer { return rpsChart(r, ax) })
	v.LatChart = build(chartLatency, r.Traffic.HasLatency && len(s.P50Ms) == len(s.S2xx),
		"The access log has no request time ($request_time or %D), so response times are unknown.",
		func() chartRenderer { return latencyChart(r, ax) })
	v.FlightChart = build(chartInFlight, len(s.InFlight) == len(s.S2xx) && anyNonZero(s.InFlight),
		"No in-flight series: the access log has no request time.",
		func() chartRenderer { return inFlightChart(r, ax) })
	v.RefChart = build(chartReferrers, len(s.Referrers) > 0,
		"No referrer data: the access log format has no Referer field, or no request had one.",
		func() chartRenderer { return referrerChart(s, ax) })
	hasEvents := anyNonZero(s.FPMEvents) || anyNonZero(s.MySQLEvents) || anyNonZero(s.NginxErrors) || anyNonZero(s.KernelEvents)
	v.EventChart = build(chartEvents, hasEvents,
		"No PHP-FPM, MySQL, nginx error or kernel events in the logs.",
		func() chartRenderer { return eventChart(s, ax) })
	v.Charts = []chartView{v.RPSChart, v.LatChart, v.FlightChart, v.RefChart, v.EventChart}
	if ax.n > 0 {
		v.Resolution = ax.resolution(s.BucketS)
	}
	return err
}

// chartRenderer is what go-echarts charts give RenderSnippet through.
type chartRenderer interface {
	RenderSnippet() render.ChartSnippet
}

// snippet places a go-echarts chart: the container element as is (its
// attributes are ours), the option JSON guarded for a script element.
func snippet(id string, c chartRenderer) (chartView, error) {
	sn := c.RenderSnippet()
	opt := bytes.TrimSpace([]byte(sn.Option))
	opt = bytes.TrimSuffix(opt, []byte(";"))
	if !json.Valid(opt) {
		return chartView{}, fmt.Errorf("chart %s: go-echarts produced an option that is not JSON", id)
	}
	return chartView{ID: id, Element: template.HTML(sn.Element), Option: template.JS(guardScript(opt))}, nil
}

// guardScript makes JSON safe inside an HTML script element: go-echarts
// encodes with SetEscapeHTML(false), so a label "</script><script>…" from a
// log line would end the element. <, > and & become \u003c, \u003e, \u0026
// (which also defuses "<!--"), and U+2028/U+2029, line terminators in old
// JavaScript, become escapes. The characters only occur inside JSON
// strings, where the escapes mean the same text.
func guardScript(b []byte) string {
	var sb strings.Builder
	sb.Grow(len(b) + 64)
	for _, r := range string(b) {
		switch r {
		case '<':
			sb.WriteString(`\u003c`)
		case '>':
			sb.WriteString(`\u003e`)
		case '&':
			sb.WriteString(`\u0026`)
		case '\u2028':
			sb.WriteString(`\u2028`)
		case '\u2029':
			sb.WriteString(`\u2029`)
		default:
			sb.WriteRune(r)
		}
	}
	return sb.String()
}

// label makes log text safe for go-echarts: its renderer deletes every
// "__f__" (its marker for JavaScript functions), which could break out of
// a JSON string, so the marker is split by a zero-width space.
func label(s string) string {
	return strings.ReplaceAll(s, "__f__", "_\u200b_f__")
}

func anyNonZero(v []float64) bool {
	for _, x := range v {
		if x != 0 {
			return true
		}
	}
	return false
}

// round3 keeps three decimals: enough to read a chart, and it keeps the
// page small.
func round3(x float64) float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return 0
	}
	return math.Round(x*1000) / 1000
}

func lineData(v []float64, n int) []opts.LineData {
	d := make([]opts.LineData, n)
	for i := range d {
		var x float64
		if i < len(v) {
			x = v[i]
		}
		d[i] = opts.LineData{Value: round3(x)}
	}
	return d
}

func barData(v []float64, n int) []opts.BarData {
	d := make([]opts.BarData, n)
	for i := range d {
		var x float64
		if i < len(v) {
			x = v[i]
		}
		d[i] = opts.BarData{Value: round3(x)}
	}
	return d
}

// common are the options every time chart shares.
func common(id, height, yName string, ax axis, zoomSlider bool) []charts.GlobalOpts {
	zoom := []opts.DataZoom{{Type: "inside", XAxisIndex: []int{0}}}
	if zoomSlider {
		zoom = append(zoom, opts.DataZoom{Type: "slider", XAxisIndex: []int{0}})
	}
	bottom := "12"
	if zoomSlider {
		bottom = "48"
	}
	return []charts.GlobalOpts{
		charts.WithInitializationOpts(opts.Initialization{ChartID: id, Width: "100%", Height: height}),
		charts.WithAnimation(false),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Top: "0", Type: "scroll"}),
		charts.WithGridOpts(opts.Grid{Left: "8", Right: "24", Top: "36", Bottom: bottom, ContainLabel: opts.Bool(true)}),
		charts.WithXAxisOpts(opts.XAxis{Type: "category", Data: ax.labels}),
		charts.WithYAxisOpts(opts.YAxis{Type: "value", Name: yName}),
		charts.WithDataZoomOpts(zoom...),
	}
}

func lineOpts(stack string, area bool, color string) []charts.SeriesOpts {
	o := []charts.SeriesOpts{
		charts.WithLineChartOpts(opts.LineChart{Stack: stack, ShowSymbol: opts.Bool(false), Symbol: "none"}),
		charts.WithLineStyleOpts(opts.LineStyle{Width: 1.5, Color: color}),
	}
	if color != "" {
		o = append(o, charts.WithItemStyleOpts(opts.ItemStyle{Color: color}))
	}
	if area {
		o = append(o, charts.WithAreaStyleOpts(opts.AreaStyle{Opacity: opts.Float(0.55), Color: color}))
	}
	return o
}

// phaseAreas shades the incident phases (or the whole incident when the
// analyzer gave no phases) on a time chart.
func phaseAreas(r *analyzer.Report, ax axis) [][]opts.MarkAreaData {
	var areas [][]opts.MarkAreaData
	area := func(name string, from, to int, color string) {
		areas = append(areas, []opts.MarkAreaData{
			{Name: label(name), XAxis: from, MarkAreaStyle: opts.MarkAreaStyle{ItemStyle: &opts.ItemStyle{Color: color}}},
			{XAxis: to},
		})
	}
	for i, in := range r.Incidents {
		name := "incident"
		if len(r.Incidents) > 1 {
			name = fmt.Sprintf("incident %d", i+1)
		}
		if len(in.Phases) == 0 {
			end := ax.n - 1
			if in.End != nil {
				end = ax.index(*in.End)
			}
			area(name, ax.index(in.Start), end, phaseColors["saturation"])
			continue
		}
		for _, p := range in.Phases {
			col := phaseColors[p.Name]
			if col == "" {
				col = "rgba(120,120,120,0.12)"
			}
			area(p.Name, ax.index(p.Start), ax.index(p.End), col)
		}
	}
	return areas
}

// shaded adds the phase shading without labels, for the charts under the
// requests chart.
func shaded(o []charts.SeriesOpts, areas [][]opts.MarkAreaData) []charts.SeriesOpts {
	if len(areas) == 0 {
		return o
	}
	return append(o, charts.WithMarkAreaData(areas...),
		charts.WithMarkAreaStyleOpts(opts.MarkAreaStyle{Label: &opts.Label{Show: opts.Bool(false)}}))
}

// markLine is one vertical marker with its own label position, so that
// markers close together put their labels at alternate ends.
type markLine struct {
	Name  string      `json:"name"`
	XAxis int         `json:"xAxis"`
	Label *opts.Label `json:"label,omitempty"`
}

// markLines marks restarts and saturation starts, in time order; a marker
// within 3% of the axis from the previous one has its label at the other
// end of the line.
func markLines(r *analyzer.Report, ax axis) []markLine {
	var lines []markLine
	for _, rs := range r.Restarts {
		lines = append(lines, markLine{Name: label(rs.Service + " " + rs.Kind + " restart"), XAxis: ax.index(rs.At)})
	}
	for _, in := range r.Incidents {
		for _, sat := range in.Saturation {
			lines = append(lines, markLine{Name: label(sat.Resource + " saturated"), XAxis: ax.index(sat.Start)})
		}
	}
	sort.SliceStable(lines, func(i, j int) bool { return lines[i].XAxis < lines[j].XAxis })
	near := max(1, ax.n*3/100)
	bottom := false
	for i := range lines {
		if i > 0 && lines[i].XAxis-lines[i-1].XAxis <= near {
			bottom = !bottom
		} else {
			bottom = false
		}
		if bottom {
			lines[i].Label = &opts.Label{Show: opts.Bool(true), Formatter: "{b}", Position: "insideStartTop", FontSize: 10}
		}
	}
	return lines
}

// rpsChart is requests per second stacked by status class, incident phases
// shaded, restarts and saturation starts marked.
func rpsChart(r *analyzer.Report, ax axis) chartRenderer {
	s := &r.Series
	c := charts.NewLine()
	c.SetGlobalOptions(common(chartRPS, "380px", "req/s", ax, true)...)
	c.SetXAxis(ax.labels)

	areas := phaseAreas(r, ax)
	lines := markLines(r, ax)

	first := lineOpts("status", true, col2xx)
	if len(areas) > 0 {
		first = append(first,
			charts.WithMarkAreaData(areas...),
			charts.WithMarkAreaStyleOpts(opts.MarkAreaStyle{Label: &opts.Label{Show: opts.Bool(true), Position: "insideTop", Color: "#555"}}))
	}
	if len(lines) > 0 {
		first = append(first,
			charts.WithSeriesOpts(func(s *charts.SingleSeries) {
				if s.MarkLines == nil {
					s.MarkLines = &opts.MarkLines{}
				}
				for _, l := range lines {
					s.MarkLines.Data = append(s.MarkLines.Data, l)
				}
			}),
			charts.WithMarkLineStyleOpts(opts.MarkLineStyle{
				Symbol:    []string{"none", "none"},
				Label:     &opts.Label{Show: opts.Bool(true), Formatter: "{b}", Position: "insideEndTop", FontSize: 10},
				LineStyle: &opts.LineStyle{Color: "#333", Type: "dashed", Width: 1},
			}))
	}
	c.AddSeries("2xx", lineData(ax.merge(s.S2xx, meanOf), ax.n), first...)
	c.AddSeries("3xx", lineData(ax.merge(s.S3xx, meanOf), ax.n), lineOpts("status", true, col3xx)...)
	c.AddSeries("4xx", lineData(ax.merge(s.S4xx, meanOf), ax.n), lineOpts("status", true, col4xx)...)
	c.AddSeries("5xx", lineData(ax.merge(s.S5xx, meanOf), ax.n), lineOpts("status", true, col5xx)...)
	return c
}

func latencyChart(r *analyzer.Report, ax axis) chartRenderer {
	s := &r.Series
	c := charts.NewLine()
	c.SetGlobalOptions(common(chartLatency, "280px", "ms", ax, false)...)
	c.SetXAxis(ax.labels)
	c.AddSeries("p50", lineData(ax.merge(s.P50Ms, maxOf), ax.n), shaded(lineOpts("", false, "#5b8def"), phaseAreas(r, ax))...)
	c.AddSeries("p95", lineData(ax.merge(s.P95Ms, maxOf), ax.n), lineOpts("", false, "#e3a21a")...)
	c.AddSeries("p99", lineData(ax.merge(s.P99Ms, maxOf), ax.n), lineOpts("", false, "#d9453b")...)
	return c
}

func inFlightChart(r *analyzer.Report, ax axis) chartRenderer {
	s := &r.Series
	c := charts.NewLine()
	c.SetGlobalOptions(common(chartInFlight, "260px", "requests", ax, false)...)
	c.SetXAxis(ax.labels)
	o := shaded(lineOpts("", true, "#7a5bd6"), phaseAreas(r, ax))
	if s.PoolSize > 0 {
		o = append(o,
			charts.WithMarkLineNameYAxisItemOpts(opts.MarkLineNameYAxisItem{Name: "pool size", YAxis: round3(s.PoolSize)}),
			charts.WithMarkLineStyleOpts(opts.MarkLineStyle{
				Symbol:    []string{"none", "none"},
				Label:     &opts.Label{Show: opts.Bool(true), Formatter: "{b}: {c}", Position: "insideEndTop"},
				LineStyle: &opts.LineStyle{Color: col5xx, Type: "dashed", Width: 1.5},
			}))
	}
	c.AddSeries("in flight", lineData(ax.merge(s.InFlight, maxOf), ax.n), o...)
	return c
}

// referrerPalette colours referrer networks in the analyzer's order.
var referrerPalette = []string{"#3b5998", "#1d9bf0", "#e1306c", "#ff4500", "#0a66c2", "#34a853", "#8e6bbf", "#999999", "#c47f00", "#00897b"}

func referrerChart(s *analyzer.Series, ax axis) chartRenderer {
	c := charts.NewLine()
	c.SetGlobalOptions(common(chartReferrers, "280px", "req/s", ax, false)...)
	c.SetXAxis(ax.labels)
	for i, ns := range s.Referrers {
		c.AddSeries(label(ns.Name), lineData(ax.merge(ns.Values, meanOf), ax.n), lineOpts("ref", true, referrerPalette[i%len(referrerPalette)])...)
	}
	return c
}

func eventChart(s *analyzer.Series, ax axis) chartRenderer {
	c := charts.NewBar()
	c.SetGlobalOptions(common(chartEvents, "240px", "events", ax, false)...)
	c.SetXAxis(ax.labels)
	for _, e := range []struct {
		name, color string
		v           []float64
	}{
		{"PHP-FPM", "#7a5bd6", s.FPMEvents},
		{"MySQL", "#00758f", s.MySQLEvents},
		{"nginx errors", col5xx, s.NginxErrors},
		{"kernel", "#555555", s.KernelEvents},
	} {
		if !anyNonZero(e.v) {
			continue
		}
		c.AddSeries(e.name, barData(ax.merge(e.v, sumOf), ax.n),
			charts.WithBarChartOpts(opts.BarChart{Stack: "events"}),
			charts.WithItemStyleOpts(opts.ItemStyle{Color: e.color}))
	}
	return c
}
