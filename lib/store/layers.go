package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"sync"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"longshore.dev/lib/archive"
	"longshore.dev/lib/artifact"
	"longshore.dev/lib/fault"
	"longshore.dev/lib/internal/diskio"
)

// extract builds the package tree of manifest m in staging. Each layer is read once —
// from the store when it has the blob, else from the registry — and in that one pass
// verified, kept as a blob and unpacked. Layers overlay in order, as one archive
// (archive.Tree: the limits and the checks span them); the second and later download
// while the first unpacks. The function it returns, called once every layer
// verified and the config passed, makes the staging durable, then moves the layer
// blobs into the store and renames the tree into place: a tree in pkgs/ is trusted
// because it is there, so its bytes must be on the disk before it is.
func (in *installer) extract(ctx context.Context, p *Package, m ocispec.Manifest, tree string, st *staging) (place func() error, err error) {
	dir, err := st.path()
	if err != nil {
		return nil, err
	}
	content := filepath.Join(dir, "tree")
	if err := os.Mkdir(content, 0o755); err != nil {
		return nil, storageError("staging "+tree, err)
	}
	unpacked := archive.NewTree(content, in.opts.Limits)
	var total int64
	for _, l := range m.Layers {
		if l.Size < 0 || total+l.Size < total {
			return nil, fault.Errorf(fault.Verify, "%s: layer %s declares %d bytes", p.label(), l.Digest, l.Size)
		}
		total += l.Size
	}
	// Compressed layers hold at least as few bytes as the files they unpack to, but for
	// a little framing: more than the limit is refused before any is downloaded, or a
	// manifest of many big layers would fill the disk with downloads the limit (counted
	// as they unpack, one at a time) has not reached yet.
	if max := in.opts.Limits.MaxBytes; max > 0 && total > max+max/64 {
		layers := fmt.Sprintf("its %d layers add up to", len(m.Layers))
		if len(m.Layers) == 1 {
			layers = "its layer is"
		}
		return nil, fault.New(fault.Verify,
			fmt.Errorf("%s: %s %d bytes compressed, more than the %d bytes its files may unpack to", p.label(), layers, total, max),
			"nothing was downloaded; if you trust the package, raise the limit with --max-size")
	}
	counted, finished := in.opts.Progress.Item(total)
	defer finished()

	ctx, cancel := context.WithCancel(ctx)
	n := len(m.Layers)
	blobFiles := make([]string, n)
	prefetched := make([]error, n)
	verified := make([]string, n) // where a prefetched layer is, once checked
	for i := range blobFiles {
		blobFiles[i] = filepath.Join(dir, fmt.Sprintf("blob-%d", i))
	}
	// The second and later layers download to their blob files now, each holding a
	// download slot, and are unpacked from them in order once the layers before are.
	var wg sync.WaitGroup
	defer func() {
		cancel()
		wg.Wait()
	}()
	for i := 1; i < n; i++ {
		wg.Go(func() {
			in.layerSlots <- struct{}{}
			defer func() { <-in.layerSlots }()
			src, err := in.openLayer(ctx, p, m.Layers[i], blobFiles[i])
			if err == nil {
				src.progress = counted
				err = src.finish()
				verified[i] = src.verified
			}
			prefetched[i] = err
		})
	}
	if n > 0 {
		in.layerSlots <- struct{}{}
		src, err := in.openLayer(ctx, p, m.Layers[0], blobFiles[0])
		if err == nil {
			src.progress = counted
			err = src.unpackStreaming(unpacked, p)
		}
		<-in.layerSlots
		if err != nil {
			return nil, err
		}
	}
	wg.Wait()
	for i := 1; i < n; i++ {
		if prefetched[i] != nil {
			return nil, prefetched[i]
		}
		if err := unpackFile(m.Layers[i], verified[i], unpacked, p); err != nil {
			return nil, err
		}
	}
	if err := unpacked.Finish(); err != nil {
		return nil, fault.New(fault.Verify, fmt.Errorf("%s: %w", p.label(), err),
			"the package was refused and nothing was installed; do not trust its source")
	}
	return func() error {
		if err := syncDisk(dir); err != nil {
			return storageError("writing "+tree+" to the disk", err)
		}
		for i, layer := range m.Layers {
			if err := moveBlob(blobFiles[i], in.s.BlobPath(layer.Digest)); err != nil {
				return storageError("storing layer "+layer.Digest.String(), err)
			}
		}
		if err := os.Rename(content, tree); err != nil {
			// Another process installed the same tree meanwhile: theirs is as good as ours.
			if exists(tree) {
				return nil
			}
			return storageError("moving "+tree+" into place", err)
		}
		return nil
	}, nil
}

