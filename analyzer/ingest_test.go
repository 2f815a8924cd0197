package analyzer

import (
	"bufio"
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/postmortem/postmortem/parsers"
)

// ingestDir reads every log of a simulator run directory through the real
// parsers (Sniff, SniffAccess, NewEventReader) into one Aggregator per
// file, merged, as the CLI's pipeline does. Zone-less sources are read in
// loc. It returns the finished report.
func ingestDir(t testing.TB, dir string, loc *time.Location, year int, o *Options) *Report {
	t.Helper()
	root, infos := ingestAgg(t, dir, loc, year, o)
	return Finish(root, infos, o)
}

// ingestAgg is ingestDir without Finish.
func ingestAgg(t testing.TB, dir string, loc *time.Location, year int, o *Options) (*Aggregator, []InputInfo) {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(dir, "*"))
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(names)
	root := NewAggregator(o)
	var infos []InputInfo
	for _, path := range names {
		base := filepath.Base(path)
		if base == "truth.json" || filepath.Ext(base) == ".csv" {
			continue
		}
		input := len(infos)
		info, agg := ingestFile(t, path, input, root, loc, year)
		infos = append(infos, info)
		root.Merge(agg)
	}
	return root, infos
}

func ingestFile(t testing.TB, path string, input int, proto *Aggregator, loc *time.Location, year int) (InputInfo, *Aggregator) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 1<<20)
	// Sniff the first lines.
	var head [][]byte
	for len(head) < 50 {
		l, err := br.ReadBytes('\n')
		if len(l) > 0 {
			head = append(head, bytes.TrimRight(l, "\r\n"))
		}
		if err != nil {
			break
		}
	}
	info := InputInfo{Name: filepath.Base(path), TZ: loc.String(), TZSource: "flag"}
	agg := proto.Clone()
	kind, format, err := parsers.Sniff(head)
	if err != nil || len(head) == 0 {
		info.Kind, info.Format = "unknown", ""
		for i, l := range head {
			agg.Skip(input, int64(i+1), "unrecognized format", l)
		}
		return info, agg
	}
	info.Kind, info.Format = kind.String(), format
	var num int64
	lines := func(fn func(line []byte)) {
		for _, l := range head {
			num++
			fn(l)
		}
		sc := bufio.NewScanner(br)
		sc.Buffer(make([]byte, 0, 1<<20), 1<<20)
		for sc.Scan() {
			num++
			fn(bytes.TrimRight(sc.Bytes(), "\r"))
		}
	}
	if kind == parsers.KindAccess {
		info.TZ, info.TZSource = "", "log"
		p, err := parsers.SniffAccess(head)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		var rec parsers.Access
		lines(func(line []byte) {
			if err := p.Parse(line, &rec); err != nil {
				reason := "bad line"
				var le *parsers.LineError
				if errors.As(err, &le) {
					reason = le.Reason
				}
				agg.Skip(input, num, reason, line)
				return
			}
			agg.AddAccess(input, num, &rec)
		})
		return info, agg
	}
	r, err := parsers.NewEventReader(kind, format, parsers.EventOptions{Loc: loc, Year: year})
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	emit := func(e *parsers.Event) {
		first := num
		if e.Lines > 1 {
			first = num - int64(e.Lines)
		}
		agg.AddEvent(input, first, e)
	}
	lines(func(line []byte) {
		if err := r.Feed(line, num, emit); err != nil {
			reason := "bad line"
			var le *parsers.LineError
			if errors.As(err, &le) {
				reason = le.Reason
			}
			agg.Skip(input, num, reason, line)
		}
	})
	num++
	r.Flush(emit)
	return info, agg
}
