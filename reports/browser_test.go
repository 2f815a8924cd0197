package reports

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/postmortem/postmortem/analyzer"
)

// requireReal makes a missing Chromium or ECharts a failure instead of a
// skip; CI sets it.
func requireReal() bool { return os.Getenv("POSTMORTEM_REQUIRE_REAL") == "1" }

func skipOrFail(t *testing.T, msg string) {
	t.Helper()
	if requireReal() {
		t.Fatal(msg + " (POSTMORTEM_REQUIRE_REAL=1)")
	}
	t.Skip(msg)
}

// chromiumPath finds Debian's Chromium (scripts/ensure-chromium.sh installs it).
func chromiumPath() string {
	if p := os.Getenv("POSTMORTEM_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"/usr/bin/chromium", "chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// chartState is what the page says about one chart container.
type chartState struct {
	ID     string `json:"id"`
	Canvas int    `json:"canvas"` // canvases inside the container
	Width  int    `json:"width"`
	Height int    `json:"height"`
	Inked  int    `json:"inked"` // non-transparent pixels sampled on the canvas
}

// TestBrowser opens HTML reports in real headless Chromium with no network
// and checks that every chart drew, that the page logged no error, that the
// payloads from the logs stayed text (also in chart tooltips), and that
// zooming one chart moves the others.
//
// Set POSTMORTEM_SCREENSHOT=/tmp/report.png to keep the screenshot of the
// rich report (the quiet one goes next to it as report-quiet.png).
func TestBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test in -short mode")
	}
	bin := chromiumPath()
	if bin == "" {
		skipOrFail(t, "chromium not found: run make chromium (scripts/ensure-chromium.sh)")
	}
	if !EChartsEmbedded() {
		skipOrFail(t, "reports/assets/echarts.min.js was absent when the test was built, so the page would need the network: run make assets")
	}

	dir := t.TempDir()
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(bin),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("no-default-browser-check", true),
		// No network: every request that is not file:// goes to a closed port.
		chromedp.ProxyServer("http://127.0.0.1:9"),
		chromedp.Flag("proxy-bypass-list", "<-loopback>"),
		chromedp.UserDataDir(filepath.Join(dir, "profile")),
		chromedp.WindowSize(1280, 1000),
	)
	defer cancelAlloc()
	browser, cancel := chromedp.NewContext(allocCtx)
	defer cancel()
	if err := chromedp.Do(browser); err != nil { // starts the browser, bound to this context
		if requireReal() {
			t.Fatalf("start chromium %s: %v", bin, err)
		}
		t.Skipf("chromium %s does not start: %v", bin, err)
	}

	t.Run("rich", func(t *testing.T) {
		p := openReport(t, browser, dir, "rich", richReport())
		p.wantCharts(t, chartRPS, chartLatency, chartInFlight, chartReferrers, chartEvents)
		p.notPwned(t)
		if t.Failed() {
			p.finish(t, "")
			return
		}

		// Payloads in log text show as text, at least in the user agent,
		// path, referrer, timeline and skipped-line sample.
		if n := p.eval(t, "document.body.innerText.split("+jsString(xss)+").length - 1"); n.(float64) < 5 {
			t.Errorf("the payload is visible as text %v times, want at least 5", n)
		}
		// A tooltip of the referrer chart lists the hostile series name
		// (ECharts puts tooltips in the DOM with innerHTML): it must be
		// text there too, and no <img> may appear.
		p.eval(t, `(() => {
			const c = echarts.getInstanceByDom(document.getElementById("referrers"));
			c.dispatchAction({type: "showTip", seriesIndex: 2, dataIndex: 200});
			return true;
		})()`)
		if _, err := chromedp.Run(p.ctx, chromedp.Poll[bool](
			`document.getElementById("referrers").innerText.includes("window.pmPwned")`,
			chromedp.WithPollingTimeout(5*time.Second))); err != nil {
			t.Errorf("the referrer tooltip does not show the series name as text: %v", err)
		}
		if n := p.eval(t, `document.querySelectorAll("img").length`); n.(float64) != 0 {
			t.Errorf("%v <img> elements in the page: a payload became markup", n)
		}
		// Zooming the requests chart zooms the connected time charts.
		zoom := p.eval(t, `(() => {
			const get = id => echarts.getInstanceByDom(document.getElementById(id));
			get("rps").dispatchAction({type: "dataZoom", start: 25, end: 75});
			const z = get("latency").getOption().dataZoom[0];
			return [z.start, z.end];
		})()`)
		if got, ok := zoom.([]any); !ok || len(got) != 2 || got[0] != 25.0 || got[1] != 75.0 {
			t.Errorf("latency chart zoom after zooming rps = %v, want [25 75]", zoom)
		}
		// The page prints: a PDF of several pages comes out.
		pdf, err := chromedp.Run(p.ctx, chromedp.PrintToPDF(chromedp.PDFPrintBackground()))
		if err != nil {
			t.Fatalf("print to PDF: %v", err)
		}
		if !bytes.HasPrefix(pdf, []byte("%PDF-")) || len(pdf) < 50_000 {
			t.Errorf("printing gave %d bytes that do not look like a PDF of the report", len(pdf))
		}
		p.finish(t, os.Getenv("POSTMORTEM_SCREENSHOT"))
	})

	t.Run("quiet", func(t *testing.T) {
		p := openReport(t, browser, dir, "quiet", quietReport())
		p.wantCharts(t, chartRPS)
		text := p.eval(t, "document.body.innerText").(string)
		for _, want := range []string{"No incident: the site behaved normally in these logs.", "The access log has no request time"} {
			if !strings.Contains(text, want) {
				t.Errorf("quiet page lacks %q", want)
			}
		}
		shot := ""
		if s := os.Getenv("POSTMORTEM_SCREENSHOT"); s != "" {
			shot = strings.TrimSuffix(s, ".png") + "-quiet.png"
		}
		p.finish(t, shot)
	})
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// reportPage is one report open in its own tab, with what it logged.
type reportPage struct {
	ctx      context.Context
	dir      string
	name     string
	mu       sync.Mutex
	messages []chromedp.ConsoleMessage
	dialogs  []string
	done     chan struct{}
}

