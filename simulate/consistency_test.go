package simulate

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

var monthNum = map[string]string{"Jan": "01", "Feb": "02", "Mar": "03", "Apr": "04", "May": "05", "Jun": "06",
	"Jul": "07", "Aug": "08", "Sep": "09", "Oct": "10", "Nov": "11", "Dec": "12"}

type accessLine struct {
	local   string // 2024/11/21 10:04:40, as the nginx error log writes it
	client  string
	request string // GET /x HTTP/1.1
	method  string
	path    string
	status  int
}

// parseAccessLine reads a line of our own combined + timings format
// without the project's parser, so the two check each other.
func parseAccessLine(l string) (accessLine, bool) {
	var a accessLine
	sp := strings.IndexByte(l, ' ')
	lb := strings.IndexByte(l, '[')
	q1 := strings.IndexByte(l, '"')
	if sp < 0 || lb < 0 || q1 < 0 {
		return a, false
	}
	a.client = l[:sp]
	ts := l[lb+1 : lb+21] // 21/Nov/2024:10:15:02
	a.local = ts[7:11] + "/" + monthNum[ts[3:6]] + "/" + ts[0:2] + " " + ts[12:20]
	q2 := strings.IndexByte(l[q1+1:], '"') + q1 + 1
	a.request = l[q1+1 : q2]
	f := strings.Fields(a.request)
	if len(f) != 3 {
		return a, false
	}
	a.method, a.path = f[0], f[1]
	rest := strings.Fields(l[q2+1:])
	if len(rest) < 2 {
		return a, false
	}
	a.status, _ = strconv.Atoi(rest[0])
	return a, a.status > 0
}

// nginxCause reads time, client, request and the cause class of an nginx
// error line; ok is false for lines without a request.
func nginxCause(l string) (key, cause string, ok bool) {
	if len(l) < 20 {
		return "", "", false
	}
	ci := strings.Index(l, ", client: ")
	ri := strings.Index(l, ", request: \"")
	if ci < 0 || ri < 0 {
		return "", "", false
	}
	client := l[ci+10 : ci+10+strings.IndexByte(l[ci+10:], ',')]
	req := l[ri+12 : ri+12+strings.IndexByte(l[ri+12:], '"')]
	switch {
	case strings.Contains(l, "(11: Resource temporarily unavailable)"),
		strings.Contains(l, "prematurely closed"),
		strings.Contains(l, "(104: Connection reset by peer)"),
		strings.Contains(l, "(2: No such file or directory)"),
		strings.Contains(l, "(111: Connection refused)"):
		cause = "502"
	case strings.Contains(l, "upstream timed out"):
		cause = "504"
	case strings.Contains(l, "FastCGI sent in stderr") && !strings.Contains(l, "PHP Warning:"):
		cause = "500"
	case strings.Contains(l, "limiting requests"):
		cause = "503"
	default:
		return "", "", false
	}
	return l[:19] + "|" + client + "|" + req, cause, true
}

func scanFile(t *testing.T, path string, f func(string)) {
	t.Helper()
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	sc := bufio.NewScanner(fh)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		f(sc.Text())
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
}

