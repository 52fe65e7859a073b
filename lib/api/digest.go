package api

import (
	"fmt"

	"github.com/opencontainers/go-digest"
)

// CheckDigest accepts what documents may name content by: a sha256 digest. lib/index
// checks index entries and lib/plan locks with it, so both say the same thing.
func CheckDigest(s string) error {
	d, err := digest.Parse(s)
	if err != nil {
		return fmt.Errorf("%q is not a digest (sha256:64 hex digits)", s)
	}
	if d.Algorithm() != digest.SHA256 {
		return fmt.Errorf("%q: only sha256 digests are accepted", s)
	}
	return nil
}
