package sources

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/postmortem/postmortem/sources/lokitest"
)

var lokiBase = time.Date(2024, 11, 21, 10, 0, 0, 0, time.UTC)

// entry is one line read from Loki with its Loki timestamp.
type entry struct {
	Line string
	Time int64
}

// readLoki reads every line of in with its EntryTimes.
func readLoki(t testing.TB, in *Input) []entry {
	t.Helper()
	r, err := in.Open(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	buf := make([]byte, 4096)
	var out []entry
	for {
		c, err := r.NextChunk(buf)
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.SplitAfter(string(c.Data), "\n")
		lines = lines[:len(lines)-1]
		if len(lines) != len(c.EntryTimes) {
			t.Fatalf("%d lines, %d EntryTimes", len(lines), len(c.EntryTimes))
		}
		for i, l := range lines {
			out = append(out, entry{strings.TrimSuffix(l, "\n"), c.EntryTimes[i]})
		}
	}
}

func TestParseLokiQuery(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in   string
		want LokiQuery
		err  string
	}{
		{`access={job="nginx",filename=~".*access.*"}`, LokiQuery{"access", `{job="nginx",filename=~".*access.*"}`}, ""},
		{`auto={job="nginx"} |= "GET"`, LokiQuery{"", `{job="nginx"} |= "GET"`}, ""},
		{`{job="mysql"}`, LokiQuery{"", `{job="mysql"}`}, ""},
		{`access={job="nginx"`, LokiQuery{}, `loki query "{job=\"nginx\"": parse error at line 1, col 13: syntax error: unexpected $end, expecting } or ,`},
		{`kernel=count_over_time({job="kernel"}[1m])`, LokiQuery{}, "only log selector is supported"},
		{`fpm={job="php-fpm"} |~ "(unclosed"`, LokiQuery{}, "error parsing regexp: missing closing ): `(unclosed`"},
		{`Bad Kind={job="x"}`, LokiQuery{}, "parse error"},
	} {
		got, err := ParseLokiQuery(c.in)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("ParseLokiQuery(%q) error = %v, want %q", c.in, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("ParseLokiQuery(%q) = %+v, %v, want %+v", c.in, got, err, c.want)
		}
	}
}

func TestLokiSelector(t *testing.T) {
	t.Parallel()
	got, err := LokiSelector(`{job="nginx",filename=~".*access.*"} |= "GET" | pattern "<ip> <_>"`)
	if want := `{job="nginx", filename=~".*access.*"}`; err != nil || got != want {
		t.Errorf("LokiSelector = %q, %v; want %q", got, err, want)
	}
	if _, err := LokiSelector(`{job=}`); err == nil || !strings.Contains(err.Error(), "parse error") {
		t.Errorf("bad query: %v", err)
	}
}

func TestLokiInvalidQueryFailsBeforeAnyRequest(t *testing.T) {
	t.Parallel()
	var requests atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { requests.Add(1) }))
	defer srv.Close()
	_, err := LokiInputs(context.Background(), LokiOptions{URL: srv.URL},
		[]LokiQuery{{"access", `{job="nginx"}`}, {"fpm", `{job="php-fpm"} |= "x" | json | status >`}},
		lokiBase, lokiBase.Add(time.Hour))
	if err == nil || !strings.Contains(err.Error(), "parse error at line 1") {
		t.Fatalf("err = %v, want Loki's parse error", err)
	}
	if n := requests.Load(); n != 0 {
		t.Errorf("%d requests sent for an invalid query", n)
	}
}

// samePushed is a stream with distinct timestamps plus groups of lines that
// share one nanosecond, in this stream and in another.
func samePushed() (a, b PushStream, same int64) {
	base := lokiBase.UnixNano()
	same = base + 150*int64(time.Second) + 500
	a.Labels = map[string]string{"test": "pagination", "stream": "a"}
	b.Labels = map[string]string{"test": "pagination", "stream": "b"}
	for i := range 300 {
		a.Entries = append(a.Entries, PushEntry{base + int64(i)*int64(time.Second) + int64(i), fmt.Sprintf("a %03d", i)})
	}
	for k := range 30 {
		a.Entries = append(a.Entries, PushEntry{same, fmt.Sprintf("a-same %02d", k)})
	}
	for k := range 40 {
		b.Entries = append(b.Entries, PushEntry{same, fmt.Sprintf("b-same %02d", k)})
	}
	sort.SliceStable(a.Entries, func(i, j int) bool { return a.Entries[i].Time < a.Entries[j].Time })
	return a, b, same
}

