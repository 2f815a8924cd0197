package reports

import (
	"bytes"
	"encoding/json"
	"html"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/postmortem/postmortem/analyzer"
)

func renderHTML(t *testing.T, r *analyzer.Report, o Options) string {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteHTML(&buf, r, o); err != nil {
		t.Fatalf("WriteHTML: %v", err)
	}
	return buf.String()
}

// The golden pages load ECharts from the CDN so they do not hold the
// megabyte of the library and do not depend on make assets.
func TestHTMLGolden(t *testing.T) {
	for _, tc := range []struct {
		name string
		r    *analyzer.Report
		o    Options
	}{
		{"rich", richReport(), Options{Generated: generated, CDN: true}},
		{"quiet", quietReport(), Options{Generated: generated, CDN: true}},
		{"rich_berlin", richReport(), Options{CDN: true, Location: mustZone(t, "Europe/Berlin")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkGolden(t, tc.name+".html", []byte(renderHTML(t, tc.r, tc.o)))
		})
	}
}

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestHTMLDeterministic(t *testing.T) {
	o := Options{Generated: generated}
	a := renderHTML(t, richReport(), o)
	b := renderHTML(t, richReport(), o)
	if a != b {
		t.Fatalf("two renders of the same report differ:\n%s", firstDiff(a, b))
	}
	if strings.Contains(a, "goecharts_") && regexp.MustCompile(`id="[A-Za-z]{20}"`).MatchString(a) {
		t.Error("a random go-echarts chart ID reached the page")
	}
}

// scriptBodies returns the text of every inline script element.
func scriptBodies(page string) []string {
	var out []string
	for _, m := range regexp.MustCompile(`(?s)<script>(.*?)</script>`).FindAllStringSubmatch(page, -1) {
		out = append(out, m[1])
	}
	return out
}

func TestHTMLEscapesLogText(t *testing.T) {
	page := renderHTML(t, richReport(), Options{Generated: generated, CDN: true})

	// The payload never appears raw: one raw copy would end a script
	// element or open a new one.
	if strings.Contains(page, "pmPwned=true;alert(1)</script>") || strings.Contains(page, "<script>window.pmPwned") {
		t.Fatal("the </script> payload from the logs is in the page unescaped")
	}
	// Exactly the expected script elements: the CDN loader and ours.
	if n := strings.Count(page, "<script"); n != 2 {
		t.Errorf("page has %d <script tags, want 2 (ECharts loader + chart script)", n)
	}
	// In the text the payload is HTML-escaped, and html.UnescapeString of
	// the page gives the original text back.
	if !strings.Contains(page, "&lt;/script&gt;&lt;script&gt;window.pmPwned=true;alert(1)&lt;/script&gt;") {
		t.Error("the payload is not shown as escaped text")
	}
	// In the chart script it is a JSON string with \u003c escapes, and the
	// option still parses as JSON whose series name is the original text.
	scripts := scriptBodies(page)
	if len(scripts) != 1 {
		t.Fatalf("want 1 inline script, got %d", len(scripts))
	}
	js := scripts[0]
	for _, bad := range []string{"</", "<!--", "\u2028", "\u2029"} {
		if strings.Contains(js, bad) {
			t.Errorf("chart script contains %q", bad)
		}
	}
	m := regexp.MustCompile(`draw\("referrers", (\{.*\})\);`).FindStringSubmatch(js)
	if m == nil {
		t.Fatal("no referrers chart in the script")
	}
	var opt struct {
		Series []struct {
			Name string `json:"name"`
		} `json:"series"`
	}
	if err := json.Unmarshal([]byte(m[1]), &opt); err != nil {
		t.Fatalf("referrers option is not JSON: %v", err)
	}
	want := label("evil " + xss + xssImg + " __f__ \u2028")
	if len(opt.Series) != 3 || opt.Series[2].Name != want {
		t.Errorf("series names = %+v, want the third to be %q", opt.Series, want)
	}
}

