package reports

import (
	"bytes"
	"fmt"
	"html/template"
	"io"

	"github.com/postmortem/postmortem/analyzer"
)

// page is the HTML template, parsed once. It only ranges, tests and prints
// fields of view; html/template escapes every string from the logs.
var pageTmpl = template.Must(template.New("report.html.tmpl").ParseFS(assets, "assets/report.html.tmpl"))

// css is inlined so the file works offline from an e-mail attachment.
var css = func() template.CSS {
	b, err := assets.ReadFile("assets/report.css")
	if err != nil {
		panic("BUG: reports/assets/report.css is not embedded: " + err.Error())
	}
	return template.CSS(b)
}()

// htmlPage is what the template sees: the view plus the page assets.
type htmlPage struct {
	*view
	CSS template.CSS
}

// WriteHTML writes r as one self-contained HTML page: the sections of
// DESIGN.md section 6 in order, with go-echarts charts drawn by the
// embedded ECharts (or by ECharts from its CDN with o.CDN, or when the
// build had no reports/assets/echarts.min.js; see EChartsEmbedded).
// The page is rendered into memory first, so w gets all of it or nothing.
func WriteHTML(w io.Writer, r *analyzer.Report, o Options) error {
	if r == nil {
		return fmt.Errorf("write html: nil report")
	}
	v := newView(r, o)
	if err := buildCharts(v, r, newTimeFmt(o.location(), r.Window.Start, r.Window.End)); err != nil {
		return fmt.Errorf("write html: %w", err)
	}
	if o.CDN || echartsJS == nil {
		v.EChartsURL = echartsCDN
	} else {
		v.ECharts = template.JS(echartsJS)
	}
	var buf bytes.Buffer
	if err := pageTmpl.Execute(&buf, htmlPage{view: v, CSS: css}); err != nil {
		return fmt.Errorf("write html: %w", err)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("write html: %w", err)
	}
	return nil
}
