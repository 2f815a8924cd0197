package sources

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// StdinName is the Name and Part of the input read from "-".
const StdinName = "stdin"

// Expand turns command-line paths into inputs, reading "-" from os.Stdin.
// See ExpandStdin.
func Expand(paths []string) ([]Input, error) {
	return ExpandStdin(paths, os.Stdin)
}

// ExpandStdin turns command-line paths into inputs. A path is a file, a glob,
// a directory (walked recursively, skipping hidden entries, known non-log
// extensions and binary files), or "-" for stdin. Rotated files of one log
// (x.log.2.gz, x.log.1, x.log; or dateext x.log-20241121.gz) become one
// input named after the base file, parts oldest first. Inputs keep the
// order of first appearance; a file named twice is read once.
//
// A missing path, a glob that matches nothing and an unreadable directory
// are errors naming the path.
func ExpandStdin(paths []string, stdin io.Reader) ([]Input, error) {
	var (
		files    []string
		seen     = map[string]bool{}
		inputs   []Input
		hasStdin bool
	)
	add := func(p string) {
		if c := filepath.Clean(p); !seen[c] {
			seen[c] = true
			files = append(files, p)
		}
	}
	for _, p := range paths {
		if p == "-" {
			if hasStdin {
				return nil, errors.New(`"-" (stdin) given more than once`)
			}
			hasStdin = true
			inputs = append(inputs, Input{Name: StdinName, Parts: []string{StdinName}, stdin: &stdinState{r: stdin}})
			continue
		}
		fi, err := os.Stat(p)
		if err != nil {
			if !errors.Is(err, fs.ErrNotExist) || !hasMeta(p) {
				return nil, openError(p, err)
			}
			matches, gerr := filepath.Glob(p)
			if gerr != nil {
				return nil, fmt.Errorf("bad pattern %q: %w", p, gerr)
			}
			if len(matches) == 0 {
				return nil, fmt.Errorf("%s: no file matches", p)
			}
			for _, m := range matches {
				mfi, err := os.Stat(m)
				if err != nil {
					return nil, openError(m, err)
				}
				if mfi.IsDir() {
					if err := walkDir(m, add); err != nil {
						return nil, err
					}
				} else {
					add(m)
				}
			}
			continue
		}
		if fi.IsDir() {
			n := len(files)
			if err := walkDir(p, add); err != nil {
				return nil, err
			}
			if len(files) == n && !anySeenUnder(seen, p) {
				return nil, fmt.Errorf("%s: no log files in directory", p)
			}
			continue
		}
		add(p)
	}
	return append(inputs, groupRotated(files)...), nil
}

func anySeenUnder(seen map[string]bool, dir string) bool {
	prefix := filepath.Clean(dir) + string(filepath.Separator)
	for p := range seen {
		if strings.HasPrefix(p, prefix) {
			return true
		}
	}
	return false
}