func TestHTMLSections(t *testing.T) {
	page := renderHTML(t, richReport(), Options{Generated: generated, CDN: true})
	text := html.UnescapeString(page)
	// Sections 1 to 9 in the order of DESIGN.md section 6.
	last := -1
	for _, h := range []string{"1. Summary", "2. Timeline", "3. Who came", "4. Workers and database", "5. Restarts",
		"6. Unknown outcomes", "7. Capacity and recommendations", "8. Event timeline", "9. Data quality and method"} {
		i := strings.Index(text, "<h2>"+h+"</h2>")
		if i < 0 {
			t.Fatalf("section %q missing", h)
		}
		if i < last {
			t.Errorf("section %q out of order", h)
		}
		last = i
	}
	for _, want := range []string{
		"Outage from 09:46:10 to 10:22:30 (36 min 20 s), caused by a surge of visitors following links shared on social media.",
		"A Facebook post sent about 20 times the usual number of visitors to the blog",
		"62% of requests came from Facebook links, against 0.4% before.",
		"The PHP-FPM restart at 10:00 cleared the queue for 5 min",
		"relapsed after 5 min (at 10:05:00)",
		"42 writes from 39 clients",
		"What would have held: Cache anonymous pages for 10 s in nginx.",
		`<pre class="config">fastcgi_cache_path`,
		"×155", "new", "×37",
		"php8.2-fpm.log:88:",
		"/var/log/nginx/access.log:9001",
		"Generated Sun 15 Mar 2026 08:00:00 UTC.",
		"All times are UTC.",
		`<div class="item" id="rps" style="width:100%;height:380px;"></div>`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("page lacks %q", want)
		}
	}
}

// Without the analyzer's summary text the page phrases the numbers itself,
// and the restart verdicts get their own list.
func TestHTMLSummaryWithoutAnalyzerText(t *testing.T) {
	r := richReport()
	r.Incidents[0].Summary = ""
	page := html.UnescapeString(renderHTML(t, r, Options{CDN: true}))
	for _, want := range []string{
		"Between 09:46:10 and 10:22:30 (36 min 20 s), 42,600 requests failed (39% of requests) and 11,210 clients got at least one error.",
		"At the peak (09:57:10) visitors sent 399 requests per second, 19.5 times the normal 20.4.",
		"The server ran out of PHP workers (php-fpm) and web server connections (nginx).",
		"<h3>What the restarts did</h3>",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	// With it, a verdict the summary already tells is not repeated.
	r.Incidents[0].Summary = "Something happened. " + r.Restarts[0].Verdict + " " + r.Restarts[1].Verdict
	page = html.UnescapeString(renderHTML(t, r, Options{CDN: true}))
	if strings.Contains(page, "What the restarts did") {
		t.Error("restart verdicts repeated after a summary that tells them")
	}
}

func TestHTMLQuietDay(t *testing.T) {
	page := html.UnescapeString(renderHTML(t, quietReport(), Options{CDN: true}))
	for _, want := range []string{
		"No incident: the site behaved normally in these logs.",
		"No incident, so no capacity change is suggested.",
		"No service was restarted",
		"No write ended with an unknown outcome.",
		"The access log has no request time",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("quiet page lacks %q", want)
		}
	}
	for _, alarm := range []string{"Outage", "failed (", "What would have held", "class=\"headline bad\"", "Generated"} {
		if strings.Contains(page, alarm) {
			t.Errorf("quiet page says %q", alarm)
		}
	}
}

func TestHTMLZone(t *testing.T) {
	page := html.UnescapeString(renderHTML(t, richReport(), Options{Location: mustZone(t, "Europe/Berlin"), CDN: true}))
	for _, want := range []string{"All times are Europe/Berlin (CET, UTC+01:00).", "Outage from 10:46:10 to 11:22:30"} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
}

func TestHTMLInlinesECharts(t *testing.T) {
	if !EChartsEmbedded() {
		t.Skip("reports/assets/echarts.min.js was absent at build time; run make assets")
	}
	page := renderHTML(t, quietReport(), Options{})
	if strings.Contains(page, echartsCDN) || strings.Contains(page, "<script src=") {
		t.Error("page loads a script from the network although ECharts is embedded")
	}
	if len(page) < len(echartsJS) {
		t.Errorf("page is %d bytes, smaller than the ECharts library (%d)", len(page), len(echartsJS))
	}
	cdn := renderHTML(t, quietReport(), Options{CDN: true})
	if !strings.Contains(cdn, `<script src="`+echartsCDN+`"></script>`) {
		t.Error("CDN page does not load ECharts from the CDN")
	}
}

// BenchmarkWriteHTML renders the rich report with ECharts inlined.
func BenchmarkWriteHTML(b *testing.B) {
	r := richReport()
	var buf bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		if err := WriteHTML(&buf, r, Options{Generated: generated}); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(buf.Len()))
}
