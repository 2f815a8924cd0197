package parsers

import "bytes"

// Skip reasons of dmesg input.
const reasonNotDmesg = "not a dmesg line"

// classifyKernel sets e.Type and its numbers from a kernel message
// (domain.md A.6) whose "[12345.678901] " uptime prefix, if any, is gone.
// The process table an OOM dump prints ("[  pid  ]   uid  tgid total_vm …"
// and one "[ 1234]  33  1234 …" row per task) stays EventOther: those rows
// are candidates, not kills.
func classifyKernel(m []byte, e *Event) {
	e.Text = m
	if len(m) > 0 && m[0] == '[' {
		return // OOM task table header or row
	}
	switch {
	case containsString(m, " invoked oom-killer: "):
		e.Type = KernelOOMInvoked
		e.Text = m[:indexString(m, " invoked oom-killer: ")]
	case hasPrefixString(m, "oom-kill:"):
		e.Type = KernelOOMConstraint
		if v := oomField(m, "task="); v != nil {
			e.Text = v
		}
		if v := oomField(m, "pid="); v != nil {
			e.PID, _ = evUint(v)
		}
		memcg := oomField(m, "task_memcg=")
		if memcg == nil {
			memcg = oomField(m, "oom_memcg=")
		}
		if i := bytes.LastIndexByte(memcg, '/'); i >= 0 {
			memcg = memcg[i+1:]
		}
		if len(memcg) > 0 {
			e.Unit = memcg
		}
	case containsString(m, "Killed process "):
		// "Out of memory: Killed process …", "Memory cgroup out of memory:
		// Killed process …", "Out of memory (oom_kill_allocating_task):
		// Killed process …" and the bare second line of the old wording.
		i := indexString(m, "Killed process ")
		pid, comm, ok := pidComm(m[i+len("Killed process "):], ") total-vm:")
		if !ok {
			pid, comm, ok = pidComm(m[i+len("Killed process "):], ")")
		}
		if !ok {
			return
		}
		e.Type, e.PID, e.Text = KernelOOMKill, pid, comm
		e.Num[0] = kbField(m, "anon-rss:")
		e.Num[1] = kbField(m, "total-vm:")
		if hasPrefixString(m, "Memory cgroup out of memory") {
			e.Num[2] = 1
		}
	case containsString(m, "Kill process ") && containsString(m, "sacrifice child"):
		// The old wording's selection line; the "Killed process" line
		// after it is the kill.
		i := indexString(m, "Kill process ")
		if pid, comm, ok := pidComm(m[i+len("Kill process "):], ") score "); ok {
			e.PID, e.Text = pid, comm
		}
	case hasPrefixString(m, "oom_reaper: reaped process "):
		if pid, comm, ok := pidComm(m[len("oom_reaper: reaped process "):], "), now "); ok {
			e.Type, e.PID, e.Text = KernelOOMReaped, pid, comm
			e.Num[0] = kbField(m, "anon-rss:")
		}
	}
}

// defaultLevel is the severity of a classified kernel or systemd line
// whose source (syslog text, dmesg) states none.
func defaultLevel(e *Event) {
	if e.Level != LevelUnknown {
		return
	}
	switch e.Type {
	case KernelOOMKill, SystemdFailed:
		e.Level = LevelError
	case KernelOOMInvoked, KernelOOMConstraint, KernelOOMReaped, SystemdOOMKilled, SystemdMainExited:
		e.Level = LevelWarning
	case SystemdStarting, SystemdStarted, SystemdStopping, SystemdStopped:
		e.Level = LevelInfo
	}
}

// pidComm parses "1234 (comm)" followed by end: the comm may hold spaces
// and parentheses ("php-fpm: pool www", "(sd-pam)"), so it ends at the last
// occurrence of end.
func pidComm(b []byte, end string) (int64, []byte, bool) {
	pid, n := evUint(b)
	if n == 0 || n+2 > len(b) || b[n] != ' ' || b[n+1] != '(' {
		return 0, nil, false
	}
	rest := b[n+2:]
	j := bytes.LastIndex(rest, []byte(end))
	if j < 0 {
		return 0, nil, false
	}
	return pid, rest[:j], true
}

