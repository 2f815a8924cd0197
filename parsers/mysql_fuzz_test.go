package parsers

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unsafe"
)

// mysqlInside reports whether sub lies inside one of the buffers (empty and
// nil slices are fine).
func mysqlInside(sub []byte, bufs ...[]byte) bool {
	if len(sub) == 0 {
		return true
	}
	p := uintptr(unsafe.Pointer(unsafe.SliceData(sub)))
	for _, b := range bufs {
		if cap(b) == 0 {
			continue
		}
		s := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
		if p >= s && p+uintptr(len(sub)) <= s+uintptr(cap(b)) {
			return true
		}
	}
	return false
}

// fuzzMySQLReader feeds data line by line and checks the contract: no
// panic, records only on lines that parse, byte slices inside the reader's
// own buffers, line counts that add up.
func fuzzMySQLReader(t *testing.T, r EventReader, owned func() [][]byte, data []byte, kind Kind) {
	lines := bytes.Split(data, []byte("\n"))
	parsed := 0
	spanned := 0
	check := func(e *Event) {
		spanned += e.Lines
		if e.Kind != kind {
			t.Fatalf("kind %v", e.Kind)
		}
		if e.Lines < 1 {
			t.Fatalf("record of %d lines", e.Lines)
		}
		bufs := owned()
		for _, f := range [][]byte{e.Text, e.Host, e.Unit, e.Client} {
			if !mysqlInside(f, bufs...) {
				t.Fatalf("field %q outside the reader's buffers", f)
			}
		}
	}
	for i, l := range lines {
		if err := r.Feed(l, int64(i+1), check); err == nil {
			parsed++
		} else if _, ok := err.(*LineError); !ok {
			t.Fatalf("error of type %T", err)
		}
	}
	r.Flush(check)
	if spanned > parsed {
		t.Fatalf("records span %d lines, %d parsed", spanned, parsed)
	}
}

// mysqlSeedFiles adds the samples of testdata/<dir> to the fuzz corpus.
func mysqlSeedFiles(f *testing.F, dir string) {
	files, _ := filepath.Glob(filepath.Join("testdata", dir, "*.log"))
	for _, file := range files {
		if data, err := os.ReadFile(file); err == nil {
			f.Add(string(data))
		}
	}
}

func FuzzMySQLErrorReader(f *testing.F) {
	for _, c := range mysqlErrorCases {
		f.Add(c.log)
	}
	mysqlSeedFiles(f, "mysql-error")
	f.Add("09:10:11 UTC - mysqld got signal 11 ;")
	f.Add("2024-11-21T10:15:02.123456789Z 2024-11-21T10:15:02.123456Z 0 [System] [MY-")
	f.Fuzz(func(t *testing.T, s string) {
		r := newMySQLErrorReader(EventOptions{Loc: time.UTC}).(*mysqlErrorReader)
		fuzzMySQLReader(t, r, func() [][]byte { return [][]byte{r.buf, r.prog} }, []byte(s), KindMySQLError)
		// Records are flushed: every parsed line is in a record.
	})
}

func FuzzMySQLSlowReader(f *testing.F) {
	for _, c := range mysqlSlowCases {
		f.Add(c.log)
	}
	mysqlSeedFiles(f, "mysql-slow")
	f.Add("# Time: 071218 11:48:27 # User@Host: [SQL_SLAVE] @  []\n# Query_time: 1.2.3\nSET timestamp=99999999999999999999;\n")
	f.Fuzz(func(t *testing.T, s string) {
		r := newMySQLSlowReader(EventOptions{Loc: time.UTC}).(*mysqlSlowReader)
		fuzzMySQLReader(t, r, func() [][]byte { return [][]byte{r.text, r.host, r.schema, r.useDB, r.useLine} }, []byte(s), KindMySQLSlow)
	})
}

func FuzzFingerprint(f *testing.F) {
	for _, c := range fingerprintCases {
		f.Add(c.query)
	}
	f.Fuzz(func(t *testing.T, q string) {
		a := Fingerprint(nil, []byte(q))
		b := Fingerprint([]byte("x"), []byte(q))
		if string(b[1:]) != string(a) {
			t.Fatalf("result depends on dst: %q vs %q", a, b[1:])
		}
		if len(a) > 2*len(q)+16 {
			t.Fatalf("fingerprint %d bytes for %d-byte query", len(a), len(q))
		}
		if strings.ContainsAny(string(a), "\n\t\r") && !strings.HasPrefix(string(a), "administrator command: ") {
			t.Fatalf("whitespace not collapsed in %q", a)
		}
	})
}