func TestLokiPagination(t *testing.T) {
	loki := sharedLoki(t)
	a, b, _ := samePushed()
	pushLines(t, loki, "", a, b)
	for _, c := range []struct {
		name            string
		limit, parallel int
	}{{"limit 7 one shard at a time", 7, 1}, {"limit 7 parallel 3", 7, 3}, {"limit 5000", 0, 2}} {
		t.Run(c.name, func(t *testing.T) {
			ins, err := LokiInputs(context.Background(), LokiOptions{URL: loki.URL, Limit: c.limit, Parallel: c.parallel},
				[]LokiQuery{{"access", `{test="pagination"}`}}, lokiBase, lokiBase.Add(400*time.Second))
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, in := range ins {
				names = append(names, in.Name)
				if in.KindHint != "access" || in.Labels["test"] != "pagination" {
					t.Errorf("input %s: KindHint %q, Labels %v", in.Name, in.KindHint, in.Labels)
				}
			}
			if diff := cmp.Diff([]string{`{stream="a", test="pagination"}`, `{stream="b", test="pagination"}`}, names); diff != "" {
				t.Fatalf("inputs (-want +got):\n%s", diff)
			}
			for i, want := range []PushStream{a, b} {
				got := readLoki(t, &ins[i])
				checkSameEntries(t, ins[i].Name, want.Entries, got)
			}
			head, err := ins[0].Head(context.Background(), 2)
			if err != nil || len(head) != 2 || string(head[0]) != "a 000" || string(head[1]) != "a 001" {
				t.Errorf("Head = %q, %v", head, err)
			}
		})
	}
	t.Run("parsed labels do not split the stream", func(t *testing.T) {
		ins, err := LokiInputs(context.Background(), LokiOptions{URL: loki.URL, Limit: 50},
			[]LokiQuery{{"", `{test="pagination", stream="a"} | pattern "<name> <num>"`}}, lokiBase, lokiBase.Add(400*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		if len(ins) != 1 || ins[0].Name != `{stream="a", test="pagination"}` {
			t.Fatalf("want one input for stream a, got %d", len(ins))
		}
		checkSameEntries(t, ins[0].Name, a.Entries, readLoki(t, &ins[0]))
	})
	t.Run("line filter", func(t *testing.T) {
		ins, err := LokiInputs(context.Background(), LokiOptions{URL: loki.URL, Limit: 3},
			[]LokiQuery{{"", `{test="pagination", stream="b"} |= "same 1"`}}, lokiBase, lokiBase.Add(400*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		if len(ins) != 1 || len(readLoki(t, &ins[0])) != 10 {
			t.Fatalf("want one input of 10 lines (b-same 10..19), got %d inputs", len(ins))
		}
	})
}

// checkSameEntries asserts got holds exactly want's lines, each once, in
// time order, each with its pushed timestamp.
func checkSameEntries(t *testing.T, name string, want []PushEntry, got []entry) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d lines, want %d", name, len(got), len(want))
	}
	wantTime := map[string]int64{}
	for _, e := range want {
		wantTime[e.Line] = e.Time
	}
	seen := map[string]bool{}
	for i, e := range got {
		if seen[e.Line] {
			t.Errorf("%s: duplicate line %q", name, e.Line)
		}
		seen[e.Line] = true
		if wt, ok := wantTime[e.Line]; !ok || wt != e.Time {
			t.Errorf("%s: line %q at %d, want %d (pushed: %v)", name, e.Line, e.Time, wt, ok)
		}
		if i > 0 && e.Time < got[i-1].Time {
			t.Errorf("%s: line %d %q is out of time order", name, i, e.Line)
		}
	}
}

func TestLokiMetricQueries(t *testing.T) {
	loki := sharedLoki(t)
	s := PushStream{Labels: map[string]string{"test": "metric"}}
	for i := 1; i <= 60; i++ {
		status := "200"
		if i%3 == 0 {
			status = "500"
		}
		s.Entries = append(s.Entries, PushEntry{lokiBase.Add(time.Duration(i) * time.Second).UnixNano(), "GET /x " + status})
	}
	pushLines(t, loki, "", s)
	ctx := context.Background()
	opts := LokiOptions{URL: loki.URL}
	q := `sum by (status) (count_over_time({test="metric"} | pattern "<method> <path> <status>" [1m]))`
	at := lokiBase.Add(time.Minute)
	m, err := LokiMatrix(ctx, opts, q, at, at, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	want := []Series{
		{Labels: map[string]string{"status": "200"}, Points: []Point{{at, 40}}},
		{Labels: map[string]string{"status": "500"}, Points: []Point{{at, 20}}},
	}
	if diff := cmp.Diff(want, m); diff != "" {
		t.Errorf("LokiMatrix (-want +got):\n%s", diff)
	}
	v, err := LokiVector(ctx, opts, "topk(1, "+q+")", at)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]Sample{{Labels: map[string]string{"status": "200"}, V: 40}}, v); diff != "" {
		t.Errorf("LokiVector (-want +got):\n%s", diff)
	}
	if _, err := LokiMatrix(ctx, opts, `{test="metric"}`, at, at, time.Minute); err == nil || !strings.Contains(err.Error(), "only sample expression supported") {
		t.Errorf("a log query as a metric query: err = %v", err)
	}
}

// TestLokiTenant checks what Loki really does with X-Scope-OrgID.
func TestLokiTenant(t *testing.T) {
	t.Run("auth off ignores the tenant", func(t *testing.T) {
		loki := sharedLoki(t)
		s := PushStream{Labels: map[string]string{"test": "tenant-off"}, Entries: []PushEntry{{lokiBase.UnixNano(), "hello"}}}
		pushLines(t, loki, "team-a", s)
		ins, err := LokiInputs(context.Background(), LokiOptions{URL: loki.URL, Org: "someone-else"},
			[]LokiQuery{{"", `{test="tenant-off"}`}}, lokiBase, lokiBase.Add(time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		if len(ins) != 1 || len(readLoki(t, &ins[0])) != 1 {
			t.Errorf("with auth_enabled: false another tenant sees the line: want 1 input, got %d", len(ins))
		}
	})
	t.Run("auth on", func(t *testing.T) {
		loki := lokitest.New(t, true)
		s := PushStream{Labels: map[string]string{"test": "tenant-on"}}
		for i := range 500 {
			s.Entries = append(s.Entries, PushEntry{lokiBase.Add(time.Duration(i) * time.Second).UnixNano(), fmt.Sprintf("line %d", i)})
		}
		pushLines(t, loki, "team-a", s)
		q := []LokiQuery{{"", `{test="tenant-on"}`}}
		end := lokiBase.Add(time.Hour)
		ins, err := LokiInputs(context.Background(), LokiOptions{URL: loki.URL, Org: "team-a"}, q, lokiBase, end)
		if err != nil || len(ins) != 1 || len(readLoki(t, &ins[0])) != 500 {
			t.Fatalf("right tenant: %d inputs, %v", len(ins), err)
		}
		ins, err = LokiInputs(context.Background(), LokiOptions{URL: loki.URL, Org: "team-b"}, q, lokiBase, end)
		if err != nil || len(ins) != 0 {
			t.Errorf("wrong tenant: want no input and no error (an empty tenant), got %d, %v", len(ins), err)
		}
		start := time.Now()
		_, err = LokiInputs(context.Background(), LokiOptions{URL: loki.URL, MinBackoff: 6 * time.Second}, q, lokiBase, end)
		if err == nil || !strings.Contains(err.Error(), "401 Unauthorized: no org id") {
			t.Errorf("no tenant: err = %v, want Loki's 401", err)
		}
		if time.Since(start) > 2500*time.Millisecond { // a retry waits 3..6 s
			t.Errorf("a 401 was retried")
		}

		t.Run("loki stopped mid-read", func(t *testing.T) {
			var pages atomic.Int32
			opts := LokiOptions{URL: loki.URL, Org: "team-a", Limit: 7, Parallel: 1, Retries: 1, MinBackoff: 10 * time.Millisecond}
			opts.onPage = func() {
				if pages.Add(1) == 3 {
					loki.Kill()
				}
			}
			_, err := LokiInputs(context.Background(), opts, q, lokiBase, end)
			if err == nil || !strings.Contains(err.Error(), "connection refused") || !strings.Contains(err.Error(), "gave up after 2 attempts") {
				t.Errorf("err = %v, want connection refused after 2 attempts", err)
			}
			if pages.Load() < 3 {
				t.Errorf("only %d pages before the stop", pages.Load())
			}
		})
	})
}

// fakeLoki answers query_range with handler's responses, counting requests.
func fakeLoki(t *testing.T, handler func(n int32, w http.ResponseWriter, r *http.Request)) (*httptest.Server, *atomic.Int32) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		handler(n.Add(1), w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

const okBody = `{"status":"success","data":{"resultType":"streams","result":[{"stream":{"job":"nginx"},"values":[["1732183200000000000","hello"],["1732183201000000000","world"]]}]}}`

func fakeOpts(url string) LokiOptions {
	return LokiOptions{URL: url, Parallel: 1, Retries: 2, MinBackoff: 5 * time.Millisecond, Timeout: 2 * time.Second}
}

func pullFake(opts LokiOptions) ([]Input, error) {
	return LokiInputs(context.Background(), opts, []LokiQuery{{"access", `{job="nginx"}`}}, lokiBase, lokiBase.Add(30*time.Second))
}

func TestLokiFaults(t *testing.T) {
	t.Parallel()
	t.Run("429 then success", func(t *testing.T) {
		t.Parallel()
		srv, n := fakeLoki(t, func(n int32, w http.ResponseWriter, r *http.Request) {
			if n <= 2 {
				http.Error(w, "too many outstanding requests", http.StatusTooManyRequests)
				return
			}
			io.WriteString(w, okBody)
		})
		opts := fakeOpts(srv.URL)
		opts.Stats = &LokiStats{}
		ins, err := pullFake(opts)
		if err != nil {
			t.Fatal(err)
		}
		if r, b := opts.Stats.Requests.Load(), opts.Stats.Bytes.Load(); r != 3 || b != int64(len(okBody))+2*int64(len("too many outstanding requests\n")) {
			t.Errorf("stats: %d requests, %d bytes", r, b)
		}
		got := readLoki(t, &ins[0])
		want := []entry{{"hello", 1732183200000000000}, {"world", 1732183201000000000}}
		if diff := cmp.Diff(want, got); diff != "" || n.Load() != 3 {
			t.Errorf("after %d requests (-want +got):\n%s", n.Load(), diff)
		}
	})
	t.Run("500 until give-up", func(t *testing.T) {
		t.Parallel()
		srv, n := fakeLoki(t, func(_ int32, w http.ResponseWriter, r *http.Request) {
			http.Error(w, "rpc error: code = Unavailable desc = no healthy ingester", http.StatusInternalServerError)
		})
		_, err := pullFake(fakeOpts(srv.URL))
		want := "gave up after 3 attempts: 500 Internal Server Error: rpc error: code = Unavailable desc = no healthy ingester"
		if err == nil || !strings.Contains(err.Error(), want) || n.Load() != 3 {
			t.Errorf("after %d requests err = %v, want %q", n.Load(), err, want)
		}
	})
	t.Run("400 not retried", func(t *testing.T) {
		t.Parallel()
		srv, n := fakeLoki(t, func(_ int32, w http.ResponseWriter, r *http.Request) {
			http.Error(w, "max entries limit per query exceeded, limit > max_entries_limit (6000 > 5000)", http.StatusBadRequest)
		})
		_, err := pullFake(fakeOpts(srv.URL))
		if err == nil || !strings.Contains(err.Error(), "400 Bad Request: max entries limit") || n.Load() != 1 {
			t.Errorf("after %d requests err = %v", n.Load(), err)
		}
	})
	t.Run("truncated body", func(t *testing.T) {
		t.Parallel()
		srv, n := fakeLoki(t, func(n int32, w http.ResponseWriter, r *http.Request) {
			if n == 1 || n >= 3 { // first attempt cut, then a whole answer, then always cut
				w.Header().Set("Content-Length", fmt.Sprint(len(okBody)))
				io.WriteString(w, okBody[:len(okBody)/2])
				return
			}
			io.WriteString(w, okBody)
		})
		ins, err := pullFake(fakeOpts(srv.URL))
		if err != nil || len(readLoki(t, &ins[0])) != 2 {
			t.Fatalf("cut once then whole: %v", err)
		}
		_, err = pullFake(fakeOpts(srv.URL))
		if err == nil || !strings.Contains(err.Error(), "unexpected EOF") || n.Load() != 5 {
			t.Errorf("always cut: after %d requests err = %v", n.Load(), err)
		}
	})
	t.Run("truncated JSON", func(t *testing.T) {
		t.Parallel()
		srv, _ := fakeLoki(t, func(_ int32, w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, okBody[:len(okBody)-20]) // no Content-Length: the JSON itself is cut
		})
		_, err := pullFake(fakeOpts(srv.URL))
		if err == nil || !strings.Contains(err.Error(), "bad or truncated response") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("hanging response", func(t *testing.T) {
		t.Parallel()
		release := make(chan struct{})
		defer close(release)
		srv, _ := fakeLoki(t, func(_ int32, w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusOK)
			io.WriteString(w, `{"status":"success",`)
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
			case <-release:
			}
		})
		opts := fakeOpts(srv.URL)
		opts.Timeout, opts.Retries = 200*time.Millisecond, -1
		start := time.Now()
		_, err := pullFake(opts)
		if err == nil || !strings.Contains(err.Error(), "no complete answer within 200ms (timeout)") {
			t.Errorf("err = %v", err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("took %v", d)
		}
	})
	t.Run("stream shards merged", func(t *testing.T) {
		t.Parallel()
		// Loki 3 splits a busy stream into __stream_shard__ sub-streams at
		// ingestion (seen with loggen's access log): one input again.
		srv, _ := fakeLoki(t, func(_ int32, w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, `{"status":"success","data":{"resultType":"streams","result":[`+
				`{"stream":{"job":"nginx","__stream_shard__":"1"},"values":[["1732183200000000002","l2"],["1732183200000000004","l4"]]},`+
				`{"stream":{"job":"nginx","__stream_shard__":"0"},"values":[["1732183200000000001","l1"],["1732183200000000003","l3"]]}]}}`)
		})
		ins, err := pullFake(fakeOpts(srv.URL))
		if err != nil {
			t.Fatal(err)
		}
		if len(ins) != 1 || ins[0].Name != `{job="nginx"}` || len(ins[0].Labels) != 1 {
			t.Fatalf("inputs: %+v", ins)
		}
		want := []entry{{"l1", 1732183200000000001}, {"l2", 1732183200000000002}, {"l3", 1732183200000000003}, {"l4", 1732183200000000004}}
		if diff := cmp.Diff(want, readLoki(t, &ins[0])); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})
	t.Run("progress", func(t *testing.T) {
		t.Parallel()
		srv, _ := fakeLoki(t, func(_ int32, w http.ResponseWriter, r *http.Request) { io.WriteString(w, okBody) })
		var progress bytes.Buffer
		opts := fakeOpts(srv.URL)
		opts.Progress = &progress
		if _, err := pullFake(opts); err != nil {
			t.Fatal(err)
		}
		want := "loki: 2 lines, query 1/1, 2024-11-21T10:00:00Z..2024-11-21T10:00:30Z 100% covered \n"
		if got := progress.String(); !strings.HasSuffix(got, want) {
			t.Errorf("progress %q, want it to end with %q", got, want)
		}
	})
	t.Run("tls", func(t *testing.T) {
		t.Parallel()
		srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, okBody) }))
		defer srv.Close()
		ca := filepath.Join(t.TempDir(), "ca.pem")
		writeFile(t, ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}))
		opts := fakeOpts(srv.URL)
		opts.MinBackoff = 6 * time.Second // a retry (3..6 s) would show in the elapsed time
		start := time.Now()
		if _, err := pullFake(opts); err == nil || !strings.Contains(err.Error(), "certificate") || time.Since(start) > 2500*time.Millisecond {
			t.Errorf("unknown CA: err = %v after %v, want a certificate error without retries", err, time.Since(start))
		}
		for _, o := range []LokiOptions{{CAFile: ca}, {InsecureSkipVerify: true}} {
			o.URL = srv.URL
			ins, err := pullFake(o)
			if err != nil || len(ins) != 1 {
				t.Errorf("%+v: %v", o, err)
			}
		}
	})
	t.Run("credentials sent, never shown", func(t *testing.T) {
		t.Parallel()
		var auth, org atomic.Value
		srv, _ := fakeLoki(t, func(_ int32, w http.ResponseWriter, r *http.Request) {
			auth.Store(r.Header.Get("Authorization"))
			org.Store(r.Header.Get("X-Scope-OrgID"))
			http.Error(w, "no", http.StatusForbidden)
		})
		for _, opts := range []LokiOptions{
			{URL: strings.Replace(srv.URL, "http://", "http://alice:s3cret@", 1), Org: "t1"},
			{URL: srv.URL, User: "alice", Password: "s3cret", Org: "t1"},
			{URL: srv.URL, Token: "s3cret", Org: "t1"},
		} {
			_, err := pullFake(opts)
			if err == nil || strings.Contains(err.Error(), "s3cret") || !strings.Contains(err.Error(), "403 Forbidden: no") {
				t.Errorf("err = %v", err)
			}
			if a := auth.Load().(string); a != "Basic YWxpY2U6czNjcmV0" && a != "Bearer s3cret" {
				t.Errorf("Authorization = %q", a)
			}
			if org.Load() != "t1" {
				t.Errorf("X-Scope-OrgID = %v", org.Load())
			}
		}
	})
}

