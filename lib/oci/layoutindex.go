package oci

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	orasoci "oras.land/oras-go/v2/content/oci"
)

// A layout's index.json holds its tags and lists its manifests. oras-go rewrites it in
// place (os.WriteFile: truncate, then write), so a writer killed in between, or a disk
// that fills up, leaves it empty or cut short: the layout no longer opens, and every
// tag in it is lost (oras-project/oras-go#1301). So a Target saves the index itself:
// the file is moved aside to previousIndex first, and that copy is removed only once
// the new file is written and on the disk. Opening the layout (under its lock) puts
// the copy back when the new file never got there: the change that was being saved
// is lost, as the writer never said it was done, but nothing before it is.
const previousIndex = ".longshore-index.json.prev"

// layoutIndex saves the index of a layout opened with AutoSaveIndex off.
type layoutIndex struct {
	store *orasoci.Store
	root  string
	// saving keeps a Target's saves apart: two goroutines tagging one layout (a mirror
	// of two packages of one repository) would each move aside the index the other had
	// just written, and fail to find it.
	saving sync.Mutex
}

func (l *layoutIndex) save() error {
	l.saving.Lock()
	defer l.saving.Unlock()
	index, prev := filepath.Join(l.root, ocispec.ImageIndexFile), filepath.Join(l.root, previousIndex)
	// The new file is a new inode: it keeps the mode of the one it replaces (a layout
	// shared by a group has it group-writable), not the umask's.
	var mode fs.FileMode
	if fi, err := os.Stat(index); err == nil {
		mode = fi.Mode().Perm()
	}
	if err := os.Rename(index, prev); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	err := l.store.SaveIndex()
	if err == nil && mode != 0 {
		err = os.Chmod(index, mode)
	}
	if err == nil {
		err = syncPath(index)
	}
	if err != nil {
		// The disk filled up, or the file could not be written: the index before stays.
		if rerr := os.Rename(prev, index); rerr != nil && !errors.Is(rerr, fs.ErrNotExist) {
			err = errors.Join(err, rerr)
		}
		return err
	}
	if err := os.Remove(prev); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
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

// recoverIndex puts back the index a save did not finish writing: when the copy moved
// aside is there, the new index.json is kept only if it reads as an index. An empty
// index.json with no copy is the cut-short first write of a new layout, which held
// nothing yet: it is removed, and the layout starts again empty; so is an oci-layout
// file that does not read, written (by oras-go, in place) before any index.json.
func recoverIndex(root string) error {
	index, prev := filepath.Join(root, ocispec.ImageIndexFile), filepath.Join(root, previousIndex)
	if _, err := os.Lstat(prev); err == nil {
		if data, err := os.ReadFile(index); err == nil {
			var i ocispec.Index
			if json.Unmarshal(data, &i) == nil {
				// The save finished; only the copy's removal did not.
				return os.Remove(prev)
			}
		}
		return os.Rename(prev, index)
	}
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

// hasIndex reports whether root holds an index.json, or the copy a save moved aside.
func hasIndex(root string) error {
	_, err := os.Stat(filepath.Join(root, ocispec.ImageIndexFile))
	if errors.Is(err, fs.ErrNotExist) {
		if _, perr := os.Lstat(filepath.Join(root, previousIndex)); perr == nil {
			return nil
		}
	}
	return err
}
