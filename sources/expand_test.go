package sources

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

type shape struct {
	Name  string
	Parts []string
}

func shapes(ins []Input, dir string) []shape {
	var s []shape
	rel := func(p string) string { return strings.TrimPrefix(p, dir+string(filepath.Separator)) }
	for _, in := range ins {
		sh := shape{Name: rel(in.Name)}
		for _, p := range in.Parts {
			sh.Parts = append(sh.Parts, rel(p))
		}
		s = append(s, sh)
	}
	return s
}

func TestExpandRotatedDirectory(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for name, data := range map[string][]byte{
		"nginx/access.log":               numbered("current", 1),
		"nginx/access.log.1":             numbered("one", 1),
		"nginx/access.log.2.gz":          gz(t, numbered("two", 1)),
		"nginx/access.log.10.gz":         gz(t, numbered("ten", 1)),
		"nginx/error.log":                []byte("err\n"),
		"php-fpm.log-20241121.gz":        gz(t, numbered("d21", 1)),
		"php-fpm.log-20241120":           numbered("d20", 1),
		"php-fpm.log":                    numbered("now", 1),
		"nginx/.hidden.log":              []byte("hidden\n"),
		".git/HEAD":                      []byte("ref\n"),
		"wtmp":                           {0, 0, 1, 2, 0, 'x'},
		"logo.png":                       []byte("\x89PNG"),
		"mysql/error.log":                []byte("2024-11-21T10:00:00Z 0 [Note] ready\n"),
		"mysql/error.log-2024-11-19.zst": zst(t, []byte("old\n")),
	} {
		writeFile(t, filepath.Join(dir, name), data)
	}
	ins, err := Expand([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	want := []shape{
		{"mysql/error.log", []string{"mysql/error.log-2024-11-19.zst", "mysql/error.log"}},
		{"nginx/access.log", []string{"nginx/access.log.10.gz", "nginx/access.log.2.gz", "nginx/access.log.1", "nginx/access.log"}},
		{"nginx/error.log", []string{"nginx/error.log"}},
		{"php-fpm.log", []string{"php-fpm.log-20241120", "php-fpm.log-20241121.gz", "php-fpm.log"}},
	}
	if diff := cmp.Diff(want, shapes(ins, dir)); diff != "" {
		t.Fatalf("inputs (-want +got):\n%s", diff)
	}
	// One logical input, per-part line numbers.
	got, _ := readAll(t, &ins[1], 4096)
	wantLines := []line{
		{filepath.Join(dir, "nginx/access.log.10.gz"), 1, "ten 1"},
		{filepath.Join(dir, "nginx/access.log.2.gz"), 1, "two 1"},
		{filepath.Join(dir, "nginx/access.log.1"), 1, "one 1"},
		{filepath.Join(dir, "nginx/access.log"), 1, "current 1"},
	}
	if diff := cmp.Diff(wantLines, got); diff != "" {
		t.Errorf("rotated set read (-want +got):\n%s", diff)
	}
}

func TestExpandGlobAndFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, n := range []string{"a.log", "a.log.1", "b.log", "c.txt"} {
		writeFile(t, filepath.Join(dir, n), []byte("x\n"))
	}
	ins, err := Expand([]string{filepath.Join(dir, "c.txt"), filepath.Join(dir, "*.log*"), filepath.Join(dir, "b.log")})
	if err != nil {
		t.Fatal(err)
	}
	want := []shape{{"c.txt", []string{"c.txt"}}, {"a.log", []string{"a.log.1", "a.log"}}, {"b.log", []string{"b.log"}}}
	if diff := cmp.Diff(want, shapes(ins, dir)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestExpandErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "empty", ".keep"), nil)
	missing := filepath.Join(dir, "nope.log")
	for _, c := range []struct {
		name  string
		paths []string
		want  string
	}{
		{"missing file", []string{missing}, "open " + missing + ": no such file or directory"},
		{"glob without match", []string{filepath.Join(dir, "*.gz")}, filepath.Join(dir, "*.gz") + ": no file matches"},
		{"directory without logs", []string{filepath.Join(dir, "empty")}, filepath.Join(dir, "empty") + ": no log files in directory"},
		{"stdin twice", []string{"-", "-"}, `"-" (stdin) given more than once`},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := ExpandStdin(c.paths, strings.NewReader(""))
			if err == nil || err.Error() != c.want {
				t.Errorf("err = %v, want %q", err, c.want)
			}
		})
	}
	if os.Getuid() != 0 { // root reads any directory
		t.Run("unreadable directory", func(t *testing.T) {
			locked := filepath.Join(dir, "locked")
			writeFile(t, filepath.Join(locked, "a.log"), []byte("x\n"))
			os.Chmod(locked, 0)
			defer os.Chmod(locked, 0o755)
			_, err := Expand([]string{locked})
			if err == nil || !strings.Contains(err.Error(), locked) || !strings.Contains(err.Error(), "permission denied") {
				t.Errorf("err = %v", err)
			}
		})
	}
}

func TestParseRotation(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		path, base string
		class      int
	}{
		{"access.log", "access.log", 2},
		{"access.log.1", "access.log", 1},
		{"access.log.12.gz", "access.log", 1},
		{"access.log-20241121", "access.log", 0},
		{"access.log-2024112105.bz2", "access.log", 0},
		{"error.log-2024-11-21.gz", "error.log", 0},
		{"access.log.gz", "access.log.gz", 2},
		{"mysql-bin.000001", "mysql-bin.000001", 2},
	} {
		r := parseRotation(c.path)
		if r.base != c.base || r.class != c.class {
			t.Errorf("parseRotation(%q) = base %q class %d, want %q %d", c.path, r.base, r.class, c.base, c.class)
		}
	}
}
