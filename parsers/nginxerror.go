package parsers

import "bytes"

// Skip reasons of the nginx error log (LineError.Reason).
const (
	reasonNotNginxError = "not an nginx error line"
	reasonNginxPrefix   = "bad nginx error prefix"
	reasonNginxTooLong  = "nginx record too long"
)

// maxRecordBytes caps a multi-line record (nginx FastCGI stderr entries,
// PHP-FPM slow-log traces): nginx writes at most 2048 bytes an entry and FPM
// 20 frames a trace, so anything longer is not one record, and the cap
// keeps memory bounded on hostile input.
const maxRecordBytes = 64 << 10

// nginxErrorReader reads an nginx error log (domain.md A.3). A record starts
// with a "2024/11/21 10:15:02 [level] pid#tid: " line, bare or inside a
// syslog, journal or docker layer; lines that do not start with a stamp
// continue the record before them (a FastCGI stderr entry whose PHP message
// holds newlines). The record is emitted when the next one starts or on
// Flush, from a buffer the reader owns.
type nginxErrorReader struct {
	clock   eventClock
	wrap    unwrapper
	w       wrapped
	buf     []byte // the pending record, its physical lines joined by '\n'
	pending bool
	lines   int
	first   int64  // number of the record's first line
	outer   int64  // time of the outer layer, used when the record has no stamp of its own
	unitBuf []byte // program of the outer layer
	ev      Event
}

func newNginxErrorReader(opts EventOptions) *nginxErrorReader {
	return &nginxErrorReader{clock: newEventClock(opts), wrap: newUnwrapper(opts)}
}

// Feed implements EventReader.
func (r *nginxErrorReader) Feed(line []byte, num int64, emit func(*Event)) error {
	line = trimEOL(line)
	if journalMeta(line) {
		return nil // journalctl's own "-- Logs begin at …" lines
	}
	if isNginxStamp(line) || hasPrefixString(line, "nginx: [") && isNginxBare(line) {
		return r.start(line, num, 0, nil, emit)
	}
	r.w.form = wrapNone
	if len(line) > 0 && r.wrap.unwrapTo(line, &r.w, isNginxLine) {
		return r.start(r.w.msg, num, r.w.time, r.w.prog, emit)
	}
	if r.w.form == wrapSyslog || r.w.form == wrapISO {
		// A syslog line of another program (a journal mixing units) is
		// never the continuation of an nginx record.
		return &LineError{Reason: reasonNotNginxError, Detail: detailf("syslog line of another program", line)}
	}
	if r.pending && len(r.buf)+len(line) >= maxRecordBytes {
		return &LineError{Reason: reasonNginxTooLong, Detail: detailf("continuation past 64 KiB", line)}
	}
	if r.pending {
		r.buf = append(r.buf, '\n')
		r.buf = append(r.buf, line...)
		r.lines++
		return nil
	}
	return &LineError{Reason: reasonNotNginxError, Detail: detailf("no nginx stamp", line)}
}

// start begins a new record with line number num (its own stamp, or none
// and the outer layer's time).
func (r *nginxErrorReader) start(line []byte, num, outer int64, unit []byte, emit func(*Event)) error {
	r.Flush(emit)
	if isNginxStamp(line) {
		var ev Event
		if _, ok := r.head(line, &ev); !ok {
			return &LineError{Reason: reasonNginxPrefix, Detail: detailf("expected [level] pid#tid:", line)}
		}
	}
	r.buf = append(r.buf[:0], line...)
	r.unitBuf = append(r.unitBuf[:0], unit...)
	r.outer = outer
	r.pending, r.lines, r.first = true, 1, num
	return nil
}

// Flush implements EventReader.
func (r *nginxErrorReader) Flush(emit func(*Event)) {
	if !r.pending {
		return
	}
	r.pending = false
	e := &r.ev
	*e = Event{Kind: KindNginxError, Lines: r.lines, Line: r.first, Time: r.outer}
	if len(r.unitBuf) > 0 {
		e.Unit = r.unitBuf
	}
	rest, ok := r.head(r.buf, e)
	if !ok {
		rest, ok = nginxBare(r.buf, e)
		if !ok {
			return
		}
	}
	parseNginxMessage(rest, e)
	emit(e)
}

// isNginxLine reports whether b starts an nginx error record, with or
// without a stamp.
func isNginxLine(b []byte) bool { return isNginxStamp(b) || isNginxBare(b) }

// isNginxStamp reports whether b starts with "yyyy/mm/dd hh:mm:ss ".
func isNginxStamp(b []byte) bool {
	return len(b) >= 20 && b[4] == '/' && b[7] == '/' && b[10] == ' ' && b[13] == ':' && b[16] == ':' && b[19] == ' ' &&
		b[0] >= '0' && b[0] <= '9' && b[5] >= '0' && b[5] <= '1'
}