// openError reports err from stat or open the way os.Open does:
// "open x: no such file or directory".
func openError(path string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return &fs.PathError{Op: "open", Path: path, Err: pe.Err}
	}
	return fmt.Errorf("open %s: %w", path, err)
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func hasMeta(p string) bool { return strings.ContainsAny(p, `*?[\`) }

// walkDir adds the log files under root in lexical order.
func walkDir(root string, add func(string)) error {
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return openError(p, err)
		}
		name := d.Name()
		if p != root && strings.HasPrefix(name, ".") {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			return nil
		}
		if d.Type()&fs.ModeSymlink != 0 {
			fi, err := os.Stat(p)
			if err != nil || !fi.Mode().IsRegular() {
				return nil // dangling or not a file: not a log
			}
		} else if !d.Type().IsRegular() {
			return nil
		}
		if skipExt(name) {
			return nil
		}
		bin, err := looksBinary(p)
		if err != nil {
			return openError(p, err)
		}
		if !bin {
			add(p)
		}
		return nil
	})
}

// nonLogExt are extensions of files that are clearly not logs.
var nonLogExt = map[string]bool{
	".png": true, ".jpg": true, ".jpeg": true, ".gif": true, ".svg": true, ".ico": true, ".webp": true,
	".pdf": true, ".zip": true, ".tar": true, ".tgz": true, ".7z": true, ".rar": true, ".jar": true,
	".so": true, ".o": true, ".a": true, ".exe": true, ".dll": true, ".bin": true, ".class": true, ".pyc": true,
	".pid": true, ".lock": true, ".sock": true, ".swp": true, ".db": true, ".sqlite": true, ".journal": true,
	".html": true, ".css": true, ".js": true, ".json.map": true, ".md": true, ".yaml": true, ".yml": true,
	".conf": true, ".ini": true, ".toml": true, ".go": true, ".py": true, ".sh": true, ".php": true,
}

func skipExt(name string) bool {
	lower := strings.ToLower(name)
	if strings.HasSuffix(lower, ".tar.gz") || strings.HasSuffix(lower, ".tar.zst") || strings.HasSuffix(lower, ".tar.bz2") {
		return true
	}
	return nonLogExt[filepath.Ext(lower)]
}

// looksBinary reads the start of a file (decompressed when compressed) and
// says whether it is clearly not text: a NUL byte, or more than one byte in
// ten a control character other than tab, CR, LF, FF and ESC.
func looksBinary(path string) (bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return false, err
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 8<<10)
	magic, _ := br.Peek(6)
	src, closer, kind, err := decompressor(br, magic)
	if err != nil {
		return kind != "xz", nil // a broken archive header: not a readable log
	}
	if closer != nil {
		defer closer.Close()
	}
	buf := make([]byte, 4<<10)
	n, err := io.ReadFull(src, buf)
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF && n == 0 && kind == "plain" {
		return false, err
	}
	ctl := 0
	for _, b := range buf[:n] {
		switch {
		case b == 0:
			return true, nil
		case b < 0x20 && b != '\t' && b != '\n' && b != '\r' && b != '\f' && b != 0x1b, b == 0x7f:
			ctl++
		}
	}
	return ctl*10 > n, nil
}

// rotation says where a file sits in its rotated set.
type rotation struct {
	path  string
	base  string // dir + base name: the group key and display name
	class int    // 0 dateext, 1 numbered, 2 current
	date  string // dateext: the digits, compared as strings
	num   int    // numbered: N (higher is older)
}

var compExt = []string{".gz", ".zst", ".zstd", ".bz2", ".xz", ".z"}

func parseRotation(path string) rotation {
	dir, name := filepath.Split(path)
	rot := rotation{path: path, base: path, class: 2}
	stem := name
	compressed := false
	for _, e := range compExt {
		if strings.HasSuffix(strings.ToLower(stem), e) && len(stem) > len(e) {
			stem, compressed = stem[:len(stem)-len(e)], true
			break
		}
	}
	// x.log.N
	if i := strings.LastIndexByte(stem, '.'); i > 0 && i < len(stem)-1 && allDigits(stem[i+1:]) && len(stem)-i-1 <= 4 {
		n, _ := strconv.Atoi(stem[i+1:])
		return rotation{path: path, base: dir + stem[:i], class: 1, num: n}
	}
	// x.log-YYYYMMDD[HH] or x.log-YYYY-MM-DD
	if i := strings.LastIndexByte(stem, '-'); i > 0 {
		suffix := stem[i+1:]
		if (len(suffix) == 8 || len(suffix) == 10) && allDigits(suffix) {
			return rotation{path: path, base: dir + stem[:i], class: 0, date: suffix}
		}
		if len(stem) > 11 && stem[len(stem)-11] == '-' {
			d := stem[len(stem)-10:]
			if d[4] == '-' && d[7] == '-' && allDigits(d[:4]+d[5:7]+d[8:]) {
				return rotation{path: path, base: dir + stem[:len(stem)-11], class: 0, date: d[:4] + d[5:7] + d[8:]}
			}
		}
	}
	_ = compressed // x.log.gz alone is its own log, named as found
	return rot
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// groupRotated groups files into rotated sets, each ordered oldest first,
// in the order their first member appeared.
func groupRotated(files []string) []Input {
	groups := map[string][]rotation{}
	var order []string
	for _, f := range files {
		rot := parseRotation(f)
		if _, ok := groups[rot.base]; !ok {
			order = append(order, rot.base)
		}
		groups[rot.base] = append(groups[rot.base], rot)
	}
	inputs := make([]Input, 0, len(order))
	for _, base := range order {
		g := groups[base]
		sort.SliceStable(g, func(i, j int) bool {
			a, b := g[i], g[j]
			if a.class != b.class {
				return a.class < b.class
			}
			switch a.class {
			case 0:
				return a.date < b.date
			case 1:
				if a.num != b.num {
					return a.num > b.num
				}
			}
			return a.path < b.path
		})
		in := Input{Name: base}
		for _, r := range g {
			in.Parts = append(in.Parts, r.path)
		}
		inputs = append(inputs, in)
	}
	return inputs
}
