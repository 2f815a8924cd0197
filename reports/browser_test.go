package reports

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
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

// TestBrowser opens the HTML report in real headless Chromium with no
// network and checks that every chart drew, that the page logged no error,
// and that the </script> payload from the logs stayed text.
//
// Set POSTMORTEM_SCREENSHOT=/tmp/report.png to keep the screenshot.
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
	path := filepath.Join(dir, "report.html")
	var buf bytes.Buffer
	if err := WriteHTML(&buf, richReport(), Options{Generated: generated}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}

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
	ctx, cancel := chromedp.NewContext(allocCtx)
	defer cancel()
	if err := chromedp.Do(ctx); err != nil { // starts the browser, bound to ctx
		if requireReal() {
			t.Fatalf("start chromium %s: %v", bin, err)
		}
		t.Skipf("chromium %s does not start: %v", bin, err)
	}

	var (
		mu       sync.Mutex
		messages []chromedp.ConsoleMessage
		dialogs  []string
		done     = make(chan struct{})
	)
	const marker = "postmortem-browser-test-done"
	console := chromedp.Console(ctx)
	go func() {
		for m, err := range console {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleLog && m.Text == marker {
				close(done)
				return
			}
			mu.Lock()
			messages = append(messages, m)
			mu.Unlock()
		}
	}()
	opened := chromedp.Events(ctx, page.JavascriptDialogOpening)
	go func() {
		for ev, err := range opened {
			if err != nil {
				return
			}
			mu.Lock()
			dialogs = append(dialogs, string(ev.Type)+": "+ev.Message)
			mu.Unlock()
			// An open dialog blocks the page; dismiss it so the test ends.
			_, _ = chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
		}
	}()

	runCtx, cancelRun := context.WithTimeout(ctx, 60*time.Second)
	defer cancelRun()
	if err := chromedp.Do(runCtx, chromedp.Navigate("file://"+path)); err != nil {
		t.Fatalf("navigate: %v", err)
	}
	ids := []string{chartRPS, chartLatency, chartInFlight, chartReferrers, chartEvents}
	if _, err := chromedp.Run(runCtx, chromedp.Poll[bool](
		`document.querySelectorAll("figure.chart canvas").length >= 5`,
		chromedp.WithPollingTimeout(20*time.Second))); err != nil {
		t.Fatalf("charts did not draw within 20 s: %v", err)
	}

	states, err := chromedp.Run(runCtx, chromedp.Evaluate[[]chartState](`(() => {
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

	pwned, err := chromedp.Run(runCtx, chromedp.Evaluate[bool](`typeof window.pmPwned !== "undefined"`))
	if err != nil {
		t.Fatal(err)
	}
	if pwned {
		t.Error("the injected script ran: window.pmPwned is set")
	}
	visible, err := chromedp.Run(runCtx, chromedp.Evaluate[int](
		`document.body.innerText.split(`+"`"+xss+"`"+`).length - 1`))
	if err != nil {
		t.Fatal(err)
	}
	if visible < 5 {
		t.Errorf("the payload is visible as text %d times, want at least 5 (user agent, path, referrer, timeline, skipped line)", visible)
	}

	shot, err := chromedp.Run(runCtx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	if !bytes.HasPrefix(shot, []byte("\x89PNG")) || len(shot) < 50_000 {
		t.Errorf("screenshot is not a plausible PNG (%d bytes)", len(shot))
	}
	shotPath := filepath.Join(dir, "report.png")
	if p := os.Getenv("POSTMORTEM_SCREENSHOT"); p != "" {
		shotPath = p
	}
	if err := os.WriteFile(shotPath, shot, 0o644); err != nil {
		t.Fatal(err)
	}

	// The marker goes through the same console stream after everything the
	// page logged so far, so once it arrives every earlier message is in.
	if _, err := chromedp.Run(runCtx, chromedp.Evaluate[any](`console.log("`+marker+`")`)); err != nil {
		t.Fatal(err)
	}
	select {
	case <-done:
	case <-runCtx.Done():
		t.Fatal("console marker never arrived")
	}
	mu.Lock()
	defer mu.Unlock()
	for _, m := range messages {
		switch m.Type {
		case chromedp.ConsoleError, chromedp.ConsoleException, "assert":
			t.Errorf("page logged %s at %s:%d", m, m.URL, m.Line)
		default:
			t.Logf("console: %s", m)
		}
	}
	if len(dialogs) > 0 {
		t.Errorf("the page opened dialogs: %s", strings.Join(dialogs, "; "))
	}
}
