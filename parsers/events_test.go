package parsers

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// corpusDir holds the shared real-log corpus, read in place.
const corpusDir = "../../shared/corpus"

// testOpts reads stamps as UTC in 2024, so a test's expected times are the
// logged wall times.
var testOpts = EventOptions{Loc: time.UTC, Year: 2024}

// cloneEvent deep-copies e, whose slices are only valid during emit.
func cloneEvent(e *Event) Event {
	c := *e
	for _, p := range []*[]byte{&c.Pool, &c.Unit, &c.Client, &c.Request, &c.Upstream, &c.Host, &c.Server, &c.Text} {
		if *p != nil {
			*p = append([]byte(nil), *p...)
		}
	}
	return c
}

// feedLines feeds lines (numbered from 1) through r, then flushes it, and
// returns copies of the events and the error of each line (nil = parsed).
func feedLines(r EventReader, lines ...string) ([]Event, []error) {
	var evs []Event
	emit := func(e *Event) { evs = append(evs, cloneEvent(e)) }
	errs := make([]error, len(lines))
	for i, l := range lines {
		errs[i] = r.Feed([]byte(l), int64(i+1), emit)
	}
	r.Flush(emit)
	return evs, errs
}

// describe renders the fields a table test checks; empty ones are left out.
func describe(e Event) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s %s", e.Kind, e.Type, e.Level)
	if e.Time != 0 {
		t := time.Unix(0, e.Time).UTC()
		if e.Relative {
			fmt.Fprintf(&b, " uptime=%s", time.Duration(e.Time))
		} else if t.Nanosecond() != 0 {
			b.WriteString(" t=" + t.Format("2006-01-02T15:04:05.999999999"))
		} else {
			b.WriteString(" t=" + t.Format("2006-01-02T15:04:05"))
		}
	}
	if e.PID != 0 {
		fmt.Fprintf(&b, " pid=%d", e.PID)
	}
	if e.Num != [4]int64{} {
		fmt.Fprintf(&b, " num=%v", e.Num)
	}
	if e.Conn != 0 {
		fmt.Fprintf(&b, " conn=%d", e.Conn)
	}
	if e.Code != 0 {
		fmt.Fprintf(&b, " code=%d", e.Code)
	}
	if e.PHP != PHPNone {
		fmt.Fprintf(&b, " php=%s", e.PHP)
	}
	for _, f := range []struct {
		k string
		v []byte
	}{{"pool", e.Pool}, {"unit", e.Unit}, {"client", e.Client}, {"server", e.Server}, {"request", e.Request}, {"upstream", e.Upstream}, {"host", e.Host}} {
		if len(f.v) > 0 {
			fmt.Fprintf(&b, " %s=%q", f.k, f.v)
		}
	}
	if e.Lines > 1 {
		fmt.Fprintf(&b, " lines=%d", e.Lines)
	}
	return b.String()
}

// eventCase is one line (or record) and what its event must look like: the
// describe() rendering, and optionally the Text.
type eventCase struct {
	name  string
	lines []string
	want  string
	text  string
}

// runEventCases checks that each case's lines parse into exactly one event
// described as want.
func runEventCases(t *testing.T, newReader func() EventReader, cases []eventCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			evs, errs := feedLines(newReader(), c.lines...)
			for i, err := range errs {
				if err != nil {
					t.Fatalf("line %d: %v", i+1, err)
				}
			}
			if len(evs) != 1 {
				t.Fatalf("got %d events, want 1: %v", len(evs), evs)
			}
			if got := describe(evs[0]); got != c.want {
				t.Errorf("got  %s\nwant %s", got, c.want)
			}
			if c.text != "" && string(evs[0].Text) != c.text {
				t.Errorf("text = %q, want %q", evs[0].Text, c.text)
			}
		})
	}
}

// corpusLine is one log line of a corpus file with its fail2ban expectation.
type corpusLine struct {
	num      int64
	text     string
	wantTime string // failJSON "time", local wall time; "" when not given
}

