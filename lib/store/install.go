package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"longshore.dev/lib/api"
	"longshore.dev/lib/archive"
	"longshore.dev/lib/artifact"
	"longshore.dev/lib/fault"
	"longshore.dev/lib/oci"
	"longshore.dev/lib/progress"
)

// maxConfigBytes bounds the config blob, which is small metadata.
const maxConfigBytes = 1 << 20

// HostPlatform is the platform this binary runs on, as os/arch.
func HostPlatform() string { return runtime.GOOS + "/" + runtime.GOARCH }

// InstallOptions control Install.
type InstallOptions struct {
	Platform string // os/arch[/variant]; "" = the host's
	Reason   string // api.ReasonExplicit, …
	Limits   archive.Limits
	// Progress shows download progress (nil: silent).
	Progress *progress.Meter
}

// Install fetches the package root from t (a manifest, or an index from which the
// platform's manifest is chosen), verifies and extracts it in one streaming pass into a
// staging directory, moves it into place, records it and links its entrypoints.
func (s *Store) Install(ctx context.Context, t *oci.Target, root ocispec.Descriptor, opts InstallOptions) (*api.Installed, error) {
	if opts.Platform == "" {
		opts.Platform = HostPlatform()
	}
	if opts.Reason == "" {
		opts.Reason = api.ReasonExplicit
	}
	if opts.Limits == (archive.Limits{}) {
		opts.Limits = archive.DefaultLimits
	}
	release, err := s.LockShared()
	if err != nil {
		return nil, err
	}
	defer release()
	manifestDesc, manifestData, platform, err := s.selectManifest(ctx, t, root, opts.Platform)
	if err != nil {
		return nil, err
	}
	where := t.Where() + "@" + manifestDesc.Digest.String()
	manifest, err := artifact.DecodeManifest(manifestData, where)
	if err != nil {
		return nil, err
	}
	if manifest.Config.Size > maxConfigBytes {
		return nil, fault.Errorf(fault.Verify, "%s: config is %d bytes, over the %d-byte limit", where, manifest.Config.Size, maxConfigBytes)
	}
	configData, err := s.fetchSmall(ctx, t, manifest.Config)
	if err != nil {
		return nil, err
	}
	var config artifact.Config
	if err := json.Unmarshal(configData, &config); err != nil {
		return nil, fault.Errorf(fault.Verify, "%s: config blob is not valid JSON: %v", where, err)
	}
	tree := s.TreePath(manifestDesc.Digest)
	if !exists(tree) {
		if err := s.extract(ctx, t, manifest, tree, opts.Limits, opts.Progress); err != nil {
			return nil, err
		}
	}
	for _, b := range []struct {
		desc ocispec.Descriptor
		data []byte
	}{{manifest.Config, configData}, {manifestDesc, manifestData}} {
		if err := s.putBlob(b.desc.Digest, b.data); err != nil {
			return nil, err
		}
	}
	inst := api.NewInstalled()
	inst.Name, inst.Version, inst.Platform = config.Name, config.Version, platform
	inst.Digest = manifestDesc.Digest.String()
	inst.Source = t.Ref.WithDigest(root.Digest.String()).String()
	inst.Path = relTree(manifestDesc.Digest)
	inst.Reason = opts.Reason
	if err := s.record(inst, config.Bin); err != nil {
		return nil, err
	}
	out := *inst
	out.Path = filepath.Join(s.Home, filepath.FromSlash(inst.Path))
	return &out, nil
}

// selectManifest returns the platform manifest under root.
func (s *Store) selectManifest(ctx context.Context, t *oci.Target, root ocispec.Descriptor, want string) (ocispec.Descriptor, []byte, string, error) {
	data, err := t.FetchManifest(ctx, root)
	if err != nil {
		return root, nil, "", err
	}
	switch root.MediaType {
	case ocispec.MediaTypeImageManifest:
		return root, data, "any", nil
	case ocispec.MediaTypeImageIndex:
	default:
		return root, nil, "", fault.Errorf(fault.Verify, "%s@%s has media type %q: not a package manifest or index", t.Where(), root.Digest, root.MediaType)
	}
	idx, err := artifact.DecodeIndex(data, t.Where())
	if err != nil {
		return root, nil, "", err
	}
	var have []string
	for _, m := range idx.Manifests {
		p := artifact.PlatformString(m.Platform)
		have = append(have, p)
		if platformMatches(want, p) {
			md, err := t.FetchManifest(ctx, m)
			return m, md, p, err
		}
	}
	slices.Sort(have)
	return root, nil, "", fault.New(fault.NotFound,
		fmt.Errorf("%s@%s has no %s build; it has: %s", t.Where(), root.Digest, want, strings.Join(have, ", ")),
		"pick one with --platform")
}

