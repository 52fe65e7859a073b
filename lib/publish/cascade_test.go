package publish

import (
	"strings"
	"testing"
)

func TestCascadeTags(t *testing.T) {
	t.Parallel()
	tests := []struct {
		version  string
		existing string
		want     string
	}{
		{"1.2.3", "", "1.2 1 latest"},
		{"1.2.4", "1.2.3 1.2 1 latest", "1.2 1 latest"},
		{"1.2.4", "1.3.0", "1.2"},         // a patch of an older minor line
		{"1.2.4", "1.2.5 2.0.0", ""},      // never backwards
		{"1.9.0", "2.0.0 1.8.0", "1.9 1"}, // latest stays on 2.x
		{"2.0.0", "1.9.9 latest 1 1.9", "2.0 2 latest"},
		{"1.3.0-rc.1", "1.2.0", ""},             // pre-releases move nothing
		{"1.3.0", "1.4.0-rc.1", "1.3 1 latest"}, // existing pre-releases do not block
		{"1.2.3+build.2", "1.2.3_build.1", "1.2 1 latest"},
		{"10.0.0", "9.99.99 not-a-version v11", "10.0 10 latest"},
		{"0.1.0", "", "0.1 0 latest"},
	}
	for _, tc := range tests {
		t.Run(tc.version+"/"+tc.existing, func(t *testing.T) {
			t.Parallel()
			got, err := CascadeTags(tc.version, strings.Fields(tc.existing))
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(got, " ") != tc.want {
				t.Errorf("got %q, want %q", strings.Join(got, " "), tc.want)
			}
		})
	}
	if _, err := CascadeTags("v1", nil); err == nil {
		t.Error("an invalid version must be refused")
	}
}
