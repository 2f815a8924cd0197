package simulate

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// Output file names inside a run directory.
const (
	FileAccess     = "access.log"
	FileNginxError = "nginx-error.log"
	FileFPM        = "php-fpm.log"
	FileFPMSlow    = "php-fpm-slow.log"
	FileMySQLError = "mysql-error.log"
	FileMySQLSlow  = "mysql-slow.log"
	FileSyslog     = "syslog"
	FileTruth      = "truth.json"
)

// stampCache formats one timestamp layout once per second.
type stampCache struct {
	sec    int64
	stamp  []byte
	layout func(b []byte, t time.Time) []byte
	loc    *time.Location
}

func (c *stampCache) get(ns int64) []byte {
	sec := ns / 1e9
	if ns < 0 && ns%1e9 != 0 {
		sec--
	}
	if c.stamp == nil || sec != c.sec {
		c.sec = sec
		c.stamp = c.layout(c.stamp[:0], time.Unix(sec, 0).In(c.loc))
	}
	return c.stamp
}

var monthAbbr = [...]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}

func app2(b []byte, n int) []byte { return append(b, byte('0'+n/10%10), byte('0'+n%10)) }

// accessStamp: 21/Nov/2024:10:15:02 +0100
func accessStamp(b []byte, t time.Time) []byte {
	b = app2(b, t.Day())
	b = append(b, '/')
	b = append(b, monthAbbr[t.Month()-1]...)
	b = append(b, '/')
	b = strconv.AppendInt(b, int64(t.Year()), 10)
	b = append(b, ':')
	b = app2(b, t.Hour())
	b = append(b, ':')
	b = app2(b, t.Minute())
	b = append(b, ':')
	b = app2(b, t.Second())
	_, off := t.Zone()
	sign := byte('+')
	if off < 0 {
		sign = '-'
		off = -off
	}
	b = append(b, ' ', sign)
	b = app2(b, off/3600)
	return app2(b, off%3600/60)
}

// nginxStamp: 2024/11/21 10:15:02 (local)
func nginxStamp(b []byte, t time.Time) []byte {
	b = strconv.AppendInt(b, int64(t.Year()), 10)
	b = append(b, '/')
	b = app2(b, int(t.Month()))
	b = append(b, '/')
	b = app2(b, t.Day())
	b = append(b, ' ')
	return appClock(b, t)
}

func appClock(b []byte, t time.Time) []byte {
	b = app2(b, t.Hour())
	b = append(b, ':')
	b = app2(b, t.Minute())
	b = append(b, ':')
	return app2(b, t.Second())
}

// fpmStamp: [21-Nov-2024 10:15:02] (local)
func fpmStamp(b []byte, t time.Time) []byte {
	b = append(b, '[')
	b = app2(b, t.Day())
	b = append(b, '-')
	b = append(b, monthAbbr[t.Month()-1]...)
	b = append(b, '-')
	b = strconv.AppendInt(b, int64(t.Year()), 10)
	b = append(b, ' ')
	b = appClock(b, t)
	return append(b, ']')
}

// syslogStamp: Nov 21 10:15:02 (local, day space-padded)
func syslogStamp(b []byte, t time.Time) []byte {
	b = append(b, monthAbbr[t.Month()-1]...)
	b = append(b, ' ')
	if t.Day() < 10 {
		b = append(b, ' ', byte('0'+t.Day()))
	} else {
		b = app2(b, t.Day())
	}
	b = append(b, ' ')
	return appClock(b, t)
}

// isoDate: 2024-11-21 (used by the MySQL stamps, UTC or local)
func isoDate(b []byte, t time.Time) []byte {
	b = strconv.AppendInt(b, int64(t.Year()), 10)
	b = append(b, '-')
	b = app2(b, int(t.Month()))
	b = append(b, '-')
	return app2(b, t.Day())
}

// mysqlISO: 2024-11-21T09:15:02 (UTC; fraction and Z appended by the caller)
func mysqlISO(b []byte, t time.Time) []byte {
	b = isoDate(b, t)
	b = append(b, 'T')
	return appClock(b, t)
}

