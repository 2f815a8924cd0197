package analyzer

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/postmortem/postmortem/parsers"
)

// cwT0 is the start of the synthetic streams: 2024-11-21 10:00:00 UTC.
var cwT0 = time.Date(2024, 11, 21, 10, 0, 0, 0, time.UTC).UnixNano()

// cwAccess builds an access record ending at t0+atS seconds.
func cwAccess(atS float64, client, method, path string, status uint16, rtMs, upMs int64) *parsers.Access {
	r := &parsers.Access{}
	r.Reset()
	r.Time = cwT0 + int64(atS*1e9)
	r.Remote = []byte(client)
	r.Method = []byte(method)
	r.Path = []byte(path)
	r.Proto = []byte("HTTP/1.1")
	r.Status = status
	r.RequestTime = rtMs * 1000
	if upMs == parsers.UpstreamNone {
		r.UpstreamTime = parsers.UpstreamNone
	} else {
		r.UpstreamTime = upMs * 1000
	}
	return r
}

func cwEvent(atS float64, typ parsers.EventType, client, request string, num ...int64) *parsers.Event {
	e := &parsers.Event{Time: cwT0 + int64(atS*1e9), Type: typ, Client: []byte(client), Request: []byte(request)}
	copy(e.Num[:], num)
	return e
}

