package oci

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"syscall"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"longshore.dev/lib/internal/atomicfile"
	orasoci "oras.land/oras-go/v2/content/oci"
)

// A layout's index.json holds its tags and lists its manifests. oras-go rewrites it in
// place (os.WriteFile: truncate, then write), so a writer killed in between, or a disk
// that fills up, would leave it empty or cut short: the layout no longer opens, for
// longshore or any other OCI tool, and every tag in it is lost
// (oras-project/oras-go#1301). So oras-go never writes the layout's own index.json: a
// writable layout is opened through a stage directory in it (stageName), which holds
// a copy of the index and links to the layout's blobs/ and oci-layout. oras-go
// rewrites the stage's copy; the copy, synced, then replaces the layout's index.json
// by a rename. A reader, or a writer killed at any moment, finds the old index.json or
// the new one, whole. The next writer's open clears a stage a killed writer left; a
// reader's (Options.ReadOnly) opens no stage and leaves it.
const stageName = ".longshore-stage"

// layoutIndex saves the index of a layout opened with AutoSaveIndex off.
type layoutIndex struct {
	store *orasoci.Store
	root  string
	// stage is the directory oras-go has opened the layout through; "" for a layout
	// opened where nothing can be written (read-only media, another user's), whose
	// saves fail as oras-go's own would.
	stage string
	// saving keeps a Target's saves apart: two goroutines tagging one layout (a mirror
	// of two packages of one repository) write the stage's one copy.
	saving sync.Mutex
}

func (l *layoutIndex) save() error {
	l.saving.Lock()
	defer l.saving.Unlock()
	if l.stage == "" {
		return l.store.SaveIndex()
	}
	index, staged := filepath.Join(l.root, ocispec.ImageIndexFile), filepath.Join(l.stage, ocispec.ImageIndexFile)
	// The new file is a new inode: it keeps the mode of the one it replaces (a layout
	// shared by a group has it group-writable), not the umask's.
	var mode fs.FileMode
	if fi, err := os.Stat(index); err == nil {
		mode = fi.Mode().Perm()
	}
	err := l.store.SaveIndex()
	if err == nil && mode != 0 {
		err = os.Chmod(staged, mode)
	}
	if err == nil {
		err = syncPath(staged)
	}
	if err == nil {
		err = os.Rename(staged, index)
	}
	if err == nil {
		err = syncPath(l.root) // the rename, for a power cut
	}
	return err
}

// stageLayout makes the stage directory of the layout at root (under its lock): a
// copy of its index.json, and links to its blobs/ and oci-layout, which are made
// first for a new layout (completeLayout). It returns "" with no error where nothing
// can be written.
func stageLayout(root string) (string, error) {
	stage := filepath.Join(root, stageName)
	if err := os.RemoveAll(stage); err != nil && !readOnly(err) {
		return "", err
	}
	if err := os.Mkdir(stage, 0o755); err != nil {
		if readOnly(err) {
			return "", nil
		}
		return "", err
	}
	err := completeLayout(root)
	var data []byte
	if err == nil {
		data, err = os.ReadFile(filepath.Join(root, ocispec.ImageIndexFile))
	}
	if err == nil {
		err = os.WriteFile(filepath.Join(stage, ocispec.ImageIndexFile), data, 0o644)
	}
	for _, name := range []string{ocispec.ImageBlobsDir, ocispec.ImageLayoutFile} {
		if err == nil {
			err = os.Symlink(filepath.Join("..", name), filepath.Join(stage, name))
		}
	}
	if err != nil {
		os.RemoveAll(stage)
		return "", err
	}
	return stage, nil
}

// completeLayout makes what the layout at root lacks of blobs/, oci-layout and
// index.json, as a new layout's (whole: a file by a rename).
func completeLayout(root string) error {
	err := os.MkdirAll(filepath.Join(root, ocispec.ImageBlobsDir), 0o755)
	if err == nil {
		err = writeIfMissing(filepath.Join(root, ocispec.ImageLayoutFile), []byte(`{"imageLayoutVersion":"1.0.0"}`))
	}
	if err == nil {
		err = writeIfMissing(filepath.Join(root, ocispec.ImageIndexFile), []byte(`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}`))
	}
	return err
}

// mendLayout puts back, under the layout's exclusive lock, what an older writer cut
// short, as a writer's open does: recoverIndex, then completeLayout. A reader that
// found mendNeeded does this before it reads (openLayoutToRead).
func mendLayout(root string) error {
	if err := recoverIndex(root); err != nil {
		return err
	}
	return completeLayout(root)
}

// mendNeeded reports whether the layout at root has something mendLayout would write
// for oras-go's read-only store to open it: an index.json that is empty or gone, or
// no oci-layout file. It only looks, so a reader asks it under the shared lock.
func mendNeeded(root string) bool {
	fi, err := os.Stat(filepath.Join(root, ocispec.ImageIndexFile))
	if errors.Is(err, fs.ErrNotExist) || (err == nil && fi.Mode().IsRegular() && fi.Size() == 0) {
		return true
	}
	_, err = os.Lstat(filepath.Join(root, ocispec.ImageLayoutFile))
	return errors.Is(err, fs.ErrNotExist)
}

// writeIfMissing writes path whole (a rename), unless it is there.
func writeIfMissing(path string, data []byte) error {
	if _, err := os.Lstat(path); err == nil {
		return nil
	}
	return atomicfile.Write(path, data, 0o644)
}

func readOnly(err error) bool {
	return errors.Is(err, fs.ErrPermission) || errors.Is(err, syscall.EROFS)
}

// syncPath makes path's bytes durable before the copy they replace is removed.
func syncPath(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// recoverIndex mends what oras-go (an older longshore, another tool) left when it
// wrote a layout in place and was cut short: an empty index.json is the first write
// of a new layout, which held nothing yet: it is removed, and the layout starts again
// empty; so is an oci-layout file that does not read, written before any index.json.
func recoverIndex(root string) error {
	index := filepath.Join(root, ocispec.ImageIndexFile)
	fi, err := os.Stat(index)
	switch {
	case err == nil && fi.Mode().IsRegular() && fi.Size() == 0:
		if err := os.Remove(index); err != nil {
			return err
		}
	case !errors.Is(err, fs.ErrNotExist):
		return nil
	}
	return removeCutLayoutFile(root)
}

// removeCutLayoutFile removes the oci-layout file of a layout that has no index.json
// yet, when the file does not read: a disk that filled up or a writer killed while
// oras-go created the layout left it empty, and oras-go refuses to open the layout
// until it is gone.
func removeCutLayoutFile(root string) error {
	path := filepath.Join(root, ocispec.ImageLayoutFile)
	data, err := os.ReadFile(path)
	if err != nil {
		return nil // none yet, or one oras-go will say it cannot read
	}
	var layout ocispec.ImageLayout
	if json.Unmarshal(data, &layout) == nil {
		return nil
	}
	return os.Remove(path)
}

// hasIndex reports whether root holds an index.json.
func hasIndex(root string) error {
	_, err := os.Stat(filepath.Join(root, ocispec.ImageIndexFile))
	return err
}
