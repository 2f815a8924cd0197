package simulate

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/postmortem/postmortem/parsers"
)

// runShort runs scenario name with its window trimmed to d (0 keeps it)
// into a temporary directory.
func runShort(t *testing.T, name string, d time.Duration, mutate func(*Scenario)) (string, *Truth) {
	t.Helper()
	sc, err := Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	if d > 0 {
		sc.Duration = d
	}
	if mutate != nil {
		mutate(&sc)
	}
	dir := t.TempDir()
	tr, err := Run(sc, 7, dir)
	if err != nil {
		t.Fatal(err)
	}
	return dir, tr
}

func readLines(t *testing.T, path string) [][]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b = bytes.TrimSuffix(b, []byte("\n"))
	if len(b) == 0 {
		return nil
	}
	return bytes.Split(b, []byte("\n"))
}

var eventFiles = []struct {
	file string
	kind parsers.Kind
}{
	{FileNginxError, parsers.KindNginxError},
	{FileFPM, parsers.KindFPM},
	{FileFPMSlow, parsers.KindFPMSlow},
	{FileMySQLError, parsers.KindMySQLError},
	{FileMySQLSlow, parsers.KindMySQLSlow},
	{FileSyslog, parsers.KindKernel},
}

// TestEveryLineParses feeds every file of every scenario (and each MySQL
// flavour) to the project's parsers: no line may be skipped, and sniffing
// must recognise each file's kind.
func TestEveryLineParses(t *testing.T) {
	type run struct {
		name    string
		d       time.Duration
		version string
	}
	runs := []run{
		{"viral", 35 * time.Minute, ""},
		{"launch", 25 * time.Minute, "mariadb"},
		{"crawler", 20 * time.Minute, "5.7"},
		{"mysql-crash", 25 * time.Minute, ""},
		{"mysql-crash", 25 * time.Minute, "mariadb"},
		{"mysql-crash", 25 * time.Minute, "5.7"},
		{"oom", 40 * time.Minute, ""},
		{"static-pool", 30 * time.Minute, "5.7"},
		{"quiet-day", 2 * time.Hour, ""},
	}
	for _, rn := range runs {
		t.Run(rn.name+"/"+rn.version, func(t *testing.T) {
			dir, _ := runShort(t, rn.name, rn.d, func(sc *Scenario) {
				if rn.version != "" {
					sc.MySQLVersion = rn.version
				}
			})
			checkAccessParses(t, filepath.Join(dir, FileAccess))
			loc, _ := time.LoadLocation("Europe/Prague")
			for _, f := range eventFiles {
				lines := readLines(t, filepath.Join(dir, f.file))
				if len(lines) == 0 {
					continue
				}
				kind, format, err := parsers.Sniff(lines)
				if err != nil || kind != f.kind {
					t.Errorf("%s: sniffed %v %q (%v), want kind %v", f.file, kind, format, err, f.kind)
				}
				rd, err := parsers.NewEventReader(f.kind, format, parsers.EventOptions{Loc: loc, Year: 2024})
				if err != nil {
					t.Fatalf("%s: %v", f.file, err)
				}
				events, skipped := 0, 0
				for i, l := range lines {
					if err := rd.Feed(l, int64(i+1), func(*parsers.Event) { events++ }); err != nil {
						skipped++
						if skipped <= 3 {
							t.Errorf("%s:%d: %v: %q", f.file, i+1, err, l)
						}
					}
				}
				rd.Flush(func(*parsers.Event) { events++ })
				if skipped > 0 {
					t.Errorf("%s: %d of %d lines skipped", f.file, skipped, len(lines))
				}
				if events == 0 {
					t.Errorf("%s: %d lines gave no events", f.file, len(lines))
				}
			}
		})
	}
}

func checkAccessParses(t *testing.T, path string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	var sample [][]byte
	p := parsers.NewAccessParser(parsers.FormatNginxCombinedUpstream)
	var rec parsers.Access
	n, bad := 0, 0
	for sc.Scan() {
		l := sc.Bytes()
		if len(sample) < 50 {
			sample = append(sample, bytes.Clone(l))
		}
		n++
		if err := p.Parse(l, &rec); err != nil {
			bad++
			if bad <= 3 {
				t.Errorf("access.log:%d: %v", n, err)
			}
			continue
		}
		if rec.RequestTime < 0 {
			t.Fatalf("access.log:%d: no request time: %q", n, l)
		}
	}
	if bad > 0 {
		t.Errorf("access.log: %d of %d lines do not parse", bad, n)
	}
	sp, err := parsers.SniffAccess(sample)
	if err != nil || sp.Format() != parsers.FormatNginxCombinedUpstream {
		t.Errorf("access.log sniffed as %v (%v), want %v", sp, err, parsers.FormatNginxCombinedUpstream)
	}
}