func TestAmbiguousWrites(t *testing.T) {
	type acc struct {
		at             float64
		client, method string
		path           string
		status         uint16
		rt, up         int64
	}
	accs := []acc{
		// a: reached PHP, 502, later 409 → ambiguous, already-done.
		{10, "10.0.0.1", "POST", "/register", 502, 3000, 3000},
		{40, "10.0.0.1", "POST", "/register", 409, 100, 100},
		// b: upstream "-" → clean.
		{11, "10.0.0.2", "POST", "/register", 502, 1, parsers.UpstreamNone},
		// c: paired with a connect() failure of the same client and request → clean.
		{12, "10.0.0.3", "POST", "/register", 502, 2, 0},
		// d: a connect() failure of another client does not pair → ambiguous, no retry.
		{12, "10.0.0.4", "POST", "/register", 502, 2, 0},
		// e: 499 while PHP ran, retried twice: first 502, then 200 → succeeded.
		{20, "10.0.0.5", "POST", "/register", 499, 20000, 20000},
		{25, "10.0.0.5", "POST", "/register", 502, 3000, 3000},
		{30, "10.0.0.5", "POST", "/register", 200, 300, 300},
		// f: 504, retried and failed again (the retry is itself ambiguous).
		{100, "10.0.0.6", "PUT", "/item/123", 504, 60000, 60000},
		{170, "10.0.0.6", "PUT", "/item/456", 504, 60000, 60000},
		// g: a 500 outside any kill → failed, not ambiguous.
		{200, "10.0.0.7", "POST", "/comment", 500, 50, 50},
		// h: a 500 in flight during a mass SIGKILL → ambiguous.
		{302, "10.0.0.8", "POST", "/comment", 502, 5000, 5000},
		// i: GETs and successful writes are not ambiguous.
		{15, "10.0.0.9", "GET", "/register", 502, 3000, 3000},
		{16, "10.0.0.9", "POST", "/register", 201, 100, 100},
		// j: in flight during a MySQL restart, 500.
		{401, "10.0.0.10", "DELETE", "/item/9", 500, 3000, 3000},
		// k: a 500 at the same instant whose PHP could not connect to MySQL → clean.
		{400.5, "10.0.0.11", "DELETE", "/item/7", 500, 100, 100},
		// l: reads arriving at 600 s waited 8 s in the FPM queue; a POST that
		// gave up after 4 s was still queued, and when PHP ran it at 608 s
		// most PHP requests failed with 500 → likely failed, not ambiguous.
		{608, "10.0.1.1", "GET", "/a", 200, 8000, 8000},
		{608.1, "10.0.1.2", "GET", "/b", 200, 8000, 8000},
		{608.2, "10.0.1.3", "GET", "/c", 200, 8100, 8100},
		{608, "10.0.2.1", "GET", "/d", 500, 8000, 8000},
		{608, "10.0.2.2", "GET", "/d", 500, 8000, 8000},
		{608, "10.0.2.3", "GET", "/d", 500, 8000, 8000},
		{608.5, "10.0.2.4", "GET", "/d", 500, 8000, 8000},
		{608.5, "10.0.2.5", "GET", "/d", 500, 8000, 8000},
		{608.5, "10.0.2.6", "GET", "/d", 500, 8000, 8000},
		{604.2, "10.0.0.12", "POST", "/comment", 499, 4000, 4000},
		// m: the same arrival, but it stayed 9 s: PHP had it → ambiguous.
		{609.2, "10.0.0.13", "POST", "/comment", 499, 9000, 9000},
		// n: two ambiguous attempts on /register, which refuses duplicates:
		// one registration at most, the first stands for both.
		{700, "10.0.0.14", "POST", "/register", 502, 3000, 3000},
		{705, "10.0.0.14", "POST", "/register", 504, 3000, 3000},
	}
	refused := cwEvent(400, parsers.NginxPHPMessage, "10.0.0.11", "DELETE /item/7 HTTP/1.1")
	refused.PHP = parsers.PHPConnRefused
	evs := []*parsers.Event{
		cwEvent(12, parsers.NginxConnectBacklog, "10.0.0.3", "POST /register HTTP/1.1"),
		cwEvent(11, parsers.NginxConnectBacklog, "10.0.0.99", "POST /register?x=1 HTTP/1.1"),
		cwEvent(299, parsers.FPMChildExited, "", "", -1, 9),
		cwEvent(299.5, parsers.FPMChildExited, "", "", -1, 9),
		cwEvent(300, parsers.FPMChildExited, "", "", -1, 9),
		cwEvent(100, parsers.FPMChildExited, "", "", -1, 9), // a lone kill: no mass kill
		cwEvent(399, parsers.MySQLShutdownRequest, "", ""),
		cwEvent(420, parsers.MySQLReady, "", "", 3306),
		refused,
	}
	for _, split := range []int{0, 1, 2} {
		t.Run(fmt.Sprintf("split%d", split), func(t *testing.T) {
			// Feed the records unordered into two aggregators and merge.
			a, b := newWritesAgg(&Options{}), newWritesAgg(&Options{})
			for i := len(accs) - 1; i >= 0; i-- {
				x := accs[i]
				dst := a
				if (i+split)%2 == 0 {
					dst = b
				}
				dst.addAccess(0, int64(i+1), cwAccess(x.at, x.client, x.method, x.path, x.status, x.rt, x.up))
			}
			for i, e := range evs {
				if (i+split)%2 == 0 {
					a.addEvent(e)
				} else {
					b.addEvent(e)
				}
			}
			if split == 2 {
				b.merge(a)
				a = b
			} else {
				a.merge(b)
			}
			rep := &Report{}
			a.finish(rep, &State{})
			aw := rep.AmbiguousWrites
			got := map[string]string{}
			for _, w := range aw.Writes {
				got[w.Client] = w.Reason + " / " + w.Retry
			}
			want := map[string]string{
				"10.0.0.1": "502 after reaching PHP / already-done",
				"10.0.0.4": "502 after reaching PHP / none",
				// 10.0.0.5's attempts are resolved: /register refuses
				// duplicates (409), yet its retry at 30 s succeeded.
				"10.0.0.13": "499 client gave up while PHP ran / none",
				"10.0.0.14": "502 after reaching PHP / failed",
				"10.0.0.6":  "504 timeout while PHP ran / none",
				"10.0.0.8":  "in flight during php-fpm kill / none",
				"10.0.0.10": "in flight during mysql restart / none",
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("writes:\n got %v\nwant %v", got, want)
			}
			if aw.Count != 8 || aw.CleanFailures != 3 || aw.ResolvedByRetry != 2 || aw.LikelyFailed != 1 || aw.RepeatAttempts != 1 {
				t.Errorf("count %d clean %d resolved %d likely failed %d repeats %d, want 8, 3, 2, 1, 1",
					aw.Count, aw.CleanFailures, aw.ResolvedByRetry, aw.LikelyFailed, aw.RepeatAttempts)
			}
			if aw.Clients != 7 {
				t.Errorf("clients %d, want 7", aw.Clients)
			}
			// Retried: 10.0.0.1 (already done), 10.0.0.6's first 504 and
			// 10.0.0.14's first attempt (failed).
			if aw.Retried != 3 || aw.RetriedOK != 1 {
				t.Errorf("retried %d ok %d, want 3 and 1", aw.Retried, aw.RetriedOK)
			}
			wantEP := []EndpointCount{
				{Method: "POST", Path: "/register", Count: 3, Retried: 2, RetriedOK: 1},
				{Method: "POST", Path: "/comment", Count: 2},
				{Method: "PUT", Path: "/item/:id", Count: 2, Retried: 1},
				{Method: "DELETE", Path: "/item/:id", Count: 1},
			}
			if !reflect.DeepEqual(aw.ByEndpoint, wantEP) {
				t.Errorf("by endpoint:\n got %+v\nwant %+v", aw.ByEndpoint, wantEP)
			}
		})
	}
}

