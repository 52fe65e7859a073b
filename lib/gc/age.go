package gc

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ParseAge reads --max-age: a Go duration (36h, 90m) or whole days (7d), or days
// followed by a duration (1d12h). It must be positive.
func ParseAge(s string) (time.Duration, error) {
	var days time.Duration
	rest := s
	if i := strings.IndexByte(s, 'd'); i > 0 {
		n, err := strconv.Atoi(s[:i])
		if err != nil || n < 0 || n > 100_000 {
			return 0, fmt.Errorf("--max-age %q: %q is not a number of days", s, s[:i])
		}
		days, rest = time.Duration(n)*24*time.Hour, s[i+1:]
	}
	var d time.Duration
	if rest != "" {
		var err error
		if d, err = time.ParseDuration(rest); err != nil {
			return 0, fmt.Errorf("--max-age %q is not a duration: use e.g. 7d, 36h or 1d12h", s)
		}
	}
	if days+d <= 0 {
		return 0, fmt.Errorf("--max-age %q must be longer than zero", s)
	}
	return days + d, nil
}
