package parsers

import (
	"bytes"
	"fmt"
	"time"
)

// sniffMaxLines is how many non-empty lines Sniff looks at.
const sniffMaxLines = 50

// sniffOpts reads stamps during sniffing; the instants do not matter.
func sniffOpts() EventOptions { return EventOptions{Loc: time.UTC, Year: 2000} }

// Sniff says which kind of log lines hold and in which format, from the
// first non-empty lines of an input (up to 50), whatever the file's name:
// access logs (format = the AccessParser's name), nginx and Apache error
// logs, PHP-FPM master and slow logs, MySQL/MariaDB error and slow logs,
// and kernel input (syslog or journal text that may mix units, journal
// JSON, dmesg). A syslog or journal file whose sampled lines all come from one
// service of a sub-format is that service's kind, format suffixed
// " (syslog)". Each candidate is scored by the share of lines its reader
// parses; the best share of at least 60% wins, ties going to the more
// specific format. When none fits the error wraps errUnrecognized.
func Sniff(lines [][]byte) (kind Kind, format string, err error) {
	var sample [][]byte
	for _, l := range lines {
		l = bytes.TrimRight(l, "\r\n")
		if len(bytes.TrimSpace(l)) == 0 {
			continue
		}
		sample = append(sample, l)
		if len(sample) == sniffMaxLines {
			break
		}
	}
	if len(sample) == 0 {
		return KindUnknown, "", fmt.Errorf("sniff: no non-empty lines: %w", errUnrecognized)
	}
	var best sniffCandidate
	consider := func(c sniffCandidate) {
		if c.parsed > best.parsed {
			best = c
		}
	}
	// Most specific first: a later candidate must parse more lines to win.
	consider(sniffCandidate{KindKernel, FormatJournalJSON, sniffCount(newJournalJSONReader(sniffOpts()), sample)})
	consider(sniffNginx(sample))
	consider(sniffApache(sample))
	consider(sniffCandidate{KindFPMSlow, FormatFPMSlow, sniffSlowCount(sample)})
	consider(sniffFPM(sample))
	if k, f, ok := sniffMySQL(sample); ok {
		var r EventReader
		if k == KindMySQLSlow {
			r = newMySQLSlowReader(sniffOpts())
		} else {
			r = newMySQLErrorReader(sniffOpts())
		}
		consider(sniffCandidate{k, f, sniffCount(r, sample)})
	}
	if p, err := SniffAccess(sample); err == nil {
		var rec Access
		n := 0
		for _, l := range sample {
			if p.Parse(l, &rec) == nil {
				n++
			}
		}
		consider(sniffCandidate{KindAccess, p.Name(), n})
	}
	consider(sniffDmesg(sample))
	consider(sniffSyslog(sample))
	if best.parsed*10 < len(sample)*6 {
		return KindUnknown, "", fmt.Errorf("sniff: no format parses most of %d lines (best %s %q: %d): %w",
			len(sample), best.kind, best.format, best.parsed, errUnrecognized)
	}
	return best.kind, best.format, nil
}

// sniffCandidate is one kind and format and how many sampled lines its
// reader parses.
type sniffCandidate struct {
	kind   Kind
	format string
	parsed int
}

// sniffCount feeds sample through r and counts the lines it parses.
func sniffCount(r EventReader, sample [][]byte) int {
	n := 0
	nop := func(*Event) {}
	for i, l := range sample {
		if r.Feed(l, int64(i+1), nop) == nil {
			n++
		}
	}
	r.Flush(nop)
	return n
}

// sniffNginx counts nginx error record heads (bare or wrapped): a
// continuation line counts only when a head came before it.
func sniffNginx(sample [][]byte) (c sniffCandidate) {
	c.kind, c.format = KindNginxError, FormatNginxError
	r := newNginxErrorReader(sniffOpts())
	heads, wrapped := 0, 0
	nop := func(*Event) {}
	for i, l := range sample {
		if r.Feed(l, int64(i+1), nop) != nil {
			continue
		}
		c.parsed++
		if isNginxStamp(l) {
			heads++
		} else if r.wrap.unwrapTo(l, &r.w, isNginxLine) {
			heads++
			wrapped++
		}
	}
	if heads == 0 {
		c.parsed = 0
	}
	if wrapped*2 > heads {
		c.format += formatWrappedSyslog
	}
	return c
}