func TestAmbiguousWrites499Reasons(t *testing.T) {
	w := newWritesAgg(nil)
	w.addAccess(0, 1, cwAccess(5, "1.1.1.1", "POST", "/a", 499, 9000, 9000))
	w.addAccess(0, 2, cwAccess(6, "1.1.1.2", "POST", "/a", 499, 10, parsers.UpstreamNone))
	w.addAccess(0, 3, cwAccess(7, "1.1.1.3", "PATCH", "/a", 504, 60000, parsers.NoField))
	rep := &Report{}
	w.finish(rep, nil)
	aw := rep.AmbiguousWrites
	if aw.Count != 2 || aw.CleanFailures != 1 {
		t.Fatalf("count %d clean %d, want 2, 1", aw.Count, aw.CleanFailures)
	}
	if aw.Writes[0].Reason != "499 client gave up while PHP ran" || aw.Writes[1].Method != "PATCH" {
		t.Errorf("writes %+v", aw.Writes)
	}
}

func TestCwEndpoint(t *testing.T) {
	for in, want := range map[string]string{
		"/register": "/register",
		"/item/123": "/item/:id",
		"/u/550e8400-e29b-41d4-a716-446655440000/edit": "/u/:id/edit",
		"/cafe":         "/cafe",
		"/a/deadbeef12": "/a/:id",
	} {
		if got := string(cwEndpoint([]byte(in))); got != want {
			t.Errorf("cwEndpoint(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestAmbiguousWritesStuck: a 499 write that PHP held longer than every
// write to the same endpoint that succeeded around it was stuck (a lock wait
// that times out and rolls back): likely failed, not ambiguous.
func TestAmbiguousWritesStuck(t *testing.T) {
	type acc struct {
		at             float64
		client, method string
		path           string
		status         uint16
		rt             int64
	}
	// oks are successful POSTs to path ending around 100 s, the slowest
	// after maxMs.
	oks := func(path string, n int, maxMs int64) []acc {
		var out []acc
		for i := range n {
			out = append(out, acc{90 + float64(i)*4, fmt.Sprintf("10.1.0.%d", i), "POST", path, 302, maxMs - int64(i)*100})
		}
		return out
	}
	// reads arriving at about 92 s that waited waitMs in the FPM queue.
	reads := func(waitMs int64) []acc {
		return []acc{
			{92 + float64(waitMs)/1000, "10.2.0.1", "GET", "/a", 200, waitMs + 40},
			{92.5 + float64(waitMs)/1000, "10.2.0.2", "GET", "/b", 200, waitMs + 50},
		}
	}
	cat := func(xs ...[]acc) []acc {
		var out []acc
		for _, x := range xs {
			out = append(out, x...)
		}
		return out
	}
	for _, tc := range []struct {
		name         string
		accs         []acc
		count, fails int64
		reason       string
	}{
		{"held longer than every success", cat(oks("/register", 6, 1500), reads(0),
			[]acc{{100, "10.0.0.1", "POST", "/register", 499, 8000}}), 0, 1, ""},
		{"as long as the successes", cat(oks("/register", 6, 1500), reads(0),
			[]acc{{100, "10.0.0.1", "POST", "/register", 499, 1200}}), 1, 0, "499 client gave up while PHP ran"},
		{"too few successes to judge", cat(oks("/register", 4, 1500), reads(0),
			[]acc{{100, "10.0.0.1", "POST", "/register", 499, 8000}}), 1, 0, "499 client gave up while PHP ran"},
		{"successes of another endpoint", cat(oks("/comment", 6, 1500), reads(0),
			[]acc{{100, "10.0.0.1", "POST", "/register", 499, 8000}}), 1, 0, "499 client gave up while PHP ran"},
		// The write waited 7 s in the queue like the reads beside it:
		// PHP held it 2 s, within the successes (whose times include the
		// same wait).
		{"queue wait is not held time", cat(oks("/register", 6, 8500), reads(7000),
			[]acc{{101, "10.0.0.1", "POST", "/register", 499, 9000}}), 1, 0, "499 client gave up while PHP ran"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWritesAgg(&Options{})
			for i, x := range tc.accs {
				w.addAccess(0, int64(i+1), cwAccess(x.at, x.client, x.method, x.path, x.status, x.rt, x.rt))
			}
			rep := &Report{}
			w.finish(rep, &State{})
			aw := rep.AmbiguousWrites
			if aw.Count != tc.count || aw.LikelyFailed != tc.fails {
				t.Fatalf("count %d likely failed %d, want %d, %d (%+v)", aw.Count, aw.LikelyFailed, tc.count, tc.fails, aw.Writes)
			}
			if tc.count > 0 && aw.Writes[0].Reason != tc.reason {
				t.Errorf("reason %q, want %q", aw.Writes[0].Reason, tc.reason)
			}
		})
	}
}