// layerSource is one layer being read: from the registry (verified by lib/oci as it
// streams) or from the store's blob (verified here). It is the reader the unpacking
// reads, and passes what it reads on to the staging blob file (a download only), the
// progress counter and (for a blob from the store) the hash.
type layerSource struct {
	layer ocispec.Descriptor
	where string
	rc    io.ReadCloser
	// blob writes a download to its staging blob file, in the buffers fill reads into.
	blob *diskio.Writer
	// verified is the file that holds the layer once finish checked it: the store's
	// blob, or the staging blob file of a download.
	verified string
	// sum hashes a blob read from the store; a remote blob is verified by lib/oci.
	sum      hash.Hash
	progress io.Writer
	buf      []byte // fill's buffer when there is no blob to write
	pending  []byte // read, passed on, not yet returned by Read
	// err is io.EOF at the end, else the first failed read or write: the real story,
	// whatever the decompressor reading the layer made of it.
	err error
}

// The layer's bytes are read in chunks of readChunk, into one of layerBuffers buffers:
// while the blob file's writer writes a chunk (straight to the disk, where the
// filesystem allows: lib/internal/diskio), the next is read.
const (
	readChunk    = 512 << 10
	layerBuffers = 4
)

// openLayer opens the layer for reading: the store's blob when it has it, else the
// registry's, which is also written to blobFile in staging.
func (in *installer) openLayer(ctx context.Context, p *Package, layer ocispec.Descriptor, blobFile string) (*layerSource, error) {
	src := &layerSource{layer: layer, progress: io.Discard}
	if f, err := os.Open(in.s.BlobPath(layer.Digest)); err == nil {
		// The store has the blob (a tree was removed, or another package shares the
		// layer): unpack from it, verifying it again. There is nothing to write: the
		// blob stays where it is.
		src.rc, src.where, src.sum, src.verified = f, "the store", sha256.New(), f.Name()
		return src, nil
	}
	t, err := in.target(ctx, p, fmt.Sprintf("layer %s of %s", layer.Digest, p.label()))
	if err != nil {
		return nil, err
	}
	rc, err := t.FetchBlob(ctx, layer)
	if err != nil {
		return nil, versionGone(p, err)
	}
	src.rc, src.where, src.verified = rc, t.Where(), blobFile
	w, err := diskio.Create(blobFile, 0o444, diskio.Buffers(layerBuffers, readChunk))
	if err != nil {
		src.rc.Close()
		return nil, storageError("staging "+blobFile, err)
	}
	src.blob = w
	return src, nil
}

func (src *layerSource) close() {
	src.rc.Close()
	src.closeBlob()
}

// closeBlob waits for the blob file's writes and closes it, once.
func (src *layerSource) closeBlob() error {
	if src.blob == nil {
		return nil
	}
	err := src.blob.Close()
	src.blob = nil
	if err != nil {
		return storageError("staging layer "+src.layer.Digest.String(), err)
	}
	return nil
}

// Read returns the layer's bytes. It reads them in chunks of readChunk, each handed to
// the blob file's writer and written to the progress counter and the hash before any
// of it is returned: a few large reads and writes rather than one of each per zstd
// block.
func (src *layerSource) Read(p []byte) (int, error) {
	if len(src.pending) == 0 {
		if err := src.fill(); err != nil {
			return 0, err
		}
	}
	n := copy(p, src.pending)
	src.pending = src.pending[n:]
	return n, nil
}