// oomField returns the value of "key" in a comma-separated
// "oom-kill:constraint=…,task=x,pid=1" line, nil when absent.
func oomField(m []byte, key string) []byte {
	for i := 0; i < len(m); {
		j := indexString(m[i:], key)
		if j < 0 {
			return nil
		}
		j += i
		if j == 0 || m[j-1] == ',' || m[j-1] == ':' {
			v := m[j+len(key):]
			if k := bytes.IndexByte(v, ','); k >= 0 {
				v = v[:k]
			}
			return v
		}
		i = j + 1
	}
	return nil
}

// kbField returns N of "key NkB" (anon-rss:123kB), 0 when absent.
func kbField(m []byte, key string) int64 {
	return numAfter(m, key)
}

// stripUptime drops a "[12345.678901] " prefix from a kernel message and
// returns the uptime in nanoseconds (0 when there is none).
func stripUptime(m []byte) (int64, []byte) {
	if len(m) < 4 || m[0] != '[' {
		return 0, m
	}
	i := 1
	for i < len(m) && m[i] == ' ' {
		i++
	}
	s, n := evUint(m[i:])
	if n == 0 || i+n >= len(m) || m[i+n] != '.' {
		return 0, m
	}
	i += n + 1
	f, k := evFrac(m[i:])
	if k == 0 || i+k >= len(m) || m[i+k] != ']' {
		return 0, m
	}
	i += k + 1
	if i < len(m) && m[i] == ' ' {
		i++
	}
	return s*1e9 + f, m[i:]
}

// systemdServices are the words that make a systemd unit part of the web
// stack (unit names or the descriptions older systemd prints instead).
var systemdServices = [...]string{"php", "fpm", "mysql", "mariadb", "nginx", "apache", "httpd", "web server"}

// classifySystemd sets e.Type, e.Unit and numbers from a message of systemd
// itself (pid 1): unit results for any unit, start/stop for the units of
// the web stack.
func classifySystemd(m []byte, e *Event) {
	e.Text = m
	if c := indexString(m, ": "); c > 0 && bytes.IndexByte(m[:c], ' ') < 0 {
		unit, rest := m[:c], m[c+2:]
		switch {
		case hasPrefixString(rest, "Main process exited, code="), hasPrefixString(rest, "main process exited, code="):
			e.Type, e.Unit = SystemdMainExited, unit
			code := rest[len("Main process exited, code="):]
			st := numAfter(rest, "status=")
			if hasPrefixString(code, "exited") {
				e.Num[0] = st
			} else {
				e.Num[0], e.Num[1] = -1, st
			}
		case hasPrefixString(rest, "Failed with result '"):
			e.Type, e.Unit = SystemdFailed, unit
			r := rest[len("Failed with result '"):]
			if q := bytes.IndexByte(r, '\''); q >= 0 {
				e.Text = r[:q]
			}
		case hasPrefixString(rest, "Unit entered failed state"):
			e.Type, e.Unit = SystemdFailed, unit
		case hasPrefixString(rest, "A process of this unit has been killed by the OOM killer"),
			hasPrefixString(rest, "systemd-oomd killed "):
			e.Type, e.Unit = SystemdOOMKilled, unit
		}
		return
	}
	if hasPrefixString(m, "Killed /") && containsString(m, " due to memory") {
		// systemd-oomd: "Killed /system.slice/php8.2-fpm.service due to
		// memory pressure for /system.slice being 81.23% > 80.00% …"
		cg := m[len("Killed "):indexString(m, " due to memory")]
		if i := bytes.LastIndexByte(cg, '/'); i >= 0 {
			cg = cg[i+1:]
		}
		e.Type, e.Unit = SystemdOOMKilled, cg
		return
	}
	var typ EventType
	var what []byte
	switch {
	case hasPrefixString(m, "Starting "):
		typ, what = SystemdStarting, m[len("Starting "):]
	case hasPrefixString(m, "Started "):
		typ, what = SystemdStarted, m[len("Started "):]
	case hasPrefixString(m, "Stopping "):
		typ, what = SystemdStopping, m[len("Stopping "):]
	case hasPrefixString(m, "Stopped "):
		typ, what = SystemdStopped, m[len("Stopped "):]
	case hasPrefixString(m, "Unit ") && containsString(m, " entered failed state"):
		e.Type, e.Unit = SystemdFailed, m[len("Unit "):indexString(m, " entered failed state")]
		return
	default:
		return
	}
	what = bytes.TrimRight(what, ".")
	if i := indexString(what, " - "); i > 0 && bytes.IndexByte(what[:i], ' ') < 0 {
		what = what[:i] // "php8.2-fpm.service - The PHP 8.2 FastCGI Process Manager"
	}
	if !webStack(what) {
		return
	}
	e.Type, e.Unit = typ, what
}

