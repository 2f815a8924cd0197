package parsers

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// eventSink keeps benchmark results alive.
var eventSink int64

// BenchmarkEventReaders reads each testdata sample through its reader, many
// times over.
//
//	go test ./parsers -run '^$' -bench EventReaders -benchmem -count 6 | tee new.txt
//	benchstat old.txt new.txt
func BenchmarkEventReaders(b *testing.B) {
	for _, c := range []struct {
		name, file string
		kind       Kind
		format     string
	}{
		{"nginx-error", "nginx-error/incident.log", KindNginxError, FormatNginxError},
		{"apache-error", "apache-error/incident.log", KindApacheError, FormatApacheError24},
		{"fpm", "fpm/incident.log", KindFPM, FormatFPM},
		{"fpm-slow", "fpm-slow/incident.log", KindFPMSlow, FormatFPMSlow},
		{"syslog", "kernel/syslog.log", KindKernel, FormatSyslog},
		{"journal-json", "kernel/journal.json", KindKernel, FormatJournalJSON},
		{"dmesg", "kernel/dmesg.log", KindKernel, FormatDmesg},
	} {
		b.Run(c.name, func(b *testing.B) {
			data, err := os.ReadFile(filepath.Join("testdata", c.file))
			if err != nil {
				b.Fatal(err)
			}
			lines := bytes.Split(bytes.TrimSuffix(data, []byte("\n")), []byte("\n"))
			r, err := NewEventReader(c.kind, c.format, testOpts)
			if err != nil {
				b.Fatal(err)
			}
			emit := func(e *Event) { eventSink += e.Time }
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				for i, l := range lines {
					r.Feed(l, int64(i+1), emit)
				}
				r.Flush(emit)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(lines)), "ns/line")
		})
	}
}