// memLoki serves query_range over in-memory streams with Loki's paging
// semantics: [start, end), oldest first, at most limit entries in all.
func memLoki(t *testing.T, streams []PushStream) *httptest.Server {
	type flat struct {
		s int
		e PushEntry
	}
	var all []flat
	for i, s := range streams {
		for _, e := range s.Entries {
			all = append(all, flat{i, e})
		}
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].e.Time < all[j].e.Time })
	srv, _ := fakeLoki(t, func(_ int32, w http.ResponseWriter, r *http.Request) {
		var from, to int64
		var limit int
		fmt.Sscan(r.FormValue("start"), &from)
		fmt.Sscan(r.FormValue("end"), &to)
		fmt.Sscan(r.FormValue("limit"), &limit)
		values := make([][][2]string, len(streams))
		n := 0
		for _, f := range all {
			if f.e.Time >= from && f.e.Time < to && n < limit {
				values[f.s] = append(values[f.s], [2]string{fmt.Sprint(f.e.Time), f.e.Line})
				n++
			}
		}
		result := []map[string]any{}
		for i := len(streams) - 1; i >= 0; i-- { // streams in no particular order
			if len(values[i]) > 0 {
				result = append(result, map[string]any{"stream": streams[i].Labels, "values": values[i]})
			}
		}
		json.NewEncoder(w).Encode(map[string]any{"status": "success", "data": map[string]any{"resultType": "streams", "result": result}})
	})
	return srv
}