// webStack reports whether a unit name or description names a service of
// the web stack, ignoring ASCII case.
func webStack(b []byte) bool {
	var low [128]byte
	n := copy(low[:], b)
	for i := range n {
		if c := low[i]; c >= 'A' && c <= 'Z' {
			low[i] = c + 'a' - 'A'
		}
	}
	for _, w := range systemdServices {
		if containsString(low[:n], w) {
			return true
		}
	}
	return false
}

// dmesgReader reads kernel ring-buffer output: raw "[12345.678901] msg"
// (Relative = true, Time = nanoseconds since boot: aligned only when a boot
// time is known) or "dmesg -T" "[Thu Nov 21 10:15:02 2024] msg" (local
// time). It never allocates on a valid line.
type dmesgReader struct {
	clock eventClock
	ev    Event
}

func newDmesgReader(opts EventOptions) *dmesgReader { return &dmesgReader{clock: newEventClock(opts)} }

// Feed implements EventReader.
func (r *dmesgReader) Feed(line []byte, num int64, emit func(*Event)) error {
	line = trimEOL(line)
	e := &r.ev
	*e = Event{Kind: KindKernel, Lines: 1, Line: num}
	if up, m := stripUptime(line); len(m) < len(line) {
		e.Time, e.Relative = up, true
		classifyKernel(m, e)
		defaultLevel(e)
		emit(e)
		return nil
	}
	if t, n := r.humanStamp(line); n > 0 {
		e.Time = t
		classifyKernel(line[n:], e)
		defaultLevel(e)
		emit(e)
		return nil
	}
	return &LineError{Reason: reasonNotDmesg, Detail: detailf("expected [seconds.micros] or [Www Mmm dd hh:mm:ss yyyy]", line)}
}

// Flush implements EventReader; dmesg is single-line.
func (r *dmesgReader) Flush(func(*Event)) {}

// humanStamp parses the "dmesg -T" stamp "[Thu Nov 21 10:15:02 2024] ".
func (r *dmesgReader) humanStamp(b []byte) (int64, int) {
	if len(b) < 26 || b[0] != '[' || b[4] != ' ' || b[8] != ' ' || b[11] != ' ' || b[14] != ':' || b[17] != ':' || b[20] != ' ' || b[25] != ']' {
		return 0, 0
	}
	mo, d := evMonth(b, 5), evDigitsSp(b, 9)
	h, mi, s, y := evDigits(b, 12, 2), evDigits(b, 15, 2), evDigits(b, 18, 2), evDigits(b, 21, 4)
	if !validYear(y) || !validCivil(mo, d, h, mi, s) {
		return 0, 0
	}
	n := 26
	if n < len(b) && b[n] == ' ' {
		n++
	}
	return r.clock.unix(y, mo, d, h, mi, s) * 1e9, n
}