// fill reads the next chunk into pending and passes it on. At the end of the layer it
// returns io.EOF; after a failed read or write, that failure, every time.
func (src *layerSource) fill() error {
	if src.err != nil {
		return src.err
	}
	// The chunk before is returned whole by now: its buffer is free once written.
	buf := src.buf
	if src.blob != nil {
		b, err := src.blob.Next()
		if err != nil {
			src.err = storageError("staging layer "+src.layer.Digest.String(), err)
			return src.err
		}
		buf = b
	} else if buf == nil {
		buf = make([]byte, readChunk)
		src.buf = buf
	}
	n, err := io.ReadFull(src.rc, buf)
	if src.blob != nil {
		src.blob.Submit(buf[:n])
	}
	if n > 0 {
		chunk := buf[:n]
		src.progress.Write(chunk)
		if src.sum != nil {
			src.sum.Write(chunk)
		}
		src.pending = chunk
	}
	switch {
	case err == io.EOF || err == io.ErrUnexpectedEOF:
		// What a short read returned is passed on first; the next fill says EOF.
		src.err = io.EOF
		if n > 0 {
			return nil
		}
	case err != nil:
		src.err = fmt.Errorf("layer %s from %s: %w", src.layer.Digest, src.where, err)
	}
	return src.err
}

// finish reads what is left of the layer (the remote digest is checked at its end),
// checks the digest of a blob from the store, and closes the blob file once written.
func (src *layerSource) finish() error {
	defer src.close()
	src.pending = nil
	for {
		if err := src.fill(); err == io.EOF {
			break
		} else if err != nil {
			return err
		}
		src.pending = nil
	}
	if src.sum != nil {
		if got := hex.EncodeToString(src.sum.Sum(nil)); got != src.layer.Digest.Encoded() {
			return fault.New(fault.Verify,
				fmt.Errorf("layer %s in %s hashes to sha256:%s", src.layer.Digest, src.where, got),
				"the store's copy is damaged; it was not used: remove it with pkg-gc, or delete the file, and pull again")
		}
	}
	return src.closeBlob()
}

// unpackStreaming unpacks the layer while it is read. The decompressor reads ahead on
// goroutines of its own, so reading (network, digest, blob file) overlaps inflating and
// writing files. A refused archive is reported as such, unless the stream also failed
// (a read, a write, the digest): then that is the real story.
func (src *layerSource) unpackStreaming(tree *archive.Tree, p *Package) error {
	c, err := layerCompression(src.layer)
	if err != nil {
		src.close()
		return err
	}
	uerr := tree.Unpack(src, c)
	if err := src.finish(); err != nil {
		return err
	}
	if uerr != nil {
		return unpackError(src, p, uerr)
	}
	return nil
}

func unpackFile(layer ocispec.Descriptor, blobFile string, tree *archive.Tree, p *Package) error {
	c, err := layerCompression(layer)
	if err != nil {
		return err
	}
	f, err := os.Open(blobFile)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := tree.Unpack(f, c); err != nil {
		return unpackError(&layerSource{layer: layer, where: "its verified download"}, p, err)
	}
	return nil
}

// layerCompression reads the compression off the layer's media type (which
// artifact.DecodeManifest checked already).
func layerCompression(layer ocispec.Descriptor) (archive.Compression, error) {
	c, ok := artifact.LayerCompression(layer.MediaType)
	if !ok {
		return "", fault.Errorf(fault.Verify, "layer %s has media type %q, which is not a package layer", layer.Digest, layer.MediaType)
	}
	return c, nil
}

func unpackError(src *layerSource, p *Package, err error) error {
	if fault.KindOf(err) == fault.Verify {
		return fault.New(fault.Verify, fmt.Errorf("%s: layer %s from %s: %w", p.label(), src.layer.Digest, src.where, err),
			"the package was refused and nothing was installed; do not trust its source")
	}
	return storageError(fmt.Sprintf("%s: unpacking layer %s", p.label(), src.layer.Digest), err)
}

func moveBlob(from, to string) error {
	if exists(to) {
		return nil
	}
	return os.Rename(from, to)
}
