package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"

	"github.com/postmortem/postmortem/simulate"
)

// TestVarLogDirectory lays a simulated outage out as a /var/log tree would
// hold it, rotated and compressed under names that do not say what is
// inside, and analyzes the whole directory: every file's kind is sniffed
// right, rotated parts are one input, and the timeline merges all sources.
func TestVarLogDirectory(t *testing.T) {
	// The viral story up to the operator's kill and restart, with a smaller
	// crowd to keep the test quick.
	sc, err := simulate.Lookup("viral")
	if err != nil {
		t.Fatal(err)
	}
	sc.Duration = 25 * time.Minute
	sc.SurgeFactor = 0.4
	sim := t.TempDir()
	if _, err := simulate.Run(sc, 1, sim); err != nil {
		t.Fatal(err)
	}
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join(sim, name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	root := t.TempDir()
	put := func(rel string, data []byte) {
		p := filepath.Join(root, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	gz := func(b []byte) []byte {
		var buf bytes.Buffer
		w := gzip.NewWriter(&buf)
		w.Write(b)
		w.Close()
		return buf.Bytes()
	}
	zst := func(b []byte) []byte {
		w, _ := zstd.NewWriter(nil)
		defer w.Close()
		return w.EncodeAll(b, nil)
	}
	// access.log rotated in three: .2.gz (oldest), .1, and the live file.
	access := read(simulate.FileAccess)
	parts := splitLines(access, 3)
	put("nginx/access.log.2.gz", gz(parts[0]))
	put("nginx/access.log.1", parts[1])
	put("nginx/access.log", parts[2])
	put("nginx/error.log", read(simulate.FileNginxError))
	put("php8.2-fpm.log", read(simulate.FileFPM))
	put("php-fpm/www-slow.log", read(simulate.FileFPMSlow))
	put("mysql/error.log.1", zst(read(simulate.FileMySQLError))) // zstd under a plain name
	put("mysql/mysql-slow.log", read(simulate.FileMySQLSlow))
	put("syslog", read(simulate.FileSyslog))
	put("dpkg.log", []byte("2024-11-20 06:25:01 startup archives unpack\n2024-11-20 06:25:02 install foo:amd64 <none> 1.0\n"))

	for _, name := range []string{simulate.FileAccess, simulate.FileNginxError, simulate.FileFPM, simulate.FileMySQLError, simulate.FileSyslog} {
		if len(read(name)) == 0 {
			t.Fatalf("the scenario wrote an empty %s: the test would prove nothing for it", name)
		}
	}
	code, out, errs := runCLI(t, "", "-q", "-f", "json", "-o", "-", root)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	rep := decodeReport(t, out)
	kinds := map[string]string{}
	for _, in := range rep.Inputs {
		kinds[strings.TrimPrefix(in.Name, root+string(filepath.Separator))] = in.Kind
	}
	want := map[string]string{
		"nginx/access.log":     "access",
		"nginx/error.log":      "nginx-error",
		"php8.2-fpm.log":       "fpm",
		"php-fpm/www-slow.log": "fpm-slow",
		"mysql/error.log":      "mysql-error",
		"mysql/mysql-slow.log": "mysql-slow",
		"syslog":               "kernel",
	}
	for name, kind := range want {
		if st, err := os.Stat(filepath.Join(root, name)); err == nil && st.Size() == 0 {
			continue // an empty log has no kind to find
		}
		if kinds[name] != kind {
			t.Errorf("%s: kind %q, want %q (all: %v)", name, kinds[name], kind, kinds)
		}
	}
	for _, in := range rep.Inputs {
		if strings.HasSuffix(in.Name, "access.log") {
			if n := int64(bytes.Count(access, []byte{'\n'})); in.Lines != n || in.Skipped != 0 {
				t.Errorf("rotated access log read as %d lines (%d skipped), want all %d", in.Lines, in.Skipped, n)
			}
		}
	}
	sources := map[string]bool{}
	for _, e := range rep.Timeline {
		sources[e.Source] = true
	}
	for _, name := range []string{"nginx/error.log", "mysql/error.log", "syslog"} {
		if !sources[filepath.Join(root, name)] {
			t.Errorf("timeline has no event from %s (sources: %v)", name, sources)
		}
	}
	services := map[string]bool{}
	for _, r := range rep.Restarts {
		services[r.Service] = true
	}
	if !services["mysql"] || !services["php-fpm"] {
		t.Errorf("the PHP kill and the MySQL restart are not both in the merged story: %+v", rep.Restarts)
	}
}

// splitLines cuts b into n parts at line boundaries.
func splitLines(b []byte, n int) [][]byte {
	var out [][]byte
	for i := n; i > 1; i-- {
		cut := len(b) / i
		if j := bytes.IndexByte(b[cut:], '\n'); j >= 0 {
			cut += j + 1
		}
		out = append(out, b[:cut])
		b = b[cut:]
	}
	return append(out, b)
}
