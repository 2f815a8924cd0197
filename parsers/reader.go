package parsers

import "time"

// EventOptions tell a reader how to turn the stamps of one input into
// instants.
type EventOptions struct {
	// Loc is the zone for stamps that carry no offset (nginx error, PHP-FPM,
	// MariaDB, syslog). Never nil.
	Loc *time.Location
	// Year is used for stamps without a year (syslog "Nov 21 10:15:02"); the
	// reader moves to the next year when the month wraps from December to
	// January.
	Year int
}

// EventReader turns the physical lines of one non-access input into events.
// Multi-line formats (FastCGI stderr entries, FPM slow log, MySQL crash
// reports, slow log) buffer continuation lines and emit a record when the
// next one starts, or on Flush.
//
// Feed takes the next physical line (without its newline) and its 1-based
// number, and calls emit for each record the line completes; the *Event is
// valid only during the call. Every emitted Event carries in Line the num
// of the record's first line, whether that Feed, a later one or Flush emits
// it. Feed returns a *LineError when the line is skipped (it belongs to no
// record); every other line counts as parsed.
type EventReader interface {
	Feed(line []byte, num int64, emit func(*Event)) error
	Flush(emit func(*Event))
}
