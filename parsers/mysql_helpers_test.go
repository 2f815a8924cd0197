package parsers

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// mysqlCorpusDir is the shared real-log corpus, read in place.
const mysqlCorpusDir = "../../shared/corpus"

// mysqlCorpus returns the path of a corpus file, skipping the test when the
// corpus folder is absent.
func mysqlCorpus(t testing.TB, rel string) string {
	t.Helper()
	if _, err := os.Stat(mysqlCorpusDir); err != nil {
		t.Skipf("corpus folder %s absent", mysqlCorpusDir)
	}
	return filepath.Join(mysqlCorpusDir, rel)
}

// mysqlEv is a copy of an Event with strings, for comparisons.
type mysqlEv struct {
	Time   string // RFC 3339 UTC with nanoseconds, "" for 0
	Type   EventType
	Level  Level
	PID    int64
	Num    [4]int64
	Code   int64
	Client string
	Host   string
	Unit   string
	Text   string
	Lines  int
}

func mysqlCopyEv(e *Event) mysqlEv {
	c := mysqlEv{Type: e.Type, Level: e.Level, PID: e.PID, Num: e.Num, Code: e.Code,
		Client: string(e.Client), Host: string(e.Host), Unit: string(e.Unit), Text: string(e.Text), Lines: e.Lines}
	if e.Time != 0 {
		c.Time = time.Unix(0, e.Time).UTC().Format(time.RFC3339Nano)
	}
	return c
}

// mysqlFeedResult is what a reader made of a whole input.
type mysqlFeedResult struct {
	events  []mysqlEv
	lines   int
	parsed  int
	skipped []mysqlSkipped
}

type mysqlSkipped struct {
	num    int
	text   string
	reason string
}

// mysqlFeedAll feeds data line by line to r and flushes it.
func mysqlFeedAll(r EventReader, data []byte) mysqlFeedResult {
	var res mysqlFeedResult
	emit := func(e *Event) { res.events = append(res.events, mysqlCopyEv(e)) }
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	n := 0
	for sc.Scan() {
		n++
		err := r.Feed(sc.Bytes(), int64(n), emit)
		if err != nil {
			le, _ := err.(*LineError)
			reason := err.Error()
			if le != nil {
				reason = le.Reason
			}
			res.skipped = append(res.skipped, mysqlSkipped{n, sc.Text(), reason})
		} else {
			res.parsed++
		}
	}
	r.Flush(emit)
	res.lines = n
	return res
}

func mysqlLoc(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}
