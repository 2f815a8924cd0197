// Package reports renders an analyzer.Report as HTML, Markdown or JSON; it
// decides nothing about the data.
//
// Every writer first builds a view model of display-ready strings (view.go);
// the HTML template and the Markdown writer only print it. Output is
// deterministic: the same Report and Options give byte-identical bytes (no
// map order, no random chart IDs, no clock: Options.Generated is an input).
//
// Log text is untrusted. html/template escapes it in the page, and chart
// options (JSON produced by go-echarts, which does not escape "</script>")
// are guarded before they are placed in a script element (chart.go).
package reports

import (
	"bytes"
	"embed"
	"time"
)

// Options are the knobs of the HTML and Markdown writers.
type Options struct {
	// Generated is printed as "generated at"; tests pin it. Zero omits it.
	Generated time.Time
	// CDN loads ECharts from its CDN instead of inlining the embedded copy.
	CDN bool
	// Location is the zone times are displayed in; nil means UTC.
	Location *time.Location
}

// echartsCDN is the pinned ECharts build the HTML loads with Options.CDN or
// when the binary was built without reports/assets/echarts.min.js. Keep the
// version in step with package.json.
const echartsCDN = "https://cdn.jsdelivr.net/npm/echarts@5.6.0/dist/echarts.min.js"

// assets holds the template, the CSS and, when the build copied it there
// (make assets), echarts.min.js. Embedding the directory rather than the
// file keeps the build working without it.
//
//go:embed assets
var assets embed.FS

// echartsJS is the embedded ECharts library, nil when it was absent at build
// time. "</script" cannot occur in the minified library today; it is broken
// up anyway so a future release cannot end the inline script early.
var echartsJS = func() []byte {
	b, err := assets.ReadFile("assets/echarts.min.js")
	if err != nil || len(b) == 0 {
		return nil
	}
	return bytes.ReplaceAll(b, []byte("</script"), []byte(`<\/script`))
}()

// EChartsEmbedded reports whether reports/assets/echarts.min.js was present
// at build time. When it is false the HTML loads ECharts from its CDN, and
// the report needs network access to draw its charts; the CLI should warn.
func EChartsEmbedded() bool { return echartsJS != nil }

func (o Options) location() *time.Location {
	if o.Location == nil {
		return time.UTC
	}
	return o.Location
}