// isNginxBare reports whether b is a stamp-less nginx line as nginx writes
// to stderr under systemd or docker: "nginx: [emerg] …" or "[alert] …".
// The level must be one nginx writes, so MySQL's "[Note] [Entrypoint]: …"
// and "[System] [MY-010116] …" are not nginx lines.
func isNginxBare(b []byte) bool {
	if hasPrefixString(b, "nginx: [") {
		b = b[7:]
	}
	if len(b) < 3 || b[0] != '[' {
		return false
	}
	end := indexByteN(b, ']', 8)
	if end < 0 {
		return false
	}
	return isNginxLevel(b[1:end])
}

// isNginxLevel reports whether b is one of the levels nginx writes
// (ngx_log.c err_levels): lower case, no MySQL or PHP-FPM words.
func isNginxLevel(b []byte) bool {
	switch string(b) {
	case "emerg", "alert", "crit", "error", "warn", "notice", "info", "debug":
		return true
	}
	return false
}

// nginxBare parses a stamp-less "nginx: [level] msg" line into e.
func nginxBare(b []byte, e *Event) ([]byte, bool) {
	if hasPrefixString(b, "nginx: ") {
		b = b[7:]
	}
	end := indexByteN(b, ']', 8)
	if len(b) == 0 || b[0] != '[' || end < 0 {
		return nil, false
	}
	e.Level, _ = levelWord(b[1:end])
	b = b[end+1:]
	if len(b) > 0 && b[0] == ' ' {
		b = b[1:]
	}
	return b, true
}

// head parses the stamp, level, pid#tid and connection number of one nginx
// error line into e and returns the message after them.
func (r *nginxErrorReader) head(b []byte, e *Event) ([]byte, bool) {
	y, mo, d := evDigits(b, 0, 4), evDigits(b, 5, 2), evDigits(b, 8, 2)
	h, mi, s := evDigits(b, 11, 2), evDigits(b, 14, 2), evDigits(b, 17, 2)
	if !validYear(y) || !validCivil(mo, d, h, mi, s) || len(b) < 23 || b[20] != '[' {
		return nil, false
	}
	end := indexByteN(b[21:], ']', 8)
	if end < 0 {
		return nil, false
	}
	lv, ok := levelWord(b[21 : 21+end])
	if !ok {
		return nil, false
	}
	i := 21 + end + 1
	if i >= len(b) || b[i] != ' ' {
		return nil, false
	}
	i++
	pid, n := evUint(b[i:])
	if n == 0 || i+n >= len(b) || b[i+n] != '#' {
		return nil, false
	}
	i += n + 1
	_, n = evUint(b[i:])
	if n == 0 || i+n+1 >= len(b) || b[i+n] != ':' || b[i+n+1] != ' ' {
		return nil, false
	}
	i += n + 2
	e.Time = r.clock.unix(y, mo, d, h, mi, s) * 1e9
	e.Level, e.PID = lv, int64(pid)
	if i < len(b) && b[i] == '*' {
		c, n := evUint(b[i+1:])
		if n > 0 && i+1+n < len(b) && b[i+1+n] == ' ' {
			e.Conn = c
			i += n + 2
		}
	}
	return b[i:], true
}

// nginxKeys are the context keys nginx appends after the message, in order
// (ngx_http_log_error_handler).
var nginxKeys = [...]string{", server: ", ", request: ", ", subrequest: ", ", upstream: ", ", host: ", ", referrer: "}

// parseNginxMessage splits msg into the message and its ", client: …"
// context, fills the context fields of e and classifies the message.
func parseNginxMessage(msg []byte, e *Event) {
	text := msg
	if c := bytes.LastIndex(msg, []byte(", client: ")); c >= 0 {
		text = msg[:c]
		nginxContext(msg[c+len(", client: "):], e)
	}
	e.Text = text
	classifyNginx(text, e)
}

// nginxContext fills Client, Server, Request, Upstream and Host from the
// context after ", client: ". A value ends where the next known key starts.
func nginxContext(ctx []byte, e *Event) {
	key := 0 // 0 client, 1+ index into nginxKeys + 1
	for {
		end, next, nextLen := len(ctx), -1, 0
		for k := key; k < len(nginxKeys); k++ {
			if j := nginxKeyAt(ctx, nginxKeys[k]); j >= 0 && j < end {
				end, next, nextLen = j, k, len(nginxKeys[k])
			}
		}
		val := ctx[:end]
		switch key {
		case 0:
			e.Client = val
		case 1:
			e.Server = val
		case 2:
			e.Request = unquote(val)
		case 4:
			e.Upstream = unquote(val)
		case 5:
			e.Host = unquote(val)
		}
		if next < 0 {
			return
		}
		ctx, key = ctx[end+nextLen:], next+1
	}
}

// nginxKeyAt is the index of key in ctx where it follows a closing quote or
// an unquoted value; inside a quoted value it is skipped.
func nginxKeyAt(ctx []byte, key string) int {
	quoted := len(ctx) > 0 && ctx[0] == '"'
	from := 0
	for {
		j := indexString(ctx[from:], key)
		if j < 0 {
			return -1
		}
		j += from
		if !quoted || (j > 0 && ctx[j-1] == '"') {
			return j
		}
		from = j + 1
	}
}

