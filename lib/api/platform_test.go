package api

import "testing"

func TestCheckPlatform(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{"any", "linux/amd64", "linux/arm64/v8", "unknown/unknown", "windows/amd64/10.0.17763"} {
		if err := CheckPlatform(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "linux", "linux/", "/amd64", "a/b/c/d", "linux/amd64/\x1b[2J", "linux/amd 64", "linux/amd64\n", "../x"} {
		if err := CheckPlatform(bad); err == nil {
			t.Errorf("%q was accepted", bad)
		}
	}
}