func TestLokiPagingOverStreamShards(t *testing.T) {
	t.Parallel()
	// One stream split by Loki into two shards, lines alternating between
	// them, several sharing one nanosecond at page boundaries.
	s0 := PushStream{Labels: map[string]string{"job": "nginx", "__stream_shard__": "0"}}
	s1 := PushStream{Labels: map[string]string{"job": "nginx", "__stream_shard__": "1"}}
	var want []PushEntry
	base := lokiBase.UnixNano()
	for i := range 200 {
		e := PushEntry{base + int64(i/4)*int64(time.Second), fmt.Sprintf("line %03d", i)}
		want = append(want, e)
		if i%2 == 0 {
			s0.Entries = append(s0.Entries, e)
		} else {
			s1.Entries = append(s1.Entries, e)
		}
	}
	srv := memLoki(t, []PushStream{s0, s1})
	for _, limit := range []int{3, 4, 5, 7, 5000} {
		opts := fakeOpts(srv.URL)
		opts.Limit, opts.Parallel = limit, 2
		ins, err := LokiInputs(context.Background(), opts, []LokiQuery{{"", `{job="nginx"}`}}, lokiBase, lokiBase.Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if len(ins) != 1 || ins[0].Name != `{job="nginx"}` {
			t.Fatalf("limit %d: inputs %+v", limit, ins)
		}
		checkSameEntries(t, fmt.Sprintf("limit %d", limit), want, readLoki(t, &ins[0]))
	}
}

func TestLokiMatrixSplitsLongRanges(t *testing.T) {
	t.Parallel()
	// Loki refuses more than 11,000 points per series: 25,000 steps take
	// three requests, merged into one series in time order.
	var mu sync.Mutex
	var ranges [][2]int64
	srv, _ := fakeLoki(t, func(_ int32, w http.ResponseWriter, r *http.Request) {
		var from, to int64
		fmt.Sscan(r.FormValue("start"), &from)
		fmt.Sscan(r.FormValue("end"), &to)
		mu.Lock()
		ranges = append(ranges, [2]int64{from, to})
		mu.Unlock()
		fmt.Fprintf(w, `{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"status":"200"},"values":[[%d,"1"],[%d,"2"]]}]}}`,
			from/1e9, to/1e9)
	})
	start := lokiBase
	end := start.Add(25000 * time.Second)
	m, err := LokiMatrix(context.Background(), fakeOpts(srv.URL), `sum(count_over_time({job="nginx"}[1s]))`, start, end, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if len(ranges) != 3 || ranges[0][0] != start.UnixNano() || ranges[2][1] != end.UnixNano() ||
		ranges[1][0] != ranges[0][1]+int64(time.Second) || (ranges[0][1]-ranges[0][0])/int64(time.Second) != 10999 {
		t.Errorf("requests over %v", ranges)
	}
	if len(m) != 1 || len(m[0].Points) != 6 || !m[0].Points[0].T.Equal(start) || !m[0].Points[5].T.Equal(end) {
		t.Errorf("series %+v", m)
	}
}

// BenchmarkLokiPull measures the pull rate from the real Loki: 50,000
// access lines in one stream over an hour, read back with LokiInputs.
func BenchmarkLokiPull(b *testing.B) {
	loki := sharedLoki(b)
	s := PushStream{Labels: map[string]string{"test": "bench", "job": "nginx"}}
	var size int
	for i := range 50000 {
		line := fmt.Sprintf(`203.0.113.%d - - [21/Nov/2024:10:%02d:%02d +0000] "GET /post/%d HTTP/1.1" 200 %d "https://l.facebook.com/" "Mozilla/5.0 (iPhone) [FBAN/FBIOS;FBAV/441.0]" 0.%03d`,
			i%250, i/834%60, i%60, i%5000, 1000+i%9000, i%1000)
		size += len(line) + 1
		s.Entries = append(s.Entries, PushEntry{lokiBase.Add(time.Duration(i) * 72 * time.Millisecond).UnixNano(), line})
	}
	pushLines(b, loki, "", s)
	b.SetBytes(int64(size))
	b.ResetTimer()
	for b.Loop() {
		ins, err := LokiInputs(context.Background(), LokiOptions{URL: loki.URL},
			[]LokiQuery{{"access", `{test="bench"}`}}, lokiBase, lokiBase.Add(time.Hour))
		if err != nil {
			b.Fatal(err)
		}
		r, _ := ins[0].Open(context.Background())
		buf := make([]byte, 1<<20)
		lines := 0
		for {
			c, err := r.NextChunk(buf)
			if err != nil {
				break
			}
			lines += bytes.Count(c.Data, nl)
		}
		if lines != 50000 {
			b.Fatalf("%d lines", lines)
		}
	}
	b.ReportMetric(float64(50000*b.N)/b.Elapsed().Seconds(), "lines/s")
}
