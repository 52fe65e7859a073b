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
)

// extract builds the package tree of manifest m in staging and renames it to tree.
// Each layer is read once — from the store when it has the blob, else from the
// registry — and in that one pass verified, kept as a blob and unpacked: reading
// (network, digest, blob file) and unpacking (inflate, files) run on their own
// goroutines, joined by a buffered pipe. Layers overlay in order; the second and later
// download while the first unpacks. Nothing is renamed into place before every layer
// verified.
func (in *installer) extract(ctx context.Context, p *Package, m ocispec.Manifest, tree string, st *staging) error {
	s := in.s
	dir, err := st.path()
	if err != nil {
		return err
	}
	content := filepath.Join(dir, "tree")
	if err := os.Mkdir(content, 0o755); err != nil {
		return storageError("staging "+tree, err)
	}
	var total int64
	for _, l := range m.Layers {
		total += l.Size
	}
	counted, finished := in.opts.Progress.Item(total)
	defer finished()

	ctx, cancel := context.WithCancel(ctx)
	n := len(m.Layers)
	blobFiles := make([]string, n)
	prefetched := make([]error, n)
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
				err = src.copyTo(io.Discard)
			}
			prefetched[i] = err
		})
	}
	if n > 0 {
		in.layerSlots <- struct{}{}
		src, err := in.openLayer(ctx, p, m.Layers[0], blobFiles[0])
		if err == nil {
			src.progress = counted
			err = src.unpackStreaming(content, in.opts.Limits, p)
		}
		<-in.layerSlots
		if err != nil {
			return err
		}
	}
	wg.Wait()
	for i := 1; i < n; i++ {
		if prefetched[i] != nil {
			return prefetched[i]
		}
		if err := unpackFile(m.Layers[i], blobFiles[i], content, in.opts.Limits, p); err != nil {
			return err
		}
	}
	for i, layer := range m.Layers {
		if err := moveBlob(blobFiles[i], s.BlobPath(layer.Digest)); err != nil {
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
}

// layerSource is one layer being read: from the registry (verified by lib/oci as it
// streams) or from the store's blob (verified here), copied into a staging blob file.
type layerSource struct {
	layer    ocispec.Descriptor
	where    string
	rc       io.ReadCloser
	blobFile string
	file     *os.File
	// sum hashes a blob read from the store; a remote blob is verified by lib/oci.
	sum      hash.Hash
	progress io.Writer
}

func (in *installer) openLayer(ctx context.Context, p *Package, layer ocispec.Descriptor, blobFile string) (*layerSource, error) {
	src := &layerSource{layer: layer, blobFile: blobFile}
	if f, err := os.Open(in.s.BlobPath(layer.Digest)); err == nil {
		// The store has the blob (a tree was removed, or another package shares the
		// layer): unpack from it, verifying it again.
		src.rc, src.where, src.sum = f, "the store", sha256.New()
	} else {
		t, err := in.target(ctx, p, fmt.Sprintf("layer %s of %s", layer.Digest, p.label()))
		if err != nil {
			return nil, err
		}
		rc, err := t.FetchBlob(ctx, layer)
		if err != nil {
			return nil, err
		}
		src.rc, src.where = rc, t.Where()
	}
	f, err := os.OpenFile(blobFile, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o444)
	if err != nil {
		src.rc.Close()
		return nil, storageError("staging "+blobFile, err)
	}
	src.file = f
	return src, nil
}

func (src *layerSource) close() {
	src.rc.Close()
	src.file.Close()
}

// copyTo reads the whole layer, writing it to the blob file, the progress counter and
// w, and checks the digest at the end.
func (src *layerSource) copyTo(w io.Writer) error {
	defer src.close()
	ws := []io.Writer{src.file, src.progress, w}
	if src.sum != nil {
		ws = append(ws, src.sum)
	}
	// Whole chunks, not whatever each network read returns: a few large writes to the
	// blob file and the pipe instead of thousands of small ones.
	buf := make([]byte, 512<<10)
	for {
		n, err := io.ReadFull(src.rc, buf)
		if n > 0 {
			if _, err := multiWriter(ws).Write(buf[:n]); err != nil {
				if we := err.(writeError); we.file {
					return storageError("staging layer "+src.layer.Digest.String(), we.err)
				}
				return err.(writeError).err
			}
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			break
		}
		if err != nil {
			return fmt.Errorf("layer %s from %s: %w", src.layer.Digest, src.where, err)
		}
	}
	if src.sum != nil {
		if got := hex.EncodeToString(src.sum.Sum(nil)); got != src.layer.Digest.Encoded() {
			return fault.New(fault.Verify,
				fmt.Errorf("layer %s in %s hashes to sha256:%s", src.layer.Digest, src.where, got),
				"the store's copy is damaged; it was not used: remove it with pkg-gc, or delete the file, and pull again")
		}
	}
	if err := src.file.Close(); err != nil {
		return storageError("staging layer "+src.layer.Digest.String(), err)
	}
	return nil
}

// unpackStreaming unpacks the layer while it is read. A refused archive is reported as
// such, unless the stream also failed verification: then that is the real story.
func (src *layerSource) unpackStreaming(dest string, limits archive.Limits, p *Package) error {
	c, err := layerCompression(src.layer)
	if err != nil {
		src.close()
		return err
	}
	pr, pw := newPipe()
	done := make(chan error, 1)
	go func() {
		err := src.copyTo(pw)
		pw.closeWithError(err)
		done <- err
	}()
	uerr := archive.Unpack(pr, c, dest, limits)
	// Drain what is left, so the reader reaches the end, where it verifies the digest.
	io.Copy(io.Discard, pr)
	if rerr := <-done; rerr != nil {
		return rerr
	}
	if uerr != nil {
		return unpackError(src, p, uerr)
	}
	return nil
}

func unpackFile(layer ocispec.Descriptor, blobFile, dest string, limits archive.Limits, p *Package) error {
	c, err := layerCompression(layer)
	if err != nil {
		return err
	}
	f, err := os.Open(blobFile)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := archive.Unpack(f, c, dest, limits); err != nil {
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

// writeError marks a failed write in multiWriter, so a full disk is not taken for a
// network failure.
type writeError struct {
	err  error
	file bool
}

func (e writeError) Error() string { return e.err.Error() }

// multiWriter writes to each writer in turn; the first is the staging file.
type multiWriter []io.Writer

func (m multiWriter) Write(p []byte) (int, error) {
	for i, w := range m {
		if _, err := w.Write(p); err != nil {
			return 0, writeError{err: err, file: i == 0}
		}
	}
	return len(p), nil
}

// pipe is an io.Pipe with a few MiB of buffer, so the reading side (network, digest,
// blob file) runs ahead of the unpacking side instead of in lockstep with it. The
// reader must read to the end (unpackStreaming drains it), or the writer blocks.
type pipe struct {
	ch     chan []byte
	free   chan []byte
	errMu  sync.Mutex
	err    error
	cur    []byte
	curBuf []byte
	once   sync.Once
}

const (
	pipeChunk  = 256 << 10
	pipeChunks = 16
)

func newPipe() (*pipe, *pipeWriter) {
	p := &pipe{ch: make(chan []byte, pipeChunks), free: make(chan []byte, pipeChunks+1)}
	return p, &pipeWriter{p}
}

// Read returns buffered bytes, or the writer's error (io.EOF on a clean close) once
// everything written has been read.
func (p *pipe) Read(b []byte) (int, error) {
	for len(p.cur) == 0 {
		if p.curBuf != nil {
			select {
			case p.free <- p.curBuf[:0]:
			default:
			}
			p.curBuf = nil
		}
		chunk, ok := <-p.ch
		if !ok {
			p.errMu.Lock()
			defer p.errMu.Unlock()
			if p.err == nil {
				return 0, io.EOF
			}
			return 0, p.err
		}
		p.cur, p.curBuf = chunk, chunk
	}
	n := copy(b, p.cur)
	p.cur = p.cur[n:]
	return n, nil
}

type pipeWriter struct{ p *pipe }

func (w *pipeWriter) Write(b []byte) (int, error) {
	n := len(b)
	for len(b) > 0 {
		var chunk []byte
		select {
		case chunk = <-w.p.free:
		default:
			chunk = make([]byte, 0, pipeChunk)
		}
		k := min(len(b), pipeChunk)
		chunk = append(chunk[:0], b[:k]...)
		b = b[k:]
		w.p.ch <- chunk
	}
	return n, nil
}

// closeWithError ends the stream; the reader sees err after the buffered bytes (EOF
// when err is nil).
func (w *pipeWriter) closeWithError(err error) {
	w.p.once.Do(func() {
		w.p.errMu.Lock()
		w.p.err = err
		w.p.errMu.Unlock()
		close(w.p.ch)
	})
}
