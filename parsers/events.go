package parsers

import "fmt"

// Format names of the non-access inputs, as Sniff reports them and
// NewEventReader takes them. Readers of one kind accept every variant of
// it (a php-fpm reader reads bare, syslog and docker lines alike), so for
// most kinds the name informs the report and does not change the parse.
const (
	FormatNginxError     = "nginx"
	FormatApacheError22  = "apache 2.2"
	FormatApacheError24  = "apache 2.4"
	FormatFPM            = "php-fpm 7.x/8.x"
	FormatFPMDebug       = "php-fpm debug"
	FormatFPMSlow        = "php-fpm slowlog"
	FormatSyslog         = "syslog"
	FormatJournal        = "journal"
	FormatJournalJSON    = "journal json"
	FormatDmesg          = "dmesg"
	FormatDmesgHuman     = "dmesg -T"
	formatWrappedSyslog  = " (syslog)"
	formatWrappedDocker  = " (docker)"
	formatWrappedJournal = " (journal)"
)

// NewEventReader returns the reader for one non-access input of the given
// kind and format (a name Sniff returned; "" takes the kind's default).
// Kernel input is read as syslog or journal text — a file that mixes units,
// each line routed by its program to the kernel/systemd, php-fpm, MySQL,
// nginx or Apache reader — unless the format says "journal json", "dmesg"
// or "dmesg -T". Access logs are read by AccessParser, not here.
func NewEventReader(kind Kind, format string, opts EventOptions) (EventReader, error) {
	switch kind {
	case KindNginxError:
		return newNginxErrorReader(opts), nil
	case KindApacheError:
		return newApacheErrorReader(opts), nil
	case KindFPM:
		return newFPMReader(opts), nil
	case KindFPMSlow:
		return newFPMSlowReader(opts), nil
	case KindMySQLError:
		return newMySQLErrorReader(opts), nil
	case KindMySQLSlow:
		return newMySQLSlowReader(opts), nil
	case KindKernel:
		switch format {
		case FormatJournalJSON:
			return newJournalJSONReader(opts), nil
		case FormatDmesg, FormatDmesgHuman:
			return newDmesgReader(opts), nil
		case "", FormatSyslog, FormatJournal:
			return newSyslogRouter(opts), nil
		}
		return nil, fmt.Errorf("new event reader: kernel format %q: %w", format, errUnrecognized)
	}
	return nil, fmt.Errorf("new event reader: no event reader for kind %s", kind)
}