func (s *Store) fetchSmall(ctx context.Context, t *oci.Target, desc ocispec.Descriptor) ([]byte, error) {
	if data, err := os.ReadFile(s.BlobPath(desc.Digest)); err == nil && digest.FromBytes(data) == desc.Digest {
		return data, nil
	}
	rc, err := t.FetchBlob(ctx, desc)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}

// extract downloads each layer once, hashing it, keeping a copy in the blob store and
// unpacking it as it streams; the tree becomes visible only after every byte verified.
func (s *Store) extract(ctx context.Context, t *oci.Target, m ocispec.Manifest, tree string, limits archive.Limits, meter *progress.Meter) error {
	staging, err := os.MkdirTemp(filepath.Join(s.Home, "tmp"), "install-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(staging)
	content := filepath.Join(staging, "tree")
	if err := os.Mkdir(content, 0o755); err != nil {
		return err
	}
	var blobs []string
	for i, layer := range m.Layers {
		blobFile := filepath.Join(staging, fmt.Sprintf("blob-%d", i))
		if err := s.fetchLayer(ctx, t, layer, blobFile, content, limits, meter); err != nil {
			return err
		}
		blobs = append(blobs, blobFile)
	}
	for i, layer := range m.Layers {
		if err := moveBlob(blobs[i], s.BlobPath(layer.Digest)); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(filepath.Dir(tree), 0o755); err != nil {
		return err
	}
	if err := os.Rename(content, tree); err != nil {
		// Another process installed the same tree meanwhile: theirs is as good as ours.
		if exists(tree) {
			return nil
		}
		return fmt.Errorf("moving %s into place: %w", tree, err)
	}
	return nil
}

func (s *Store) fetchLayer(ctx context.Context, t *oci.Target, layer ocispec.Descriptor, blobFile, content string, limits archive.Limits, meter *progress.Meter) error {
	rc, err := t.FetchBlob(ctx, layer)
	if err != nil {
		return err
	}
	defer rc.Close()
	f, err := os.Create(blobFile)
	if err != nil {
		return err
	}
	defer f.Close()
	h := sha256.New()
	counted, finished := meter.Item(layer.Size)
	defer finished()
	tee := io.TeeReader(rc, io.MultiWriter(f, h, counted))
	if err := archive.Unpack(tee, content, limits); err != nil {
		// A refused archive is reported as such, but a stream that failed verification
		// underneath is the real story: say that.
		if _, verr := io.Copy(io.Discard, tee); verr != nil {
			return verr
		}
		return fmt.Errorf("layer %s from %s: %w", layer.Digest, t.Where(), err)
	}
	// Read to the end: the verifying reader checks the digest at EOF.
	if _, err := io.Copy(io.Discard, tee); err != nil {
		return err
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != layer.Digest.Encoded() {
		return fault.Errorf(fault.Verify, "layer %s from %s: content hashes to sha256:%s", layer.Digest, t.Where(), got)
	}
	return f.Close()
}

func moveBlob(from, to string) error {
	if exists(to) {
		return nil
	}
	if err := os.Chmod(from, 0o444); err != nil {
		return err
	}
	return os.Rename(from, to)
}

func (s *Store) putBlob(d digest.Digest, data []byte) error {
	path := s.BlobPath(d)
	if exists(path) {
		return nil
	}
	return writeAtomic(path, data, 0o444)
}

// platformMatches accepts an exact os/arch[/variant] match, or any variant when want
// names none (linux/arm64 takes linux/arm64/v8).
func platformMatches(want, have string) bool {
	if want == have {
		return true
	}
	return strings.Count(want, "/") == 1 && strings.HasPrefix(have, want+"/")
}
