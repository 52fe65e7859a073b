package cli

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// Version is set at build time: -ldflags "-X longshore.dev/lib/cli.Version=v1.2.3".
var Version = ""

// VersionString is the version with the toolchain and platform that built it.
func VersionString() string {
	return fmt.Sprintf("%s (%s %s/%s)", ShortVersion(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
}

// ShortVersion is the bare version ("v1.2.3", or "dev" for an unstamped build).
func ShortVersion() string {
	if Version != "" {
		return Version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

// UserAgent names the binary and its version for registries' logs.
func UserAgent(binary string) string {
	return fmt.Sprintf("longshore-%s/%s", binary, ShortVersion())
}