// mariaStamp: 2024-11-21  9:15:02 (local, hour space-padded)
func mariaStamp(b []byte, t time.Time) []byte {
	b = isoDate(b, t)
	b = append(b, ' ')
	if t.Hour() < 10 {
		b = append(b, ' ', byte('0'+t.Hour()))
	} else {
		b = app2(b, t.Hour())
	}
	b = append(b, ':')
	b = app2(b, t.Minute())
	b = append(b, ':')
	return app2(b, t.Second())
}

// mariaShort: 241121  9:15:02 (YYMMDD, local, hour space-padded)
func mariaShort(b []byte, t time.Time) []byte {
	b = app2(b, t.Year()%100)
	b = app2(b, int(t.Month()))
	b = app2(b, t.Day())
	b = append(b, ' ')
	if t.Hour() < 10 {
		b = append(b, ' ', byte('0'+t.Hour()))
	} else {
		b = app2(b, t.Hour())
	}
	b = append(b, ':')
	b = app2(b, t.Minute())
	b = append(b, ':')
	return app2(b, t.Second())
}

// appFrac appends ns as seconds with digits decimals (3 or 6), truncated.
func appFrac(b []byte, ns int64, digits int) []byte {
	if ns < 0 {
		ns = 0
	}
	b = strconv.AppendInt(b, ns/1e9, 10)
	b = append(b, '.')
	frac := ns % 1e9
	if digits == 3 {
		frac /= 1e6
		return append(b, byte('0'+frac/100), byte('0'+frac/10%10), byte('0'+frac%10))
	}
	frac /= 1e3
	var d [6]byte
	for i := 5; i >= 0; i-- {
		d[i] = byte('0' + frac%10)
		frac /= 10
	}
	return append(b, d[:]...)
}

// appMicros appends the 6-digit microsecond part of ns.
func appMicros(b []byte, ns int64) []byte {
	frac := (ns % 1e9) / 1e3
	if frac < 0 {
		frac += 1e6
	}
	var d [6]byte
	for i := 5; i >= 0; i-- {
		d[i] = byte('0' + frac%10)
		frac /= 10
	}
	return append(b, d[:]...)
}

// outputs holds the buffered writers of one run.
type outputs struct {
	files []*os.File
	w     [7]*bufio.Writer

	access, nginx, fpm, syslog, mysqlUTC, mysqlLocal, mysqlShort stampCache
	line                                                         []byte
}

const (
	outAccess = iota
	outNginx
	outFPM
	outFPMSlow
	outMySQL
	outMySQLSlow
	outSyslog
)

func openOutputs(dir string, loc *time.Location) (*outputs, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	o := &outputs{line: make([]byte, 0, 4096)}
	names := [7]string{FileAccess, FileNginxError, FileFPM, FileFPMSlow, FileMySQLError, FileMySQLSlow, FileSyslog}
	for i, n := range names {
		f, err := os.Create(filepath.Join(dir, n))
		if err != nil {
			o.close()
			return nil, err
		}
		o.files = append(o.files, f)
		size := 64 << 10
		if i == outAccess {
			size = 1 << 20
		}
		o.w[i] = bufio.NewWriterSize(f, size)
	}
	o.access = stampCache{layout: accessStamp, loc: loc}
	o.nginx = stampCache{layout: nginxStamp, loc: loc}
	o.fpm = stampCache{layout: fpmStamp, loc: loc}
	o.syslog = stampCache{layout: syslogStamp, loc: loc}
	o.mysqlUTC = stampCache{layout: mysqlISO, loc: time.UTC}
	o.mysqlLocal = stampCache{layout: mariaStamp, loc: loc}
	o.mysqlShort = stampCache{layout: mariaShort, loc: loc}
	return o, nil
}

func (o *outputs) flush() error {
	var first error
	for i, w := range o.w {
		if w == nil {
			continue
		}
		if err := w.Flush(); err != nil && first == nil {
			first = err
		}
		if err := o.files[i].Sync(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

func (o *outputs) close() error {
	var first error
	for _, f := range o.files {
		if err := f.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// emit writes the scratch line plus a newline to output i.
func (o *outputs) emit(i int, b []byte) {
	b = append(b, '\n')
	o.w[i].Write(b) //nolint:errcheck // bufio keeps the first error; flush reports it
	o.line = b[:0]
}
