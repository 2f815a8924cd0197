package analyzer

import (
	"bytes"

	"github.com/postmortem/postmortem/parsers"
)

// evKey groups events: one aggregate per second, input, type, PHP class and
// an auxiliary number that the detectors need to tell apart (the signal of
// an FPM child exit, the port of a MySQL ready line, the service of a
// systemd or OOM line, the signal nginx received).
type evKey struct {
	Sec   int64
	Input int32
	Type  parsers.EventType
	PHP   parsers.PHPError
	Aux   int64
}

// evAgg is the aggregate of one evKey: how many, when, and the sample with
// the lowest line number (deterministic under Merge).
type evAgg struct {
	Count  int64
	First  int64 // Unix ns of the earliest event
	Last   int64 // Unix ns of the latest event
	Sample EventSample
}

// EventSample is one stored event, copied out of the parser's buffers.
type EventSample struct {
	Time    int64 // Unix ns
	Input   int
	Line    int64
	Kind    parsers.Kind
	Type    parsers.EventType
	Level   parsers.Level
	PHP     parsers.PHPError
	PID     int64
	Num     [4]int64
	Pool    string
	Unit    string
	Client  string
	Request string
	Text    string
}

func (e *evAgg) merge(o *evAgg) {
	e.Count += o.Count
	if o.First < e.First {
		e.First = o.First
	}
	if o.Last > e.Last {
		e.Last = o.Last
	}
	if lineBefore(o.Sample.Line, e.Sample.Line) || (o.Sample.Line == e.Sample.Line && o.Sample.Time < e.Sample.Time) {
		e.Sample = o.Sample
	}
}

// lineBefore orders sample line numbers, an unknown line (≤ 0) last.
func lineBefore(a, b int64) bool {
	if a <= 0 {
		return false
	}
	return b <= 0 || a < b
}

// Services named by restarts and saturation.
const (
	svcNone int64 = iota
	svcFPM
	svcMySQL
	svcNginx
	svcApache
	svcOther
)

var svcNames = [...]string{"", "php-fpm", "mysql", "nginx", "apache", "other"}

// serviceOf classifies a unit, program or process name.
func serviceOf(b []byte) int64 {
	l := bytes.ToLower(b)
	switch {
	case len(l) == 0:
		return svcNone
	case bytes.Contains(l, []byte("php")) || bytes.Contains(l, []byte("fpm")):
		return svcFPM
	case bytes.Contains(l, []byte("mysql")) || bytes.Contains(l, []byte("maria")):
		return svcMySQL
	case bytes.Contains(l, []byte("nginx")):
		return svcNginx
	case bytes.Contains(l, []byte("apache")) || bytes.Contains(l, []byte("httpd")):
		return svcApache
	}
	return svcOther
}

// AddEvent counts one record of an error, FPM, MySQL or kernel log; line is
// the number of its first physical line. Multi-line records count e.Lines
// physical lines as parsed. e is not retained.
func (a *Aggregator) AddEvent(input int, line int64, e *parsers.Event) {
	in := a.input(input)
	n := int64(e.Lines)
	if n < 1 {
		n = 1
	}
	in.parsed += n
	if e.Time == 0 || e.Relative {
		a.noTime++
		return
	}
	if in.first == 0 || e.Time < in.first {
		in.first = e.Time
	}
	if e.Time > in.last {
		in.last = e.Time
	}
	if !a.inWindow(e.Time) {
		a.outside++
		return
	}
	if e.Type == parsers.MySQLSlowQuery {
		a.slow.add(e)
	}
	a.w.addEvent(e)

	k := evKey{Sec: floorDiv(e.Time, 1e9), Input: int32(input), Type: e.Type, PHP: e.PHP}
	switch e.Type {
	case parsers.FPMChildExited:
		k.Aux = e.Num[1]
	case parsers.MySQLReady:
		k.Aux = e.Num[0]
	case parsers.NginxSignal:
		k.Aux = e.Num[0]
	case parsers.SystemdOOMKilled, parsers.SystemdMainExited, parsers.SystemdFailed,
		parsers.SystemdStarting, parsers.SystemdStarted, parsers.SystemdStopping, parsers.SystemdStopped:
		k.Aux = serviceOf(e.Unit)
	case parsers.KernelOOMKill, parsers.KernelOOMConstraint:
		k.Aux = serviceOf(e.Text)
	case parsers.EventOther:
		// Unclassified lines are counted by level only.
		k.Aux = int64(e.Level)
	}
	if g := a.events[k]; g != nil {
		g.Count++
		if e.Time < g.First {
			g.First = e.Time
		}
		if e.Time > g.Last {
			g.Last = e.Time
		}
		if lineBefore(line, g.Sample.Line) {
			g.Sample = sampleOf(input, line, e)
		}
		return
	}
	a.events[k] = &evAgg{Count: 1, First: e.Time, Last: e.Time, Sample: sampleOf(input, line, e)}
}

func sampleOf(input int, line int64, e *parsers.Event) EventSample {
	return EventSample{
		Time: e.Time, Input: input, Line: line, Kind: e.Kind, Type: e.Type, Level: e.Level, PHP: e.PHP,
		PID: e.PID, Num: e.Num, Pool: string(e.Pool), Unit: string(e.Unit), Client: string(e.Client),
		Request: sampleText(e.Request), Text: sampleText(e.Text),
	}
}