// readCorpus returns the log lines of a corpus file: fail2ban comment lines
// ("# failJSON", "# filterOptions", remarks) and blank lines are dropped,
// each failJSON time is attached to the line after it. The test skips when
// the corpus folder is absent.
func readCorpus(t testing.TB, rel string) []corpusLine {
	t.Helper()
	if _, err := os.Stat(corpusDir); err != nil {
		t.Skipf("corpus not present: %v", err)
	}
	f, err := os.Open(filepath.Join(corpusDir, rel))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	var out []corpusLine
	var n int64
	want := ""
	for sc.Scan() {
		n++
		l := sc.Text()
		if strings.HasPrefix(l, "# failJSON:") {
			var j struct {
				Time string `json:"time"`
			}
			if err := json.Unmarshal([]byte(strings.TrimPrefix(l, "# failJSON:")), &j); err == nil {
				want = j.Time
			}
			continue
		}
		if strings.HasPrefix(l, "#") || strings.TrimSpace(l) == "" {
			continue
		}
		out = append(out, corpusLine{num: n, text: l, wantTime: want})
		want = ""
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// corpusResult is what a reader made of a corpus file.
type corpusResult struct {
	lines   int
	skipped map[int64]string // line number → LineError reason
	events  []Event
	start   []int64 // line number of each event's first line
}

// runCorpus feeds a corpus file through r. Each event is attributed to its
// first line by consuming e.Lines of the parsed lines in order.
func runCorpus(t testing.TB, r EventReader, lines []corpusLine) corpusResult {
	t.Helper()
	res := corpusResult{lines: len(lines), skipped: map[int64]string{}}
	var queue []int64
	emit := func(e *Event) {
		res.events = append(res.events, cloneEvent(e))
		if len(queue) > 0 {
			res.start = append(res.start, queue[0])
			n := min(e.Lines, len(queue))
			queue = queue[max(n, 1):]
		} else {
			res.start = append(res.start, 0)
		}
	}
	for _, l := range lines {
		queue = append(queue, l.num)
		if err := r.Feed([]byte(l.text), l.num, emit); err != nil {
			le, ok := err.(*LineError)
			if !ok {
				t.Fatalf("line %d: error %T is not a *LineError", l.num, err)
			}
			res.skipped[l.num] = le.Reason
			if len(queue) > 0 && queue[len(queue)-1] == l.num {
				queue = queue[:len(queue)-1]
			}
		}
	}
	r.Flush(emit)
	return res
}

// knownBadFailJSON are corpus lines whose failJSON time is wrong:
// apache-botsearch line 43 is "[Fri Dec 06 09:29:34 2013]" (a Friday in
// 2013) but says 2014 (a "match": false line fail2ban never dates).
var knownBadFailJSON = map[string]bool{
	"[Fri Dec 06 09:29:34 2013] [error] [client 122.49.201.178] client denied by server configuration: /var/www/webmail/.htaccess": true,
}

// checkCorpusTimes compares each event's time (read as UTC wall time) with
// the failJSON time of its first line.
func checkCorpusTimes(t *testing.T, lines []corpusLine, res corpusResult) {
	t.Helper()
	want := map[int64]string{}
	yearless := map[int64]bool{}
	for _, l := range lines {
		if l.wantTime != "" && !knownBadFailJSON[l.text] {
			want[l.num] = l.wantTime
		}
		yearless[l.num] = monthIndex([]byte(l.text)) > 0
	}
	checked := 0
	for i, e := range res.events {
		w, ok := want[res.start[i]]
		if !ok {
			continue
		}
		got := time.Unix(0, e.Time).UTC().Format("2006-01-02T15:04:05")
		if yearless[res.start[i]] {
			// fail2ban gives syslog lines a year of its own choosing.
			got, w = got[4:], w[4:]
		}
		if !strings.HasPrefix(w, got) {
			t.Errorf("line %d: time %s, failJSON says %s", res.start[i], got, w)
		}
		checked++
	}
	if checked == 0 && len(want) > 0 && len(res.events) > 0 {
		t.Errorf("no failJSON time checked (%d given)", len(want))
	}
}

// parseRate is parsed lines over all lines.
func (r corpusResult) parseRate() float64 {
	if r.lines == 0 {
		return 0
	}
	return float64(r.lines-len(r.skipped)) / float64(r.lines)
}

// fieldsFromInput reports whether the content of every non-empty slice
// field of e occurs in input: readers slice their input (or a copy of it)
// and never invent bytes.
func fieldsFromInput(e *Event, input []byte) bool {
	if bytes.Contains(input, []byte(`{"log":"`)) || bytes.Contains(input, []byte(`"MESSAGE"`)) {
		return true // JSON layers unescape into a buffer of their own
	}
	for _, f := range [][]byte{e.Pool, e.Unit, e.Client, e.Request, e.Upstream, e.Host, e.Server, e.Text} {
		if len(f) > 0 && !bytes.Contains(input, f) {
			return false
		}
	}
	return true
}

func TestNewEventReader(t *testing.T) {
	for _, c := range []struct {
		kind   Kind
		format string
		line   string
		want   Kind // kind of the event the line gives
	}{
		{KindNginxError, FormatNginxError, caseLine(nginxCases, "upstream timed out reading"), KindNginxError},
		{KindApacheError, FormatApacheError24, caseLine(apacheCases, "max request workers prefork"), KindApacheError},
		{KindFPM, FormatFPM + formatWrappedSyslog, caseLine(fpmCases, "syslog form"), KindFPM},
		{KindFPMSlow, FormatFPMSlow, `[21-Nov-2024 10:15:02]  [pool www] pid 1`, KindFPMSlow},
		{KindMySQLError, "", `2023-10-21 10:45:59 0 [Note] /usr/sbin/mariadbd: ready for connections.`, KindMySQLError},
		{KindKernel, FormatSyslog, caseLine(kernelCases, "oom killed 5.x"), KindKernel},
		{KindKernel, FormatJournal, caseLine(kernelCases, "routed php-fpm"), KindFPM},
		{KindKernel, "", caseLine(kernelCases, "oom killed 5.x"), KindKernel},
		{KindKernel, "", journalJSONLines[2], KindFPM},
		{KindKernel, "", `[1.5] Out of memory: Killed process 1 (a) total-vm:1kB, anon-rss:1kB`, KindKernel},
		{KindKernel, FormatJournalJSON, journalJSONLines[0], KindKernel},
		{KindKernel, FormatDmesg, `[1.5] Out of memory: Killed process 1 (a) total-vm:1kB, anon-rss:1kB`, KindKernel},
		{KindKernel, FormatDmesgHuman, `[Thu Nov 21 10:15:02 2024] hello`, KindKernel},
	} {
		r, err := NewEventReader(c.kind, c.format, testOpts)
		if err != nil {
			t.Fatalf("%s %q: %v", c.kind, c.format, err)
		}
		evs, errs := feedLines(r, c.line)
		if errs[0] != nil || len(evs) == 0 || evs[0].Kind != c.want {
			t.Errorf("%s %q: %v, events %v", c.kind, c.format, errs[0], evs)
		}
	}
	if _, err := NewEventReader(KindMySQLSlow, "", testOpts); err != nil {
		t.Errorf("mysql slow: %v", err)
	}
	for _, c := range []struct {
		kind   Kind
		format string
	}{{KindAccess, ""}, {KindUnknown, ""}, {KindKernel, "windows event log"}} {
		if r, err := NewEventReader(c.kind, c.format, testOpts); err == nil {
			t.Errorf("%s %q: got %T, want an error", c.kind, c.format, r)
		}
	}
}

// TestEventZone reads zone-less stamps in the input's zone, across DST.
func TestEventZone(t *testing.T) {
	loc, err := time.LoadLocation("Europe/Prague")
	if err != nil {
		t.Skipf("no zone data: %v", err)
	}
	opts := EventOptions{Loc: loc, Year: 2024}
	for _, c := range []struct {
		r    EventReader
		line string
		want string // UTC
	}{
		{newNginxErrorReader(opts), `2024/11/21 10:15:02 [notice] 1#1: reconfiguring`, "2024-11-21T09:15:02Z"},
		{newNginxErrorReader(opts), `2024/07/21 10:15:02 [notice] 1#1: reconfiguring`, "2024-07-21T08:15:02Z"},
		{newFPMReader(opts), `[21-Jul-2024 10:15:02] NOTICE: ready to handle connections`, "2024-07-21T08:15:02Z"},
		{newFPMReader(opts), `[21-Jul-2024 10:15:02 UTC] PHP Warning:  x`, "2024-07-21T10:15:02Z"},
		{newApacheErrorReader(opts), `[Sun Jul 21 10:15:02.5 2024] [core:notice] [pid 1] AH00094: Command line: 'apache2'`, "2024-07-21T08:15:02.5Z"},
		{newSyslogRouter(opts), `Jul 21 10:15:02 web kernel: hello`, "2024-07-21T08:15:02Z"},
		{newSyslogRouter(opts), `2024-07-21T10:15:02+02:00 web kernel: hello`, "2024-07-21T08:15:02Z"},
		{newDmesgReader(opts), `[Sun Jul 21 10:15:02 2024] hello`, "2024-07-21T08:15:02Z"},
	} {
		evs, errs := feedLines(c.r, c.line)
		if errs[0] != nil || len(evs) != 1 {
			t.Fatalf("%s: %v, %d events", c.line, errs[0], len(evs))
		}
		if got := time.Unix(0, evs[0].Time).UTC().Format(time.RFC3339Nano); got != c.want {
			t.Errorf("%s: %s, want %s", c.line, got, c.want)
		}
	}
}

// timeUTC is ns as a UTC time.
func timeUTC(ns int64) time.Time { return time.Unix(0, ns).UTC() }

// TestEventReadersHostileLines feeds every reader a 1 MiB line, binary
// garbage and a 16 KB URL: skipped or parsed, never a crash, and the long
// URL arrives whole.
func TestEventReadersHostileLines(t *testing.T) {
	long := strings.Repeat("A", 1<<20)
	garbage := "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\xff\xfe"
	url := "/search?q=" + strings.Repeat("x", 16<<10)
	nginxLong := `2024/11/21 10:15:02 [error] 1#1: *1 upstream timed out (110: Connection timed out) while reading response header from upstream, client: 1.2.3.4, server: s, request: "GET ` + url + ` HTTP/1.1", upstream: "fastcgi://127.0.0.1:9000", host: "h"`
	for _, mk := range []func() EventReader{
		newNginxTestReader, newApacheTestReader, newFPMTestReader,
		func() EventReader { return newFPMSlowReader(testOpts) },
		newSyslogTestReader,
		func() EventReader { return newJournalJSONReader(testOpts) },
		func() EventReader { return newDmesgReader(testOpts) },
	} {
		r := mk()
		for _, l := range []string{long, garbage, "[" + long, "{" + long} {
			if err := r.Feed([]byte(l), 1, func(*Event) {}); err != nil {
				if _, ok := err.(*LineError); !ok {
					t.Errorf("%T: error %T", r, err)
				}
			}
		}
		r.Flush(func(*Event) {})
	}
	evs, errs := feedLines(newNginxTestReader(), nginxLong)
	if errs[0] != nil || len(evs) != 1 || string(evs[0].Request) != "GET "+url+" HTTP/1.1" || evs[0].Type != NginxUpstreamTimeoutRead {
		t.Errorf("16 KB URL: %v, %d events", errs[0], len(evs))
	}
}

// caseOf returns the case named name.
func caseOf(cases []eventCase, name string) eventCase {
	for _, c := range cases {
		if c.name == name {
			return c
		}
	}
	panic("BUG: no test case " + name)
}

// caseLine returns the first line of the case named name.
func caseLine(cases []eventCase, name string) string { return caseOf(cases, name).lines[0] }