// TestErrorsHaveCauses: every 500, 502, 503 and 504 in access.log has its
// cause, same second, client and request, in nginx-error.log; every
// max_children warning lies inside a php-fpm saturation interval; every
// committed-but-failed write is an access line with that status.
func TestErrorsHaveCauses(t *testing.T) {
	cases := []struct {
		name     string
		d        time.Duration
		wantWarn bool // max_children warnings expected
		want     int  // a status that must occur
		mutate   func(*Scenario)
	}{
		{"viral", 35 * time.Minute, true, 502, nil},
		{"viral", 20 * time.Minute, false, 503, func(sc *Scenario) { sc.LimitReqRPS, sc.LimitReqBurst = 0.2, 2 }},
		{"launch", 20 * time.Minute, false, 500, nil},
		{"mysql-crash", 25 * time.Minute, false, 502, func(sc *Scenario) { sc.Actions = append(sc.Actions, Action{At: hm(10, 5), Kind: ActionRestartPHP}) }},
		{"oom", 35 * time.Minute, false, 500, nil},
		{"crawler", 15 * time.Minute, true, 502, nil},
		{"viral", 30 * time.Minute, true, 502, func(sc *Scenario) {
			sc.RequestTerminateTimeout = 4 * time.Second
			sc.Actions = append(sc.Actions, Action{At: hm(10, 12), Kind: ActionRaiseMaxChildren, Value: 24})
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir, tr := runShort(t, c.name, c.d, c.mutate)
			causes := map[string]map[string]int{"500": {}, "502": {}, "503": {}, "504": {}}
			scanFile(t, filepath.Join(dir, FileNginxError), func(l string) {
				if key, cause, ok := nginxCause(l); ok {
					causes[cause][key]++
				}
			})
			errs := map[int]int{}
			byKey := map[string]int{} // committed-but-failed lookups
			scanFile(t, filepath.Join(dir, FileAccess), func(l string) {
				a, ok := parseAccessLine(l)
				if !ok {
					t.Fatalf("unparsable access line %q", l)
				}
				if a.method == "POST" {
					byKey[a.local+"|"+a.client+"|"+a.path+"|"+strconv.Itoa(a.status)]++
				}
				st := strconv.Itoa(a.status)
				m := causes[st]
				if m == nil {
					return
				}
				errs[a.status]++
				key := a.local + "|" + a.client + "|" + a.request
				if m[key] == 0 {
					if errs[-a.status]++; errs[-a.status] <= 3 {
						t.Errorf("%d without a cause in nginx-error.log: %s", a.status, l)
					}
					return
				}
				m[key]--
			})
			for st := range causes {
				for key, n := range causes[st] {
					if n != 0 {
						t.Errorf("nginx-error.log has %d unmatched %s causes for %s", n, st, key)
						break
					}
				}
			}
			if errs[c.want] == 0 {
				t.Errorf("no %d at all: %v", c.want, errs)
			}

			loc, _ := time.LoadLocation(tr.Zone)
			warnings := 0
			scanFile(t, filepath.Join(dir, FileFPM), func(l string) {
				if !strings.Contains(l, "pm.max_children setting") {
					return
				}
				warnings++
				at, err := time.ParseInLocation("[02-Jan-2006 15:04:05]", l[:22], loc)
				if err != nil {
					t.Fatal(err)
				}
				for _, s := range tr.Saturation {
					if s.Resource == "php-fpm" && !at.Before(s.Start) && (s.End == nil || at.Before(*s.End)) {
						return
					}
				}
				t.Errorf("max_children warning at %v outside every php-fpm saturation %+v", at, tr.Saturation)
			})
			if c.wantWarn && warnings == 0 {
				t.Error("viral: no max_children warning")
			}
			for _, w := range tr.FailedWrites {
				key := w.Time.In(loc).Format("2006/01/02 15:04:05") + "|" + w.Client + "|" + w.Path + "|" + strconv.Itoa(w.Status)
				if byKey[key] == 0 {
					t.Errorf("failed write %+v has no access line", w)
					continue
				}
				byKey[key]--
				if w.CommittedAt.After(w.Time.Add(time.Hour)) || w.Status < 499 {
					t.Errorf("odd failed write %+v", w)
				}
			}
			if c.name == "launch" && len(tr.FailedWrites) < 20 {
				t.Errorf("launch: only %d committed-but-failed writes", len(tr.FailedWrites))
			}
		})
	}
}

// TestStaticPoolIsSilent: a pm = static pool never logs max_children or
// seems busy, yet truth.json knows it saturated.
func TestStaticPoolIsSilent(t *testing.T) {
	dir, tr := runShort(t, "static-pool", 30*time.Minute, nil)
	b, err := os.ReadFile(filepath.Join(dir, FileFPM))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(b, []byte("max_children")) || bytes.Contains(b, []byte("seems busy")) {
		t.Error("static pool logged a pm warning")
	}
	if !bytes.Contains(b, []byte("exited on signal 9 (SIGKILL)")) {
		t.Error("the operator's kill -9 left no trace in php-fpm.log")
	}
	n := 0
	for _, s := range tr.Saturation {
		if s.Resource == "php-fpm" {
			n++
		}
	}
	if n == 0 || tr.PM != "static" {
		t.Errorf("static pool: pm %q, %d php-fpm saturation intervals", tr.PM, n)
	}
}

// TestCommittedWritesReachMySQL: the launch's registrations are INSERTs the
// slow log sees, and some failed responses hid a committed row.
func TestCommittedWritesReachMySQL(t *testing.T) {
	dir, tr := runShort(t, "launch", 20*time.Minute, nil)
	b, err := os.ReadFile(filepath.Join(dir, FileMySQLSlow))
	if err != nil {
		t.Fatal(err)
	}
	inserts := bytes.Count(b, []byte("INSERT INTO registrations"))
	if inserts == 0 || int64(inserts) > tr.CommittedWrites {
		t.Errorf("%d slow INSERTs for %d committed writes", inserts, tr.CommittedWrites)
	}
	if tr.CommittedWrites == 0 || tr.CommittedWrites >= tr.Writes {
		t.Errorf("writes %d, committed %d", tr.Writes, tr.CommittedWrites)
	}
	a, _ := os.ReadFile(filepath.Join(dir, FileAccess))
	if !bytes.Contains(a, []byte("\"POST /register HTTP/")) || !bytes.Contains(a, []byte("\" 409 ")) {
		t.Error("launch: no POST /register or no 409 already-registered answer")
	}
	for _, w := range tr.FailedWrites {
		if w.CommittedAt.After(w.Time.Add(2*time.Minute)) || w.Method != "POST" {
			t.Errorf("failed write %+v", w)
		}
	}
}