// unquote drops the double quotes around a context value.
func unquote(b []byte) []byte {
	if len(b) >= 2 && b[0] == '"' && b[len(b)-1] == '"' {
		return b[1 : len(b)-1]
	}
	return b
}

// classifyNginx sets e.Type (and its numbers) from the message text.
func classifyNginx(t []byte, e *Event) {
	switch {
	case hasPrefixString(t, "FastCGI sent in stderr: "):
		e.Type = NginxPHPMessage
		e.PHP = classifyPHP(t[len("FastCGI sent in stderr: "):])
	case hasPrefixString(t, "upstream timed out"):
		if containsString(t, "while connecting to upstream") {
			e.Type = NginxUpstreamTimeoutConnect
		} else {
			e.Type = NginxUpstreamTimeoutRead
		}
	case hasPrefixString(t, "connect() "):
		errno := nginxErrno(t)
		switch errno {
		case 11:
			e.Type = NginxConnectBacklog
		case 111:
			e.Type = NginxConnectRefused
		case 2:
			e.Type = NginxConnectNoSocket
		case 13:
			e.Type = NginxConnectPermission
		case 24:
			e.Type = NginxTooManyFiles
		default:
			e.Type = NginxConnectOther
		}
		e.Num[0] = errno
	case hasPrefixString(t, "no live upstreams"):
		e.Type = NginxNoLiveUpstreams
	case hasPrefixString(t, "upstream prematurely closed"):
		e.Type = NginxPrematureClose
	case containsString(t, "(104: Connection reset by peer)") && containsString(t, "upstream"):
		e.Type = NginxConnReset
	case containsString(t, "worker_connections are not enough"):
		e.Type = NginxWorkerConns
	case containsString(t, "(24: Too many open files)"):
		e.Type = NginxTooManyFiles
		e.Num[0] = 24
	case hasPrefixString(t, "limiting requests, excess: "):
		e.Type = NginxLimitReq
		e.Num[0] = nginxExcess(t[len("limiting requests, excess: "):])
	case hasPrefixString(t, "delaying request, excess: "):
		e.Type = NginxLimitReq
		e.Num[0] = nginxExcess(t[len("delaying request, excess: "):])
		e.Num[1] = 1
	case hasPrefixString(t, "limiting connections by zone"):
		e.Type = NginxLimitConn
	case containsString(t, "client prematurely closed connection"):
		e.Type = NginxClientClosed
	case hasPrefixString(t, "signal "):
		if v, n := evUint(t[7:]); n > 0 && containsString(t, " received") {
			e.Type, e.Num[0] = NginxSignal, v
		}
	case hasPrefixString(t, "reconfiguring"):
		e.Type = NginxReconfiguring
	case hasPrefixString(t, "gracefully shutting down"), hasPrefixString(t, "exiting"), hasPrefixString(t, "exit"), hasPrefixString(t, "shutting down"):
		e.Type = NginxShuttingDown
	case hasPrefixString(t, "start worker process "):
		if v, n := evUint(t[len("start worker process "):]); n > 0 {
			e.Type, e.PID = NginxStartWorker, v
		}
	default:
		nginxExited(t, e)
	}
}

// nginxExited recognises "worker process 1234 exited on signal 9" and
// "… exited with code 1" (ngx_process.c): PID = the process, Num[0] = code
// or -1, Num[1] = signal or 0.
func nginxExited(t []byte, e *Event) {
	i := indexString(t, " exited ")
	if i < 0 {
		return
	}
	j := bytes.LastIndexByte(t[:i], ' ')
	pid, n := evUint(t[j+1 : i])
	if n == 0 || j+1+n != i {
		return
	}
	rest := t[i+len(" exited "):]
	switch {
	case hasPrefixString(rest, "on signal "):
		v, n := evUint(rest[len("on signal "):])
		if n == 0 {
			return
		}
		e.Num[0], e.Num[1] = -1, v
	case hasPrefixString(rest, "with code "):
		v, n := evUint(rest[len("with code "):])
		if n == 0 {
			return
		}
		e.Num[0] = v
	default:
		return
	}
	e.Type, e.PID = NginxWorkerExited, pid
}

// nginxErrno returns N of the first "(N: " in t, or -1.
func nginxErrno(t []byte) int64 {
	for i := bytes.IndexByte(t, '('); i >= 0; {
		v, n := evUint(t[i+1:])
		if n > 0 && i+1+n < len(t) && t[i+1+n] == ':' {
			return v
		}
		j := bytes.IndexByte(t[i+1:], '(')
		if j < 0 {
			break
		}
		i += 1 + j
	}
	return -1
}

// nginxExcess parses "1.852" as 1852 (thousandths).
func nginxExcess(b []byte) int64 {
	v, n := evUint(b)
	v *= 1000
	if n < len(b) && b[n] == '.' {
		f, k := evUint(b[n+1:])
		for ; k < 3; k++ {
			f *= 10
		}
		for ; k > 3; k-- {
			f /= 10
		}
		v += f
	}
	return v
}