// sniffApache counts Apache error lines and tells 2.4 ("[module:level]
// [pid …]", microsecond stamps) from 2.2.
func sniffApache(sample [][]byte) (c sniffCandidate) {
	c.kind, c.format = KindApacheError, FormatApacheError22
	r := newApacheErrorReader(sniffOpts())
	v24 := 0
	for i, l := range sample {
		if r.Feed(l, int64(i+1), func(e *Event) {
			if e.PID != 0 || e.Code != 0 {
				v24++
			}
		}) == nil {
			c.parsed++
		}
	}
	if v24 > 0 {
		c.format = FormatApacheError24
	}
	return c
}

// sniffFPM counts PHP-FPM master-log lines and names the variant: debug
// stamps, or lines inside syslog/journal or docker layers.
func sniffFPM(sample [][]byte) (c sniffCandidate) {
	c.kind, c.format = KindFPM, FormatFPM
	r := newFPMReader(sniffOpts())
	var w wrapped
	debug, syslog, docker := 0, 0, 0
	for i, l := range sample {
		if r.Feed(l, int64(i+1), func(e *Event) {
			if e.Level == LevelDebug {
				debug++
			}
		}) != nil {
			continue
		}
		c.parsed++
		if _, _, _, n := fpmStamp(l); n == 0 && r.wrap.unwrap(l, &w) {
			switch w.form {
			case wrapSyslog, wrapISO, wrapTag:
				syslog++
			default:
				docker++
			}
		}
	}
	switch {
	case debug*2 > c.parsed:
		c.format = FormatFPMDebug
	case syslog*2 > c.parsed:
		c.format += formatWrappedSyslog
	case docker*2 > c.parsed:
		c.format += formatWrappedDocker
	}
	return c
}

// sniffSlowCount counts PHP-FPM slow-log lines; a file without a record
// header counts nothing.
func sniffSlowCount(sample [][]byte) int {
	r := newFPMSlowReader(sniffOpts())
	records := 0
	n := 0
	for i, l := range sample {
		if r.Feed(l, int64(i+1), func(*Event) { records++ }) == nil {
			n++
		}
	}
	r.Flush(func(*Event) { records++ })
	if records == 0 {
		return 0
	}
	return n
}

// sniffDmesg counts dmesg lines, raw or "dmesg -T".
func sniffDmesg(sample [][]byte) (c sniffCandidate) {
	c.kind, c.format = KindKernel, FormatDmesg
	r := newDmesgReader(sniffOpts())
	human := 0
	for i, l := range sample {
		if r.Feed(l, int64(i+1), func(e *Event) {
			if !e.Relative {
				human++
			}
		}) == nil {
			c.parsed++
		}
	}
	if human*2 > c.parsed {
		c.format = FormatDmesgHuman
	}
	return c
}

// sniffSyslog counts syslog and journal text lines. When all of them
// come from one service with a reader of its own (php-fpm, mysqld, nginx,
// Apache), the input is that service's log inside syslog.
func sniffSyslog(sample [][]byte) (c sniffCandidate) {
	c.kind, c.format = KindKernel, FormatSyslog
	u := newUnwrapper(sniffOpts())
	var w wrapped
	var progs [progApache + 1]int
	meta := 0
	for _, l := range sample {
		if journalMeta(l) {
			meta++
			c.format = FormatJournal
			continue
		}
		if u.unwrap(l, &w) && (w.form == wrapSyslog || w.form == wrapISO) {
			c.parsed++
			progs[programOf(w.prog)]++
		}
	}
	for _, s := range [...]struct {
		prog   syslogProg
		kind   Kind
		format string
	}{
		{progFPM, KindFPM, FormatFPM},
		{progMySQL, KindMySQLError, "mysql"},
		{progNginx, KindNginxError, FormatNginxError},
		{progApache, KindApacheError, FormatApacheError24},
	} {
		if c.parsed > 0 && progs[s.prog] == c.parsed {
			suffix := formatWrappedSyslog
			if meta > 0 {
				suffix = formatWrappedJournal
			}
			c.kind, c.format = s.kind, s.format+suffix
		}
	}
	c.parsed += meta
	return c
}
