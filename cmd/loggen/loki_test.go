package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/postmortem/postmortem/simulate"
	"github.com/postmortem/postmortem/sources"
	"github.com/postmortem/postmortem/sources/lokitest"
)

// TestPushToLokiRoundTrip pushes scenarios into a real Loki and reads every
// file back: the same non-empty lines in the same order, Loki timestamps ascending and
// within a minute of the time written in the line.
func TestPushToLokiRoundTrip(t *testing.T) {
	loki := lokitest.New(t, false)
	for _, c := range []struct {
		name string
		args []string
	}{
		{"viral", []string{"--scenario", "viral", "--duration", "6m"}},
		{"mysql-crash mariadb", []string{"--scenario", "mysql-crash", "--duration", "10m", "--mysql-version", "mariadb", "--day", "2024-11-22"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "out")
			code, _, errOut := runCLI(append(c.args, "--out", dir, "--loki", loki.URL)...)
			if code != exitOK {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			tr, err := simulate.ReadTruth(filepath.Join(dir, simulate.FileTruth))
			if err != nil {
				t.Fatal(err)
			}
			loc, _ := time.LoadLocation(tr.Zone)
			for _, s := range simulate.LokiStreams {
				want, err := os.ReadFile(filepath.Join(dir, s.File))
				if err != nil {
					t.Fatal(err)
				}
				q := sources.LokiQuery{LogQL: `{host="web1", filename="` + s.Filename + `"}`}
				ins, err := sources.LokiInputs(context.Background(), sources.LokiOptions{URL: loki.URL, Parallel: 8}, []sources.LokiQuery{q},
					tr.WindowStart.Add(-time.Hour), tr.WindowEnd.Add(time.Hour))
				if err != nil {
					t.Fatal(err)
				}
				if len(want) == 0 {
					if len(ins) != 0 {
						t.Errorf("%s: empty file, %d inputs", s.File, len(ins))
					}
					continue
				}
				if len(ins) != 1 || ins[0].Labels["job"] != s.Job {
					t.Fatalf("%s: %d inputs (%+v)", s.File, len(ins), ins)
				}
				for bytes.Contains(want, []byte("\n\n")) { // empty lines are not pushed
					want = bytes.ReplaceAll(want, []byte("\n\n"), []byte("\n"))
				}
				want = bytes.TrimPrefix(want, []byte("\n"))
				got, times := readInput(t, &ins[0])
				if !bytes.Equal(got, want) {
					t.Errorf("%s: %d bytes back from Loki, want %d identical bytes", s.File, len(got), len(want))
				}
				var prev int64
				lines := bytes.SplitAfter(got, []byte{'\n'})
				for i, ts := range times {
					if ts <= prev {
						t.Fatalf("%s:%d: Loki time %d not after %d", s.File, i+1, ts, prev)
					}
					prev = ts
					if lt, ok := simulate.LineTime(bytes.TrimSuffix(lines[i], []byte{'\n'}), loc, tr.WindowStart.Year()); ok {
						if d := time.Duration(ts - lt.UnixNano()); d > time.Minute || d < -time.Minute {
							t.Fatalf("%s:%d: Loki time %v, line time %v", s.File, i+1, time.Unix(0, ts).UTC(), lt.UTC())
						}
					}
				}
			}
		})
	}
}

func readInput(t *testing.T, in *sources.Input) ([]byte, []int64) {
	t.Helper()
	r, err := in.Open(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var out []byte
	var times []int64
	buf := make([]byte, 1<<20)
	for {
		c, err := r.NextChunk(buf)
		if err == io.EOF {
			return out, times
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, c.Data...)
		times = append(times, c.EntryTimes...)
	}
}

func TestLineTime(t *testing.T) {
	loc, _ := time.LoadLocation("Europe/Prague")
	want := time.Date(2024, 11, 21, 9, 5, 2, 0, time.UTC)
	for _, line := range []string{
		`203.0.113.9 - - [21/Nov/2024:10:05:02 +0100] "GET / HTTP/1.1" 200 1 "-" "-"`,
		`2024/11/21 10:05:02 [error] 1109#1109: *7 connect() failed`,
		`[21-Nov-2024 10:05:02] WARNING: [pool www] server reached pm.max_children setting (16)`,
		`2024-11-21T09:05:02.000000Z 0 [System] [MY-010116] [Server] starting`,
		`# Time: 2024-11-21T09:05:02.000000Z`,
		`2024-11-21 10:05:02 0 [Note] InnoDB: Starting shutdown...`,
		`241121 10:05:02 [Note] mysqld: ready for connections.`,
		`Nov 21 10:05:02 web1 kernel: Out of memory: Killed process 4242 (php-fpm8.2)`,
	} {
		got, ok := simulate.LineTime([]byte(line), loc, 2024)
		if !ok || !got.Equal(want) {
			t.Errorf("simulate.LineTime(%q) = %v, %v; want %v", line, got.UTC(), ok, want)
		}
	}
	got, ok := simulate.LineTime([]byte("2024-11-21  9:05:02 0 [Note] InnoDB"), loc, 2024)
	if !ok || !got.Equal(want.Add(-time.Hour)) {
		t.Errorf("space-padded hour: %v %v", got, ok)
	}
	if _, ok := simulate.LineTime([]byte("script_filename = /var/www/site/index.php"), loc, 2024); ok {
		t.Error("a continuation line has a time")
	}
}
