package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/postmortem/postmortem/simulate"
	"github.com/postmortem/postmortem/sources"
)

// lokiStream says how one log file of a run is labelled in Loki, the way
// promtail would ship it from the host.
type lokiStream struct {
	file     string // name in the run directory
	job      string
	filename string // the path on the simulated host
}

// lokiStreams lists the files of a run and their Loki labels. Queries for
// postmortem: access={job="nginx",filename=~".*access.*"},
// nginx-error={job="nginx",filename=~".*error.*"}, fpm={job="php-fpm",
// filename!~".*slow.*"}, fpm-slow={job="php-fpm",filename=~".*slow.*"},
// mysql-error={job="mysql",filename=~".*error.*"},
// mysql-slow={job="mysql",filename=~".*slow.*"}, kernel={job="kernel"}.
var lokiStreams = []lokiStream{
	{simulate.FileAccess, "nginx", "/var/log/nginx/access.log"},
	{simulate.FileNginxError, "nginx", "/var/log/nginx/error.log"},
	{simulate.FileFPM, "php-fpm", "/var/log/php8.2-fpm.log"},
	{simulate.FileFPMSlow, "php-fpm", "/var/log/php-fpm/www-slow.log"},
	{simulate.FileMySQLError, "mysql", "/var/log/mysql/error.log"},
	{simulate.FileMySQLSlow, "mysql", "/var/log/mysql/mysql-slow.log"},
	{simulate.FileSyslog, "kernel", "/var/log/syslog"},
}

// lokiHost is the host label; the simulated syslog names the host web1.
const lokiHost = "web1"

// pushToLoki pushes every log file of the run in dir to the Loki at url,
// one stream per file labelled job, host and filename. Each line's Loki
// timestamp is the time written in the line (zone from the truth file);
// a line without one (a continuation of a multi-line record) takes the
// previous line's. Empty lines are left out (see pushFile). Within a stream, timestamps are made strictly increasing
// (a nanosecond apart at least) so that Loki keeps the file's line order.
func pushToLoki(url, dir string, t *simulate.Truth) error {
	loc, err := time.LoadLocation(t.Zone)
	if err != nil {
		return fmt.Errorf("zone %q: %w", t.Zone, err)
	}
	ctx := context.Background()
	opts := sources.LokiOptions{URL: url, Org: os.Getenv("LOKI_ORG"), Password: os.Getenv("LOKI_PASSWORD"), Token: os.Getenv("LOKI_TOKEN")}
	for _, s := range lokiStreams {
		if err := pushFile(ctx, opts, filepath.Join(dir, s.file), s, loc, t.WindowStart); err != nil {
			return err
		}
	}
	return nil
}

// pushBatchLines bounds the lines held in memory per push.
const pushBatchLines = 20000

func pushFile(ctx context.Context, opts sources.LokiOptions, path string, s lokiStream, loc *time.Location, start time.Time) error {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil // a scenario without this log
	}
	if err != nil {
		return err
	}
	defer f.Close()
	labels := map[string]string{"job": s.job, "host": lokiHost, "filename": s.filename}
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
			if lt, ok := lineTime(line, loc, year); ok && lt.UnixNano() > prev {
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

// lineTime finds the timestamp of a log line in the layouts the simulator
// writes: nginx access [21/Nov/2024:10:15:02 +0100], nginx error
// 2024/11/21 10:15:02, PHP-FPM [21-Nov-2024 10:15:02], MySQL
// 2024-11-21T09:15:02.123456Z and "# Time: …", MariaDB 2024-11-21  9:15:02
// and 241121  9:15:02, syslog Nov 21 10:15:02.
func lineTime(line []byte, loc *time.Location, year int) (time.Time, bool) {
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
