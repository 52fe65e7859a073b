package store

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"

	"longshore.dev/lib/api"
	"longshore.dev/lib/fault"
	"longshore.dev/lib/stream"
)

const installedFile = "installed.yaml"

// List returns what is installed, sorted by name, with absolute paths.
func (s *Store) List() ([]*api.Installed, error) {
	list, err := s.readInstalled()
	if err != nil {
		return nil, err
	}
	for _, inst := range list {
		inst.Path = filepath.Join(s.Home, filepath.FromSlash(inst.Path))
	}
	return list, nil
}

func (s *Store) readInstalled() ([]*api.Installed, error) {
	file := filepath.Join(s.Home, installedFile)
	data, err := os.ReadFile(file)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	docs, err := stream.Decode(bytes.NewReader(data), file, api.Kinds)
	if err == nil {
		err = stream.Unknown(docs, "Installed")
	}
	if err != nil {
		return nil, fault.New(fault.Verify, fmt.Errorf("%s is corrupt: %w", file, err),
			"fix the line named above, or move the file away and reinstall your packages (the package trees in pkgs/ stay)")
	}
	var list []*api.Installed
	for _, d := range docs {
		list = append(list, d.Value.(*api.Installed))
	}
	return list, nil
}

// record upserts inst (one version per name) and links its entrypoints, under the
// installed lock so concurrent installs never lose each other's records.
func (s *Store) record(inst *api.Installed, bins []string) error {
	unlock, err := s.lock("installed")
	if err != nil {
		return err
	}
	defer unlock()
	list, err := s.readInstalled()
	if err != nil {
		return err
	}
	if err := s.link(inst, bins, list); err != nil {
		return err
	}
	kept := list[:0]
	for _, old := range list {
		if old.Name != inst.Name {
			kept = append(kept, old)
		}
	}
	kept = append(kept, inst)
	sort.Slice(kept, func(i, j int) bool { return kept[i].Name < kept[j].Name })
	docs := make([]any, len(kept))
	for i, k := range kept {
		docs[i] = k
	}
	var buf bytes.Buffer
	if err := stream.WriteYAML(&buf, docs...); err != nil {
		return err
	}
	return writeAtomic(filepath.Join(s.Home, installedFile), buf.Bytes(), 0o644)
}

// link makes bin/NAME a relative link into the package tree, so the home can move. A
// name another installed package already links is a clash, named in the error.
func (s *Store) link(inst *api.Installed, bins []string, installed []*api.Installed) error {
	binDir := filepath.Join(s.Home, "bin")
	for _, b := range bins {
		name := path.Base(b)
		target := path.Join("..", inst.Path, b)
		linkPath := filepath.Join(binDir, name)
		if cur, err := os.Readlink(linkPath); err == nil {
			if cur == target {
				continue
			}
			if owner := ownerOf(cur, installed); owner != nil && owner.Name != inst.Name {
				return fault.New(fault.Conflict,
					fmt.Errorf("bin/%s is already provided by %s %s; %s %s provides it too", name, owner.Name, owner.Version, inst.Name, inst.Version),
					fmt.Sprintf("remove %s first, or install only one of them", owner.Name))
			}
		}
		tmp := linkPath + ".tmp-link"
		os.Remove(tmp)
		if err := os.Symlink(filepath.FromSlash(target), tmp); err != nil {
			return err
		}
		if err := os.Rename(tmp, linkPath); err != nil {
			os.Remove(tmp)
			return err
		}
	}
	return nil
}

func ownerOf(linkTarget string, installed []*api.Installed) *api.Installed {
	for _, inst := range installed {
		prefix := path.Join("..", inst.Path) + "/"
		if len(linkTarget) > len(prefix) && filepath.ToSlash(linkTarget)[:len(prefix)] == prefix {
			return inst
		}
	}
	return nil
}