const consoleMarker = "postmortem-browser-test-done"

// openReport writes r as HTML with the embedded ECharts, opens it in a new
// tab and waits until the page has loaded.
func openReport(t *testing.T, browser context.Context, dir, name string, r *analyzer.Report) *reportPage {
	t.Helper()
	path := filepath.Join(dir, name+".html")
	var buf bytes.Buffer
	if err := WriteHTML(&buf, r, Options{Generated: generated}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	tab, cancelTab := chromedp.NewContext(browser)
	t.Cleanup(cancelTab)
	ctx, cancel := context.WithTimeout(tab, 60*time.Second)
	t.Cleanup(cancel)
	p := &reportPage{ctx: ctx, dir: dir, name: name, done: make(chan struct{})}

	console := chromedp.Console(tab)
	go func() {
		for m, err := range console {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleLog && m.Text == consoleMarker {
				close(p.done)
				return
			}
			p.mu.Lock()
			p.messages = append(p.messages, m)
			p.mu.Unlock()
		}
	}()
	opened := chromedp.Events(tab, page.JavascriptDialogOpening)
	go func() {
		for ev, err := range opened {
			if err != nil {
				return
			}
			p.mu.Lock()
			p.dialogs = append(p.dialogs, string(ev.Type)+": "+ev.Message)
			p.mu.Unlock()
			// An open dialog blocks the page; dismiss it so the test ends.
			_, _ = chromedp.Call(tab, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
		}
	}()
	if err := chromedp.Do(ctx, chromedp.Navigate("file://"+path)); err != nil {
		t.Fatalf("navigate: %v", err)
	}
	return p
}

func (p *reportPage) eval(t *testing.T, js string) any {
	t.Helper()
	v, err := chromedp.Run(p.ctx, chromedp.Evaluate[any](js))
	if err != nil {
		t.Fatalf("evaluate %.60q: %v", js, err)
	}
	return v
}

// wantCharts checks that exactly the charts ids are in the page, each with
// a canvas of non-zero size with something drawn on it.
func (p *reportPage) wantCharts(t *testing.T, ids ...string) {
	t.Helper()
	if _, err := chromedp.Run(p.ctx, chromedp.Poll[bool](
		fmt.Sprintf(`document.querySelectorAll("figure.chart canvas").length >= %d`, len(ids)),
		chromedp.WithPollingTimeout(20*time.Second))); err != nil {
		t.Errorf("charts did not draw within 20 s: %v", err) // the details follow
	}
	states, err := chromedp.Run(p.ctx, chromedp.Evaluate[[]chartState](`(() => {
		const out = [];
		for (const el of document.querySelectorAll("figure.chart div[id]")) {
			const cs = el.querySelectorAll("canvas");
			const c = cs[0];
			let inked = 0;
			if (c && c.width > 0 && c.height > 0) {
				const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
				for (let i = 3; i < d.length; i += 4 * 7) { if (d[i] !== 0) inked++; }
			}
			out.push({id: el.id, canvas: cs.length, width: c ? c.width : 0, height: c ? c.height : 0, inked: inked});
		}
		return out;
	})()`))
	if err != nil {
		t.Fatalf("read chart state: %v", err)
	}
	got := map[string]chartState{}
	for _, s := range states {
		got[s.ID] = s
	}
	for _, id := range ids {
		s, ok := got[id]
		switch {
		case !ok:
			t.Errorf("chart %q: no container in the page", id)
		case s.Canvas == 0 || s.Width == 0 || s.Height == 0:
			t.Errorf("chart %q: no drawn canvas (%+v)", id, s)
		case s.Inked < 100:
			t.Errorf("chart %q: canvas is blank (%+v)", id, s)
		}
	}
	if len(states) != len(ids) {
		t.Errorf("page has %d chart containers, want %d: %+v", len(states), len(ids), states)
	}
}

// notPwned checks that no payload from the logs ran as script.
func (p *reportPage) notPwned(t *testing.T) {
	t.Helper()
	if pwned := p.eval(t, `typeof window.pmPwned !== "undefined"`); pwned != false {
		t.Error("an injected script ran: window.pmPwned is set")
	}
}

// finish takes a screenshot (kept at keep when set) and checks that the
// page ran no injected script, opened no dialog and logged no error.
func (p *reportPage) finish(t *testing.T, keep string) {
	t.Helper()
	p.notPwned(t)
	shot, err := chromedp.Run(p.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	if !bytes.HasPrefix(shot, []byte("\x89PNG")) || len(shot) < 20_000 {
		t.Errorf("screenshot is not a plausible PNG (%d bytes)", len(shot))
	}
	if keep == "" {
		keep = filepath.Join(p.dir, p.name+".png")
	}
	if err := os.WriteFile(keep, shot, 0o644); err != nil {
		t.Fatal(err)
	}

	// The marker goes through the same console stream after everything the
	// page logged so far, so once it arrives every earlier message is in.
	p.eval(t, `console.log("`+consoleMarker+`")`)
	select {
	case <-p.done:
	case <-p.ctx.Done():
		t.Fatal("console marker never arrived")
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, m := range p.messages {
		switch m.Type {
		case chromedp.ConsoleError, chromedp.ConsoleException, "assert":
			t.Errorf("page logged %s at %s:%d", m, m.URL, m.Line)
		default:
			t.Logf("console: %s", m)
		}
	}
	if len(p.dialogs) > 0 {
		t.Errorf("the page opened dialogs: %s", strings.Join(p.dialogs, "; "))
	}
}
