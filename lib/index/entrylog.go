package index

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/opencontainers/image-spec/specs-go"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"longshore.dev/lib/fault"
	"longshore.dev/lib/oci"
)

// The entry log: every `index add` first pushes its changes as an entry artifact tagged
// entry-<19-digit unix nanoseconds>-<8 hex random>, in the index's repository. Tags of
// that form sort by time as text, which is how registries list them.
const (
	entryPrefix = "entry-"
	// lookBack is how far before the watermark publishers list the entry log: entries
	// stamped by a clock up to this much behind the others' are still seen.
	lookBack = time.Hour
)

// newEntryTag stamps an entry-log tag.
func newEntryTag(now time.Time, rnd io.Reader) (string, error) {
	var b [4]byte
	if _, err := io.ReadFull(rnd, b[:]); err != nil {
		return "", fmt.Errorf("making an entry tag: %w", err)
	}
	return fmt.Sprintf("%s%019d-%08x", entryPrefix, now.UnixNano(), binary.BigEndian.Uint32(b[:])), nil
}

// entryTime reads an entry-log tag's time; ok is false for any other tag.
func entryTime(tag string) (nanos int64, ok bool) {
	rest, found := strings.CutPrefix(tag, entryPrefix)
	if !found || len(rest) != 19+1+8 || rest[19] != '-' {
		return 0, false
	}
	for _, c := range []byte(rest[20:]) {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(rest[:19], 10, 64)
	if err != nil || n < 0 {
		return 0, false
	}
	return n, true
}

// windowStart is the `last` to list the entry log from for an index whose watermark is
// wm: lookBack before it ("" lists from the start).
func windowStart(wm string) string {
	n, ok := entryTime(wm)
	if !ok {
		return ""
	}
	n -= int64(lookBack)
	if n < 0 {
		return ""
	}
	return fmt.Sprintf("%s%019d", entryPrefix, n)
}

// listEntries lists the entry-log tags after last, sorted.
func listEntries(ctx context.Context, t *oci.Target, last string) ([]string, error) {
	tags, err := t.TagsAfter(ctx, last)
	if fault.KindOf(err) == fault.NotFound {
		return nil, nil // a repository that does not exist yet has no log
	}
	if err != nil {
		return nil, err
	}
	var out []string
	for _, tag := range tags {
		if _, ok := entryTime(tag); ok {
			out = append(out, tag)
		}
	}
	slices.Sort(out)
	return out, nil
}

// entryArtifact is an entry's blobs: its config (the changed packages, in the shard
// encoding), the empty layer, and its manifest.
func entryArtifact(changes []Package) (manifest, config Blob, err error) {
	data, err := canonicalJSON(shard{Packages: changes})
	if err != nil {
		return Blob{}, Blob{}, err
	}
	config = newBlob(EntryConfigMediaType, data)
	m := ocispec.Manifest{
		Versioned:    specs.Versioned{SchemaVersion: 2},
		MediaType:    ocispec.MediaTypeImageManifest,
		ArtifactType: EntryArtifactType,
		Config:       config.Desc,
		Layers:       []ocispec.Descriptor{ocispec.DescriptorEmptyJSON},
	}
	mdata, err := json.Marshal(m)
	if err != nil {
		return Blob{}, Blob{}, err
	}
	return newBlob(ocispec.MediaTypeImageManifest, mdata), config, nil
}

var emptyBlob = Blob{Desc: ocispec.DescriptorEmptyJSON, Data: ocispec.DescriptorEmptyJSON.Data}

// pushEntry pushes changes as one entry artifact tagged tag and returns the bytes sent.
func pushEntry(ctx context.Context, t *oci.Target, tag string, changes []Package) (int64, error) {
	manifest, config, err := entryArtifact(changes)
	if err != nil {
		return 0, err
	}
	var sent int64
	for _, b := range []Blob{emptyBlob, config, manifest} {
		n, err := pushBlob(ctx, t, b)
		if err != nil {
			return sent, err
		}
		sent += n
	}
	return sent, t.Tag(ctx, manifest.Desc, tag)
}

// pushBlob uploads b unless t has it and returns the bytes sent. A blob's upload the
// registry fails for a moment is made again (PushBlob); a manifest's is one PUT, which
// the transport resends by itself.
func pushBlob(ctx context.Context, t *oci.Target, b Blob) (int64, error) {
	var up bool
	var err error
	if b.Desc.MediaType == ocispec.MediaTypeImageManifest {
		up, err = t.Push(ctx, b.Desc, bytes.NewReader(b.Data))
	} else {
		up, err = t.PushBlob(ctx, b.Desc, oci.BytesSource(b.Data))
	}
	if err != nil || !up {
		return 0, err
	}
	return b.Desc.Size, nil
}

// readEntry fetches the entry tagged tag. An entry that is not one (wrong type, bad
// JSON, invalid packages) is a Verify fault; the caller skips it rather than letting
// one bad entry block every later publisher.
func readEntry(ctx context.Context, t *oci.Target, tag string) ([]Package, error) {
	where := t.Where() + ":" + tag
	desc, err := t.Resolve(ctx, tag)
	if err != nil {
		return nil, err
	}
	if desc.MediaType != ocispec.MediaTypeImageManifest {
		return nil, fault.Errorf(fault.Verify, "%s is not an index entry: media type %q", where, desc.MediaType)
	}
	data, err := t.FetchManifest(ctx, desc)
	if err != nil {
		return nil, err
	}
	var m ocispec.Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fault.Errorf(fault.Verify, "%s: manifest is not valid JSON: %v", where, err)
	}
	if m.ArtifactType != EntryArtifactType || m.Config.MediaType != EntryConfigMediaType {
		return nil, fault.Errorf(fault.Verify, "%s is not an index entry: artifact type %q, config %q", where, m.ArtifactType, m.Config.MediaType)
	}
	if err := checkDescriptor(m.Config, where); err != nil {
		return nil, err
	}
	cdata, err := fetchSmallBlob(ctx, t, m.Config)
	if err != nil {
		return nil, err
	}
	var s shard
	if err := strictJSON(cdata, &s); err != nil {
		return nil, fault.Errorf(fault.Verify, "%s: entry config: %v", where, err)
	}
	seen := map[string]bool{}
	for i := range s.Packages {
		p := &s.Packages[i]
		p.Normalize()
		if err := p.validateLogged(where); err != nil {
			return nil, fault.New(fault.Verify, err, "")
		}
		if seen[p.Name] {
			return nil, fault.Errorf(fault.Verify, "%s: package %s is listed twice", where, p.Name)
		}
		seen[p.Name] = true
	}
	return s.Packages, nil
}

func defaultRand() io.Reader { return rand.Reader }
