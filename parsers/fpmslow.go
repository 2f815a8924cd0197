package parsers

import "bytes"

// Skip reasons of the PHP-FPM slow log.
const reasonNotFPMSlow = "not a php-fpm slow log line"

// fpmSlowReader reads a PHP-FPM slow log (fpm_php_trace.c): records of
//
//	<blank line>
//	[21-Nov-2024 10:15:02]  [pool www] pid 12345
//	script_filename = /var/www/site/index.php
//	[0x00007f0a1c0151d0] curl_exec() /var/www/site/lib/Http.php:88
//	…
//
// Each record becomes one FPMSlowTrace event: PID, Pool, Text = the script
// then its frames, one a line; Num[0] = the number of frames. A record ends
// at the next header, a blank line, or Flush. Blank lines count as parsed.
type fpmSlowReader struct {
	clock   eventClock
	pending bool
	hdr     []byte // the header line
	text    []byte // script + frames
	frames  int64
	lines   int
	first   int64 // number of the header line
	ev      Event
}

func newFPMSlowReader(opts EventOptions) *fpmSlowReader {
	return &fpmSlowReader{clock: newEventClock(opts)}
}

// Feed implements EventReader.
func (r *fpmSlowReader) Feed(line []byte, num int64, emit func(*Event)) error {
	line = trimEOL(line)
	if len(bytes.TrimSpace(line)) == 0 {
		r.Flush(emit)
		return nil
	}
	if _, _, _, n := fpmStamp(line); n > 0 && hasPrefixString(line[n:], " [pool ") {
		r.Flush(emit)
		r.hdr = append(r.hdr[:0], line...)
		r.text = r.text[:0]
		r.frames, r.lines, r.first, r.pending = 0, 1, num, true
		return nil
	}
	if r.pending && len(r.text)+len(line) >= maxRecordBytes {
		return &LineError{Reason: reasonNotFPMSlow, Detail: detailf("trace past 64 KiB", line)}
	}
	if !r.pending {
		return &LineError{Reason: reasonNotFPMSlow, Detail: detailf("expected [dd-Mon-yyyy hh:mm:ss]  [pool name] pid N", line)}
	}
	switch {
	case hasPrefixString(line, "script_filename = "):
		line = line[len("script_filename = "):]
	case len(line) > 3 && line[0] == '[' && line[1] == '0' && line[2] == 'x':
		r.frames++
	case hasPrefixString(line, "+++ dump failed"):
	default:
		return &LineError{Reason: reasonNotFPMSlow, Detail: detailf("expected script_filename or a stack frame", line)}
	}
	if len(r.text) > 0 {
		r.text = append(r.text, '\n')
	}
	r.text = append(r.text, line...)
	r.lines++
	return nil
}

// Flush implements EventReader.
func (r *fpmSlowReader) Flush(emit func(*Event)) {
	if !r.pending {
		return
	}
	r.pending = false
	e := &r.ev
	*e = Event{Kind: KindFPMSlow, Type: FPMSlowTrace, Level: LevelNotice, Lines: r.lines, Line: r.first, Text: r.text}
	wall, frac, _, n := fpmStamp(r.hdr)
	e.Time = r.clock.zone.unix(wall)*1e9 + frac
	h := r.hdr[n+len(" [pool "):]
	if end := bytes.IndexByte(h, ']'); end >= 0 {
		e.Pool = h[:end]
		if i := indexString(h[end:], "pid "); i >= 0 {
			e.PID, _ = evUint(h[end+i+len("pid "):])
		}
	}
	e.Num[0] = r.frames
	emit(e)
}
