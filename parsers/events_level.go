package parsers

import "bytes"

// levelWord maps the severity names of nginx, Apache, PHP-FPM, MySQL and
// syslog ("warn", "WARNING", "crit", "emerg", "trace3", "Note", "System")
// onto a Level. The match ignores ASCII case; ok is false for an unknown word.
func levelWord(b []byte) (Level, bool) {
	if len(b) < 3 || len(b) > 9 {
		return LevelUnknown, false
	}
	var buf [9]byte
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[i] = c
	}
	w := buf[:len(b)]
	switch string(w) {
	case "debug":
		return LevelDebug, true
	case "info", "note", "system":
		return LevelInfo, true
	case "notice":
		return LevelNotice, true
	case "warn", "warning":
		return LevelWarning, true
	case "error", "err":
		return LevelError, true
	case "crit", "critical":
		return LevelCritical, true
	case "alert":
		return LevelAlert, true
	case "emerg", "emergency", "panic":
		return LevelEmergency, true
	}
	if bytes.HasPrefix(w, []byte("trace")) && len(w) == 6 && w[5] >= '1' && w[5] <= '8' {
		return LevelDebug, true
	}
	return LevelUnknown, false
}

// syslogPriority maps a syslog priority digit (journal PRIORITY, 0–7) to a
// Level.
func syslogPriority(p int) Level {
	switch p {
	case 0:
		return LevelEmergency
	case 1:
		return LevelAlert
	case 2:
		return LevelCritical
	case 3:
		return LevelError
	case 4:
		return LevelWarning
	case 5:
		return LevelNotice
	case 6:
		return LevelInfo
	case 7:
		return LevelDebug
	}
	return LevelUnknown
}
