package cli

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/pflag"
	"longshore.dev/lib/internal/textdist"
)

// flagError is a parse error of fs said for the user: a mistyped flag gets "did you
// mean", and a value that does not parse says what the flag takes instead of quoting
// strconv ("strconv.ParseInt: parsing "x": invalid syntax").
func flagError(err error, fs *pflag.FlagSet) (hint string, _ error) {
	var missing *pflag.NotExistError
	if errors.As(err, &missing) {
		return unknownFlagHint(missing, fs), err
	}
	var invalid *pflag.InvalidValueError
	if errors.As(err, &invalid) {
		f := invalid.GetFlag()
		return "", fmt.Errorf("--%s %q: %s", f.Name, invalid.GetValue(), wantOf(f, invalid.Unwrap()))
	}
	return "", err
}

// unknownFlagHint names the flag an unknown one was probably meant to be: one or two
// edits away (--outptu), or one it starts (--dry). A verb without -o whose output is
// chosen by another flag (pkg-pull env --shell) says so for -o and --output.
func unknownFlagHint(e *pflag.NotExistError, fs *pflag.FlagSet) string {
	name := e.GetSpecifiedName()
	long := e.GetSpecifiedShortnames() == ""
	if name == "output" || name == "o" && !long {
		var chooser *pflag.Flag
		fs.VisitAll(func(f *pflag.Flag) {
			if chooser == nil && strings.HasPrefix(f.Usage, "output ") {
				chooser = f
			}
		})
		if chooser != nil {
			return fmt.Sprintf("this command has no -o; --%s chooses its %s", chooser.Name, chooser.Usage)
		}
		return ""
	}
	if !long || len(name) < 2 || strings.Trim(name, "abcdefghijklmnopqrstuvwxyz0123456789-") != "" {
		return ""
	}
	var names []string
	fs.VisitAll(func(f *pflag.Flag) {
		if !f.Hidden {
			names = append(names, f.Name)
		}
	})
	near := textdist.Nearest(name, names)
	if len(near) == 0 {
		return ""
	}
	for i, n := range near {
		near[i] = "--" + n
	}
	return "did you mean " + strings.Join(near, " or ") + "?"
}

// wantOf says what flag f takes, for a value that did not parse (cause).
func wantOf(f *pflag.Flag, cause error) string {
	var num *strconv.NumError
	if errors.As(cause, &num) && errors.Is(num.Err, strconv.ErrRange) {
		return "out of range"
	}
	switch f.Value.Type() {
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64", "count":
		return "not a whole number"
	case "float32", "float64":
		return "not a number"
	case "bool":
		return "not true or false (--" + f.Name + " alone means true; --" + f.Name + "=false turns it off)"
	case "duration":
		return "not a duration: write e.g. 30s, 5m or 1h30m"
	}
	if cause == nil {
		return "not a valid value"
	}
	return cause.Error()
}
