package parsers_test

import (
	"bytes"
	"fmt"
	"time"

	"github.com/postmortem/postmortem/parsers"
)

// Sniff an input by content, then read it with the reader for its kind.
func ExampleNewEventReader() {
	input := []byte(`Nov 21 10:15:00 web kernel: [12345.602100] Out of memory: Killed process 5151 (mariadbd) total-vm:2048000kB, anon-rss:1024000kB, file-rss:0kB, shmem-rss:0kB, UID:999 pgtables:2400kB oom_score_adj:0
Nov 21 10:15:00 web systemd[1]: mariadb.service: Failed with result 'oom-kill'.
Nov 21 10:15:08 web php-fpm8.2[1101]: [WARNING] [pool www] server reached pm.max_children setting (50), consider raising it
`)
	lines := bytes.Split(bytes.TrimSuffix(input, []byte("\n")), []byte("\n"))
	kind, format, err := parsers.Sniff(lines)
	if err != nil {
		panic(err)
	}
	fmt.Println(kind, format)
	r, err := parsers.NewEventReader(kind, format, parsers.EventOptions{Loc: time.UTC, Year: 2024})
	if err != nil {
		panic(err)
	}
	emit := func(e *parsers.Event) {
		fmt.Println(time.Unix(0, e.Time).UTC().Format(time.TimeOnly), e.Kind, e.Type, e.PID, e.Num[0], string(e.Unit))
	}
	for i, l := range lines {
		if err := r.Feed(l, int64(i+1), emit); err != nil {
			fmt.Println("skipped:", err)
		}
	}
	r.Flush(emit)
	// Output:
	// kernel syslog
	// 10:15:00 kernel kernel-oom-kill 5151 1024000 kernel
	// 10:15:00 kernel systemd-failed 0 0 mariadb.service
	// 10:15:08 fpm fpm-max-children 0 50 php-fpm8.2
}
