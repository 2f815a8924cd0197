package simulate

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/postmortem/postmortem/sources"
)

// LokiStream says how one log file of a run is labelled in Loki, the way
// promtail would ship it from the host, and the --loki-query that reads it
// back.
type LokiStream struct {
	File     string // name in the run directory
	Job      string
	Filename string // the path on the simulated host
	Kind     string // the postmortem kind, for --loki-query KIND=LOGQL
}

// Query is the postmortem --loki-query for this stream; extra labels (as
// given to PushToLoki) narrow it to one run.
func (s LokiStream) Query(extra map[string]string) string {
	q := `{job="` + s.Job + `",filename="` + s.Filename + `"`
	keys := make([]string, 0, len(extra))
	for k := range extra {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		q += `,` + k + `="` + extra[k] + `"`
	}
	return s.Kind + "=" + q + "}"
}

// LokiStreams lists the files of a run and their Loki labels. Queries for
// postmortem: access={job="nginx",filename=~".*access.*"},
// nginx-error={job="nginx",filename=~".*error.*"}, fpm={job="php-fpm",
// filename!~".*slow.*"}, fpm-slow={job="php-fpm",filename=~".*slow.*"},
// mysql-error={job="mysql",filename=~".*error.*"},
// mysql-slow={job="mysql",filename=~".*slow.*"}, kernel={job="kernel"}.
var LokiStreams = []LokiStream{
	{FileAccess, "nginx", "/var/log/nginx/access.log", "access"},
	{FileNginxError, "nginx", "/var/log/nginx/error.log", "nginx-error"},
	{FileFPM, "php-fpm", "/var/log/php8.2-fpm.log", "fpm"},
	{FileFPMSlow, "php-fpm", "/var/log/php-fpm/www-slow.log", "fpm-slow"},
	{FileMySQLError, "mysql", "/var/log/mysql/error.log", "mysql-error"},
	{FileMySQLSlow, "mysql", "/var/log/mysql/mysql-slow.log", "mysql-slow"},
	{FileSyslog, "kernel", "/var/log/syslog", "kernel"},
}

// lokiHost is the host label; the simulated syslog names the host web1.
const lokiHost = "web1"

// PushToLoki pushes every log file of the run in dir to Loki, one stream
// per file labelled job, host, filename and the extra labels (which keep
// several runs apart in one Loki). Each line's Loki
// timestamp is the time written in the line (zone from the truth file);
// a line without one (a continuation of a multi-line record) takes the
// previous line's. Empty lines are left out (see pushFile). Within a stream, timestamps are made strictly increasing
// (a nanosecond apart at least) so that Loki keeps the file's line order.
func PushToLoki(ctx context.Context, opts sources.LokiOptions, dir string, t *Truth, extra map[string]string) error {
	loc, err := time.LoadLocation(t.Zone)
	if err != nil {
		return fmt.Errorf("zone %q: %w", t.Zone, err)
	}
	for _, s := range LokiStreams {
		if err := pushFile(ctx, opts, filepath.Join(dir, s.File), s, loc, t.WindowStart, extra); err != nil {
			return err
		}
	}
	return nil
}

// pushBatchLines bounds the lines held in memory per push.
const pushBatchLines = 20000

func pushFile(ctx context.Context, opts sources.LokiOptions, path string, s LokiStream, loc *time.Location, start time.Time, extra map[string]string) error {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil // a scenario without this log
	}
	if err != nil {
		return err
	}
	defer f.Close()
	labels := map[string]string{"job": s.Job, "host": lokiHost, "filename": s.Filename}
	for k, v := range extra {
		labels[k] = v
	}
	br := bufio.NewReaderSize(f, 1<<20)
	stream := sources.PushStream{Labels: labels}
	prev := start.UnixNano() - 1
	year := start.In(loc).Year()
	for {
		line, err := br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			// A line over 1 MiB: Loki refuses it (max_line_size); keep the start.
			for err == bufio.ErrBufferFull {
				_, err = br.ReadSlice('\n')
			}
		}
		line = bytes.TrimSuffix(line, []byte{'\n'})
		// Empty lines are not pushed: Loki 3.7 stores them but leaves them out
		// of a chunk's time bounds, so a query range that ends before the
		// chunk's next non-empty line misses them (seen with the blank line
		// opening php-fpm-slow.log): they would come back or not depending on
		// how the range is sharded.
		if len(line) > 0 {
			ts := prev + 1
			if lt, ok := LineTime(line, loc, year); ok && lt.UnixNano() > prev {
				ts = lt.UnixNano()
			}
			prev = ts
			stream.Entries = append(stream.Entries, sources.PushEntry{Time: ts, Line: string(line)})
		}
		if len(stream.Entries) >= pushBatchLines || (err != nil && len(stream.Entries) > 0) {
			if perr := sources.LokiPush(ctx, opts, []sources.PushStream{stream}); perr != nil {
				return fmt.Errorf("push %s: %w", path, perr)
			}
			stream.Entries = stream.Entries[:0]
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read %s: %w", path, err)
		}
	}
}

// LineTime is the Loki timestamp PushToLoki gives a line: it finds the timestamp of a log line in the layouts the simulator
// writes: nginx access [21/Nov/2024:10:15:02 +0100], nginx error
// 2024/11/21 10:15:02, PHP-FPM [21-Nov-2024 10:15:02], MySQL
// 2024-11-21T09:15:02.123456Z and "# Time: …", MariaDB 2024-11-21  9:15:02
// and 241121  9:15:02, syslog Nov 21 10:15:02.
func LineTime(line []byte, loc *time.Location, year int) (time.Time, bool) {
	s := string(line[:min(len(line), 40)])
	if len(s) > 8 && s[:8] == "# Time: " {
		s = s[8:]
	}
	try := func(layout, v string) (time.Time, bool) {
		if len(v) < len(layout) {
			return time.Time{}, false
		}
		t, err := time.ParseInLocation(layout, v[:len(layout)], loc)
		return t, err == nil
	}
	if i := bytes.IndexByte(line[:min(len(line), 300)], '['); i >= 0 && i+27 <= len(line) {
		if t, ok := try("02/Jan/2006:15:04:05 -0700", string(line[i+1:i+27])); ok {
			return t, true
		}
	}
	if len(s) > 0 && s[0] == '[' {
		if t, ok := try("02-Jan-2006 15:04:05", s[1:]); ok {
			return t, true
		}
	}
	if len(s) >= 20 && s[4] == '-' && s[10] == 'T' {
		end := bytes.IndexByte([]byte(s), ' ')
		if end < 0 {
			end = len(s)
		}
		if t, err := time.Parse(time.RFC3339Nano, s[:end]); err == nil {
			return t, true
		}
	}
	for _, layout := range []string{"2006/01/02 15:04:05", "2006-01-02 15:04:05", "2006-01-02  3:04:05", "060102 15:04:05", "060102  3:04:05"} {
		if t, ok := try(layout, s); ok {
			return t, true
		}
	}
	if t, ok := try("Jan _2 15:04:05", s); ok {
		return t.AddDate(year-t.Year(), 0, 0), true
	}
	return time.Time{}, false
}
