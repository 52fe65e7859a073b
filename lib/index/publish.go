package index

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"golang.org/x/sync/errgroup"

	"longshore.dev/lib/fault"
	"longshore.dev/lib/oci"
	"longshore.dev/lib/ref"
)

// PublishOptions tune Add and Publish. The zero value is right outside tests.
type PublishOptions struct {
	// Now stamps entry-log tags (default time.Now).
	Now func() time.Time
	// Rand makes the random part of entry-log tags (default crypto/rand).
	Rand io.Reader
	// MaxRounds bounds Add's merge-and-verify rounds (default 20).
	MaxRounds int
	// Logf reports progress (default: nothing).
	Logf func(format string, args ...any)
	// MoveRepository lets Add change the repository of a package the index lists
	// while versions the change does not carry stay listed: they are read from the
	// new repository from then on. Without it Add refuses (checkMoves).
	MoveRepository bool
}

func (o *PublishOptions) defaults() {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Rand == nil {
		o.Rand = defaultRand()
	}
	if o.MaxRounds <= 0 {
		o.MaxRounds = 20
	}
	if o.Logf == nil {
		o.Logf = func(string, ...any) {}
	}
}

// PublishResult says what was published.
type PublishResult struct {
	Digest   string   // the index manifest tagged
	Tag      string   // the index tag
	Packages int      // packages in the index
	Versions int      // versions in the index
	Added    []string // name@version of the changes this call brought
	Entries  []string // entry-log tags this call pushed
	Rounds   int      // merge-and-verify rounds Add needed
	Bytes    int64    // bytes uploaded
	// Of Added, as Add merged them into the index: New were not there, Replaced were
	// there with other content (a digest, a platform, yanked), Unchanged were there
	// byte for byte. A version in none of them was merged by a concurrent Add, which
	// leaves no way to tell.
	New, Replaced, Unchanged []string
	// Unlisted are the dependencies by name of the versions added that the index
	// does not list (UnlistedDependencies): not errors, a consumer may have them
	// through another tap. Add fills it from the index it tagged; Publish from pkgs.
	Unlisted []Unlisted
	// Updated lists the packages whose package-level fields this Add changed (the
	// repository, description, homepage, licence or keywords), sorted by name. Like
	// New, Replaced and Unchanged, it knows only what this Add merged itself.
	Updated []PackageUpdate
}

// PackageUpdate is what an Add changed about a package the index had, besides its
// versions.
type PackageUpdate struct {
	Name string
	// Fields names the fields changed, in the order of Package: "repository",
	// "description", "homepage", "license", "keywords".
	Fields []string
	// From and To are the repository before and after, when it changed.
	From, To string
	// Moved lists, when the repository changed, the versions the change did not carry
	// (name@version): the index now says they are in To.
	Moved []string
}

// state is an index as a publisher reads it.
type state struct {
	desc   ocispec.Descriptor // zero when the tag does not exist yet
	layers []ocispec.Descriptor
	config Config
	// shards holds the packages of the shards a publisher built for this state, by
	// shard key, so that checking its own versions in it costs no read.
	shards map[string][]Package
}

// readIndex resolves t:tag and reads its manifest and config. A missing tag is an
// empty index; a tag on anything but an index is refused.
func readIndex(ctx context.Context, t *oci.Target, tag string) (*state, error) {
	desc, err := t.Resolve(ctx, tag)
	if fault.KindOf(err) == fault.NotFound {
		return &state{}, nil
	}
	if err != nil {
		return nil, err
	}
	where := t.Where() + ":" + tag
	if err := checkManifestDesc(desc, where); err != nil {
		return nil, err
	}
	data, err := t.FetchManifest(ctx, desc)
	if err != nil {
		return nil, err
	}
	m, err := DecodeManifest(data, where)
	if err != nil {
		return nil, err
	}
	cdata, err := fetchSmallBlob(ctx, t, m.Config)
	if err != nil {
		return nil, err
	}
	s := &state{desc: desc, layers: m.Layers}
	if err := json.Unmarshal(cdata, &s.config); err != nil {
		return nil, fault.Errorf(fault.Verify, "%s: index config: %v", where, err)
	}
	return s, nil
}

// Add publishes changes to the index at t:tag through the entry log: it pushes the
// changes as one entry artifact first, then merges every pending entry into the index
// and tags it, and repeats until the index the tag points at holds every entry the log
// lists. Two Adds running at once both end with their changes in the index
// (docs/index-format.md has the argument).
func Add(ctx context.Context, t *oci.Target, tag string, changes []Package, opts PublishOptions) (*PublishResult, error) {
	opts.defaults()
	if tag == "" {
		tag = DefaultTag
	}
	if len(changes) == 0 {
		return nil, fault.Errorf(fault.Usage, "no changes to add")
	}
	seen := map[string]bool{}
	for i := range changes {
		changes[i].Normalize()
		if err := changes[i].Validate(""); err != nil {
			return nil, err
		}
		if seen[changes[i].Name] {
			return nil, fault.Errorf(fault.Usage, "package %s is listed twice in one change", changes[i].Name)
		}
		seen[changes[i].Name] = true
	}
	if err := checkPortable(t.Ref, changes); err != nil {
		return nil, err
	}
	// Refuse a tag that holds something else before writing anything next to it.
	cur, err := readIndex(ctx, t, tag)
	if err != nil {
		return nil, err
	}
	// Refuse a change that would send versions it does not carry to another
	// repository before its entry is in the log, where it would be merged whatever
	// happens next.
	if !opts.MoveRepository {
		if err := checkMoves(ctx, t, tag, cur, changes); err != nil {
			return nil, err
		}
	}
	// Stamp the entry after the index's watermark even if this clock is behind the
	// others': the log stays in the order publishers saw it.
	stamp := opts.Now()
	if wm, ok := entryTime(cur.config.Watermark); ok && stamp.UnixNano() <= wm {
		stamp = time.Unix(0, wm+1)
	}
	own, err := newEntryTag(stamp, opts.Rand)
	if err != nil {
		return nil, err
	}
	res := &PublishResult{Tag: tag, Added: versionKeys(changes), Entries: []string{own}}
	n, err := pushEntry(ctx, t, own, changes)
	res.Bytes += n
	if err != nil {
		return nil, fmt.Errorf("pushing the entry %s: %w", own, err)
	}
	opts.Logf("pushed entry %s (%s)", own, strings.Join(res.Added, ", "))
	ownEntries := map[string][]Package{own: changes}
	read := map[string]entryRead{} // entries read in earlier rounds: an entry never changes
	outcome := &outcomes{versions: map[string]versionOutcome{}, packages: map[string]PackageUpdate{}}
	var pushed ocispec.Descriptor
	var pushedState *state
	for round := 1; ; round++ {
		if round > 1 {
			if pushedState != nil && pushed.Digest != "" {
				// Read back what we tagged unless someone tagged since.
				cur, err = reread(ctx, t, tag, pushed, pushedState)
			} else {
				cur, err = readIndex(ctx, t, tag)
			}
			if err != nil {
				return nil, err
			}
		}
		listed, err := listEntries(ctx, t, windowStart(cur.config.Watermark))
		if err != nil {
			return nil, err
		}
		pending, err := readEntries(ctx, t, pendingEntries(cur, listed, own), ownEntries, read, opts)
		if err != nil {
			return nil, err
		}
		if len(pending) == 0 {
			// Every entry the index records as merged is not enough for our own: a
			// publisher may have recorded it without its versions (one before this one
			// knew the moment an entry is listed but does not resolve), or an index build
			// counted it as merged and left it out. Only the versions in the index count.
			missing, err := ownMissing(ctx, t, tag, cur, own, changes)
			if err != nil {
				return nil, err
			}
			if len(missing) == 0 {
				opts.Logf("the index holds every listed entry, %s among them, after %d rounds", strings.Join(res.Added, ", "), round)
				return added(ctx, t, tag, cur, changes, res, round, outcome, opts), nil
			}
			opts.Logf("the index %s:%s (%s) counts entry %s as merged but lacks %s: merging it again", t.Where(), tag, cur.desc.Digest, own, strings.Join(missing, ", "))
			pending = []string{own}
		}
		if round > opts.MaxRounds {
			mine := ""
			if slices.Contains(pending, own) {
				mine = fmt.Sprintf(", yours (%s) among them", strings.Join(res.Added, ", "))
			}
			return nil, fault.New(fault.Conflict,
				fmt.Errorf("the index %s:%s kept changing: gave up after %d rounds with %d entries still to merge%s", t.Where(), tag, opts.MaxRounds, len(pending), mine),
				fmt.Sprintf("run the same pkg-tap index add again, which logs your changes anew; the entry that holds them now (%s) is merged by the next index add unless the index counts it as merged already", own))
		}
		if round > 1 && cur.desc.Digest != pushed.Digest {
			// Someone else tagged since our last round: back off a little, with jitter,
			// so that two publishers do not keep overwriting each other in step.
			sleep(ctx, time.Duration(rand.Int64N(int64(20*time.Millisecond)*int64(min(round, 10)))))
		}
		next, sent, err := mergeRound(ctx, t, tag, cur, pending, entriesOf(pending, read, ownEntries), ownEntries, outcome, opts)
		res.Bytes += sent
		if err != nil {
			return nil, err
		}
		pushed, pushedState = next.desc, next
	}
}

// added fills res for the index cur that holds every entry, ours among them.
func added(ctx context.Context, t *oci.Target, tag string, cur *state, changes []Package, res *PublishResult, rounds int, outcome *outcomes, opts PublishOptions) *PublishResult {
	res.Digest = cur.desc.Digest.String()
	res.Packages, res.Versions, res.Rounds = cur.config.Packages, cur.config.Versions, rounds
	for _, nv := range res.Added {
		switch outcome.versions[nv] {
		case versionNew:
			res.New = append(res.New, nv)
		case versionReplaced:
			res.Replaced = append(res.Replaced, nv)
		case versionUnchanged:
			res.Unchanged = append(res.Unchanged, nv)
		}
	}
	for _, u := range outcome.packages {
		res.Updated = append(res.Updated, u)
	}
	slices.SortFunc(res.Updated, func(a, b PackageUpdate) int { return strings.Compare(a.Name, b.Name) })
	res.Unlisted = unlistedIn(ctx, t, tag, cur, changes, opts)
	return res
}

// ownMissing lists the name@versions of changes, logged as the entry own, that cur does
// not hold as merged from it: the config's record of own must list them (a record
// without them is an entry skipped, or counted by an index build), and the shards must
// hold them. A version a later entry replaced is held all the same.
func ownMissing(ctx context.Context, t *oci.Target, tag string, cur *state, own string, changes []Package) ([]string, error) {
	recorded := map[string]bool{}
	for _, m := range cur.config.Merged {
		if m.Tag == own {
			for _, nv := range m.Versions {
				recorded[nv] = true
			}
		}
	}
	names := make([]string, len(changes))
	for i, c := range changes {
		names[i] = c.Name
	}
	pkgs, err := cur.packages(ctx, t, names, t.Where()+":"+tag)
	if err != nil {
		return nil, err
	}
	var missing []string
	for _, c := range changes {
		for _, v := range c.Versions {
			nv := c.Name + "@" + v.Version
			held := false
			if p := pkgs[c.Name]; p != nil {
				_, held = p.Find(v.Version)
			}
			if !held || !recorded[nv] {
				missing = append(missing, nv)
			}
		}
	}
	return missing, nil
}

// packages returns the packages of s named, read from the shards that hold them unless
// s has them already.
func (s *state) packages(ctx context.Context, t *oci.Target, names []string, where string) (map[string]*Package, error) {
	out := map[string]*Package{}
	var unread []string
	for _, n := range names {
		pkgs, ok := s.shards[ShardKey(n)]
		if !ok {
			unread = append(unread, n)
			continue
		}
		for i := range pkgs {
			if pkgs[i].Name == n {
				out[n] = &pkgs[i]
			}
		}
	}
	if len(unread) > 0 {
		loaded, err := loadPackages(ctx, t, s.layers, unread, where)
		if err != nil {
			return nil, err
		}
		for _, n := range unread {
			if p := loaded[n]; p != nil {
				out[n] = p
			}
		}
	}
	return out, nil
}

// reread resolves t:tag and, when it still points at what we pushed, reuses the state
// we built instead of fetching it again.
func reread(ctx context.Context, t *oci.Target, tag string, pushed ocispec.Descriptor, s *state) (*state, error) {
	desc, err := t.Resolve(ctx, tag)
	if err == nil && desc.Digest == pushed.Digest {
		return s, nil
	}
	return readIndex(ctx, t, tag)
}

func sleep(ctx context.Context, d time.Duration) {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
	case <-timer.C:
	}
}

// pendingEntries are the listed entry tags (and our own) that cur has not merged, sorted.
func pendingEntries(cur *state, listed []string, own string) []string {
	merged := map[string]bool{}
	for _, m := range cur.config.Merged {
		merged[m.Tag] = true
	}
	var out []string
	for _, tag := range append(listed, own) {
		if !merged[tag] && !slices.Contains(out, tag) {
			out = append(out, tag)
		}
	}
	slices.Sort(out)
	return out
}

// unlistedIn returns the dependencies by name of changes that the index cur (holding
// changes) does not list. It reads only the shards of those names; a failure to read
// one costs the answer, never the add, which has succeeded by then.
func unlistedIn(ctx context.Context, t *oci.Target, tag string, cur *state, changes []Package, opts PublishOptions) []Unlisted {
	missing := UnlistedDependencies(changes, nil)
	if len(missing) == 0 {
		return nil
	}
	names := make([]string, len(missing))
	for i, u := range missing {
		names[i] = u.Name
	}
	listed, err := loadPackages(ctx, t, cur.layers, names, t.Where()+":"+tag)
	if err != nil {
		opts.Logf("not checking that the index lists %s: %v", strings.Join(names, ", "), err)
		return nil
	}
	return UnlistedDependencies(changes, func(name string) bool { return listed[name] != nil })
}

// checkMoves refuses a change that would move a package the index lists to another
// repository while versions the change does not carry stay listed. An index has one
// repository per package (a version has none of its own), so those versions would be
// fetched from the new repository, where they usually are not: installing one would
// fail with "not found" and blame the registry. The fix is to publish to the old
// repository, or to say (--move-repository) that the versions were copied over.
//
// It reads the index as tagged when Add starts: a change of repository that another
// publisher merges after that is not seen.
func checkMoves(ctx context.Context, t *oci.Target, tag string, cur *state, changes []Package) error {
	names := make([]string, len(changes))
	for i, c := range changes {
		names[i] = c.Name
	}
	where := t.Where() + ":" + tag
	old, err := loadPackages(ctx, t, cur.layers, names, where)
	if err != nil {
		return err
	}
	for _, c := range changes {
		o := old[c.Name]
		if o == nil || sameRepository(o.Repository, c.Repository) {
			continue
		}
		left := versionsNotIn(*o, c)
		if len(left) == 0 {
			continue // the change lists every version at the new repository
		}
		var carried []string
		for _, v := range c.Versions {
			carried = append(carried, v.Version)
		}
		index := t.Ref.Locator()
		if tag != DefaultTag {
			index += ":" + tag
		}
		return fault.New(fault.Conflict,
			fmt.Errorf("package %s: the index %s lists it at %s with %s, and this adds %s at %s: an index has one repository per package, so %s would be installed from %s too",
				c.Name, where, o.Repository, plural(len(left), "version")+" "+listSome(left), listSome(carried), c.Repository, listSome(left), c.Repository),
			fmt.Sprintf("publish %s to %s instead (pkg-push DIR --to %s -o yaml | pkg-tap index add -f - --to %s); or, if %s holds %s too (copied with crane copy or pkg-pull mirror), add again with --move-repository",
				c.Name, o.Repository, o.Repository, index, c.Repository, listSome(left)))
	}
	return nil
}

// listSome joins items with commas, the first five of them and how many more.
func listSome(items []string) string {
	const most = 5
	if len(items) <= most {
		return strings.Join(items, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(items[:most], ", "), len(items)-most)
}

// plural is "version" for 1 and "versions" otherwise (the count is the caller's).
func plural(n int, noun string) string {
	if n == 1 {
		return noun
	}
	return noun + "s"
}

// versionsNotIn lists the versions of old that change does not carry.
func versionsNotIn(old, change Package) []string {
	var out []string
	for _, v := range old.Versions {
		if _, carried := change.Find(v.Version); !carried {
			out = append(out, v.Version)
		}
	}
	return out
}

// sameRepository reports whether a and b name one repository, however written
// (oci://REGISTRY/REPO and REGISTRY/REPO are one).
func sameRepository(a, b string) bool {
	if a == b {
		return true
	}
	ra, errA := ref.ParseArtifact(a)
	rb, errB := ref.ParseArtifact(b)
	return errA == nil && errB == nil && ra.Locator() == rb.Locator()
}

// loadPackages reads the shards of layers that hold the names given (a name whose
// shard the index lacks has none) and returns every package in them.
func loadPackages(ctx context.Context, t *oci.Target, layers []ocispec.Descriptor, names []string, where string) (map[string]*Package, error) {
	byKey := map[string]ocispec.Descriptor{}
	for _, l := range layers {
		byKey[l.Annotations[ShardAnnotation]] = l
	}
	out := map[string]*Package{}
	read := map[string]bool{}
	for _, n := range names {
		k := ShardKey(n)
		d, ok := byKey[k]
		if !ok || read[k] {
			continue
		}
		read[k] = true
		data, err := fetchSmallBlob(ctx, t, d)
		if err != nil {
			return nil, err
		}
		pkgs, err := decodeShard(data, k, where)
		if err != nil {
			return nil, err
		}
		for i := range pkgs {
			out[pkgs[i].Name] = &pkgs[i]
		}
	}
	return out, nil
}

// versionOutcome is what merging a version did to the index.
type versionOutcome int

const (
	versionNew versionOutcome = iota + 1
	versionReplaced
	versionUnchanged
)

// mergeRound merges the pending entries into cur, pushes the shards that changed, the
// config and the manifest, and tags it. It returns the new state and the bytes sent.
// entries holds what each pending entry changes; a pending entry it lacks is one that
// is not valid, recorded as merged with no versions. For the entries in known (the
// caller's own), outcome records what merging them did, against the index as the
// entries before them left it.
func mergeRound(ctx context.Context, t *oci.Target, tag string, cur *state, pending []string, entries, known map[string][]Package, outcome *outcomes, opts PublishOptions) (*state, int64, error) {
	// Load only the shards the entries touch.
	keys := map[string]bool{}
	var names []string
	for _, pkgs := range entries {
		for _, p := range pkgs {
			keys[ShardKey(p.Name)] = true
			names = append(names, p.Name)
		}
	}
	oldLayers := map[string]ocispec.Descriptor{}
	for _, l := range cur.layers {
		oldLayers[l.Annotations[ShardAnnotation]] = l
	}
	where := t.Where() + ":" + tag
	byName, err := loadPackages(ctx, t, cur.layers, names, where)
	if err != nil {
		return nil, 0, err
	}
	oldPackages, oldVersions := len(byName), 0
	for _, p := range byName {
		oldVersions += len(p.Versions)
	}
	// Later entries win per name@version (and per name for metadata), also against
	// entries merged in earlier rounds that a late-listed, older entry must not undo.
	setBy := map[string]string{}
	note := func(key, tag string) {
		if setBy[key] < tag {
			setBy[key] = tag
		}
	}
	for _, m := range cur.config.Merged {
		for _, nv := range m.Versions {
			note(nv, m.Tag)
			name, _, _ := strings.Cut(nv, "@")
			note(name, m.Tag)
		}
	}
	// An entry merged again (our own, which the index counted without its versions)
	// gets a new record.
	merged := slices.DeleteFunc(slices.Clone(cur.config.Merged), func(m MergedEntry) bool { return slices.Contains(pending, m.Tag) })
	for _, etag := range pending {
		pkgs, ok := entries[etag]
		if !ok { // skipped: not a valid entry
			merged = append(merged, MergedEntry{Tag: etag})
			continue
		}
		for _, p := range pkgs {
			change := p
			change.Versions = nil
			for _, v := range p.Versions {
				if setBy[p.Name+"@"+v.Version] <= etag {
					change.Versions = append(change.Versions, v)
				}
			}
			if setBy[p.Name] > etag && byName[p.Name] != nil {
				change.Repository, change.Description, change.Homepage, change.License, change.Keywords = "", "", "", "", nil
			}
			m := Merge(byName[p.Name], change)
			if _, mine := known[etag]; mine && outcome != nil {
				outcome.record(byName[p.Name], change, m)
			}
			byName[p.Name] = &m
			for _, v := range p.Versions {
				note(p.Name+"@"+v.Version, etag)
			}
			note(p.Name, etag)
		}
		merged = append(merged, MergedEntry{Tag: etag, Versions: versionKeys(pkgs)})
	}
	// Rebuild the touched shards; keep every other layer as it was.
	newByKey := map[string][]Package{}
	newPackages, newVersions := 0, 0
	for _, p := range byName {
		if len(p.Versions) == 0 {
			continue
		}
		k := ShardKey(p.Name)
		newByKey[k] = append(newByKey[k], *p)
		newPackages++
		newVersions += len(p.Versions)
	}
	shards := map[string][]Package{}
	var changed []Blob
	for k := range keys {
		delete(oldLayers, k)
		shards[k] = newByKey[k]
		if len(newByKey[k]) == 0 {
			continue
		}
		b, err := buildShard(k, newByKey[k])
		if err != nil {
			return nil, 0, err
		}
		changed = append(changed, b)
		oldLayers[k] = b.Desc
	}
	layers := make([]ocispec.Descriptor, 0, len(oldLayers))
	for _, l := range oldLayers {
		layers = append(layers, l)
	}
	slices.SortFunc(layers, func(a, b ocispec.Descriptor) int {
		return strings.Compare(a.Annotations[ShardAnnotation], b.Annotations[ShardAnnotation])
	})
	watermark := cur.config.Watermark
	if last := pending[len(pending)-1]; last > watermark {
		watermark = last
	}
	cfg := Config{
		SchemaVersion: 1,
		Packages:      cur.config.Packages - oldPackages + newPackages,
		Versions:      cur.config.Versions - oldVersions + newVersions,
		Shards:        len(layers),
		Watermark:     watermark,
		Merged:        trimMerged(merged, watermark, pending),
	}
	manifest, config, err := wrap(layers, cfg)
	if err != nil {
		return nil, 0, err
	}
	sent, err := pushIndex(ctx, t, changed, config, manifest)
	if err != nil {
		return nil, sent, err
	}
	if err := t.Tag(ctx, manifest.Desc, tag); err != nil {
		return nil, sent, err
	}
	opts.Logf("tagged %s:%s at %s (%d entries merged, %d shards rewritten)", t.Where(), tag, manifest.Desc.Digest, len(pending), len(changed))
	return &state{desc: manifest.Desc, layers: layers, config: cfg, shards: shards}, sent, nil
}

// outcomes is what merging a publisher's own entry did to the index.
type outcomes struct {
	versions map[string]versionOutcome // by name@version
	packages map[string]PackageUpdate  // by name; only packages with a field changed
}

// record notes what merging change into old (nil for a package the index lacked) did,
// merged being the result.
func (o *outcomes) record(old *Package, change, merged Package) {
	for _, v := range change.Versions {
		o.versions[merged.Name+"@"+v.Version] = compareVersion(old, merged, v.Version)
	}
	delete(o.packages, merged.Name)
	if old == nil {
		return
	}
	u := PackageUpdate{Name: merged.Name}
	if !sameRepository(old.Repository, merged.Repository) {
		u.Fields = append(u.Fields, "repository")
		u.From, u.To = old.Repository, merged.Repository
		for _, v := range versionsNotIn(*old, change) {
			u.Moved = append(u.Moved, merged.Name+"@"+v)
		}
	}
	for _, f := range []struct {
		name     string
		old, new string
	}{
		{"description", old.Description, merged.Description},
		{"homepage", old.Homepage, merged.Homepage},
		{"license", old.License, merged.License},
	} {
		if f.old != f.new {
			u.Fields = append(u.Fields, f.name)
		}
	}
	if !slices.Equal(old.Keywords, merged.Keywords) {
		u.Fields = append(u.Fields, "keywords")
	}
	if len(u.Fields) > 0 {
		o.packages[merged.Name] = u
	}
}

// compareVersion says what merging changed about version v: old (nil for a package the
// index lacked) before, merged after. Unchanged is byte for byte, as the shards hold it,
// and at the same repository: a version the index now reads from another repository
// is replaced, whatever its digest.
func compareVersion(old *Package, merged Package, v string) versionOutcome {
	if old == nil {
		return versionNew
	}
	before, ok := old.Find(v)
	if !ok {
		return versionNew
	}
	if !sameRepository(old.Repository, merged.Repository) {
		return versionReplaced
	}
	after, _ := merged.Find(v)
	b, errB := json.Marshal(before)
	a, errA := json.Marshal(after)
	if errB == nil && errA == nil && string(a) == string(b) {
		return versionUnchanged
	}
	return versionReplaced
}

// trimMerged keeps the merged entries inside the look-back window of watermark, and
// those in keep (merged just now: their publishers check for them next), sorted and
// unique by tag.
func trimMerged(merged []MergedEntry, watermark string, keep []string) []MergedEntry {
	from := windowStart(watermark)
	var out []MergedEntry
	for _, m := range merged {
		if m.Tag >= from || slices.Contains(keep, m.Tag) {
			out = append(out, m)
		}
	}
	slices.SortStableFunc(out, func(a, b MergedEntry) int { return strings.Compare(a.Tag, b.Tag) })
	return slices.CompactFunc(out, func(a, b MergedEntry) bool { return a.Tag == b.Tag })
}

// entryRead is what reading an entry found: its packages, or that it is not valid.
type entryRead struct {
	pkgs    []Package
	invalid bool
}

// readEntries reads the pending entries not known or read already, four at a time, and
// returns those to merge now, sorted. An entry that is not valid is merged as skipped,
// with a message: one bad entry never blocks an index. An entry that is listed but does
// not resolve is left pending, and not counted as merged: distribution lists a tag
// from the moment its PUT creates the tag, a moment before the tag resolves, and that
// entry's publisher has not started merging yet, so it merges the entry itself (as it
// does its own, known without a read). A tag deleted from the log leaves the listing;
// one that a registry keeps listing after its manifest is gone is passed over in the
// same way until it leaves the look-back window.
func readEntries(ctx context.Context, t *oci.Target, pending []string, known map[string][]Package, read map[string]entryRead, opts PublishOptions) ([]string, error) {
	results := make([]entryRead, len(pending))
	errs := make([]error, len(pending))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(4)
	for i, tag := range pending {
		if _, ok := known[tag]; ok {
			continue
		}
		if r, ok := read[tag]; ok {
			results[i] = r
			continue
		}
		g.Go(func() error {
			pkgs, err := readEntry(gctx, t, tag)
			switch fault.KindOf(err) {
			case fault.Verify, fault.Usage:
				errs[i], results[i] = err, entryRead{invalid: true}
				return nil
			case fault.NotFound:
				errs[i] = err
				return nil
			}
			results[i] = entryRead{pkgs: pkgs}
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	var now []string
	for i, tag := range pending {
		switch {
		case fault.KindOf(errs[i]) == fault.NotFound:
			opts.Logf("leaving entry %s pending: it is listed but does not resolve (%v); its publisher merges it once it does", tag, errs[i])
			continue
		case errs[i] != nil:
			opts.Logf("skipping entry %s: %v", tag, errs[i])
		}
		if _, ok := known[tag]; !ok {
			read[tag] = results[i]
		}
		now = append(now, tag)
	}
	return now, nil
}

// entriesOf returns the changes of the entries pending, from known or read; an entry
// that is not valid has none.
func entriesOf(pending []string, read map[string]entryRead, known map[string][]Package) map[string][]Package {
	out := map[string][]Package{}
	for _, tag := range pending {
		if pkgs, ok := known[tag]; ok {
			out[tag] = pkgs
		} else if r := read[tag]; !r.invalid {
			out[tag] = r.pkgs
		}
	}
	return out
}

// pushIndex uploads the changed shards (concurrently), then the config, then the
// manifest, so that the registry never holds a manifest whose blobs are missing.
func pushIndex(ctx context.Context, t *oci.Target, shards []Blob, config, manifest Blob) (int64, error) {
	sizes := make([]int64, len(shards))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(4)
	for i, b := range shards {
		g.Go(func() error {
			n, err := pushBlob(gctx, t, b)
			sizes[i] = n
			return err
		})
	}
	err := g.Wait()
	var sent int64
	for _, n := range sizes {
		sent += n
	}
	if err != nil {
		return sent, err
	}
	for _, b := range []Blob{config, manifest} {
		n, err := pushBlob(ctx, t, b)
		sent += n
		if err != nil {
			return sent, err
		}
	}
	return sent, nil
}

// Publish replaces the index at t:tag with exactly pkgs (`index build`): every entry
// the log lists up to now counts as merged, so entries added before the build do not
// come back after it.
func Publish(ctx context.Context, t *oci.Target, tag string, pkgs []Package, opts PublishOptions) (*PublishResult, error) {
	opts.defaults()
	if tag == "" {
		tag = DefaultTag
	}
	if len(pkgs) == 0 {
		return nil, fault.Errorf(fault.Usage, "an index needs at least one package")
	}
	for i := range pkgs {
		pkgs[i].Normalize()
		if err := pkgs[i].Validate(""); err != nil {
			return nil, err
		}
	}
	if err := checkPortable(t.Ref, pkgs); err != nil {
		return nil, err
	}
	cur, err := readIndex(ctx, t, tag)
	if err != nil {
		return nil, err
	}
	listed, err := listEntries(ctx, t, windowStart(cur.config.Watermark))
	if err != nil {
		return nil, err
	}
	watermark, merged := cur.config.Watermark, slices.Clone(cur.config.Merged)
	for _, e := range listed {
		merged = append(merged, MergedEntry{Tag: e})
		if e > watermark {
			watermark = e
		}
	}
	b, err := Build(pkgs, watermark, trimMerged(merged, watermark, nil))
	if err != nil {
		return nil, err
	}
	sent, err := pushIndex(ctx, t, b.Shards, b.Config, b.Manifest)
	if err != nil {
		return nil, err
	}
	if err := t.Tag(ctx, b.Manifest.Desc, tag); err != nil {
		return nil, err
	}
	opts.Logf("tagged %s:%s at %s (%d packages, %d shards)", t.Where(), tag, b.Manifest.Desc.Digest, b.Stats.Packages, len(b.Shards))
	return &PublishResult{
		Digest: b.Manifest.Desc.Digest.String(), Tag: tag,
		Packages: b.Stats.Packages, Versions: b.Stats.Versions,
		Added: versionKeys(pkgs), Rounds: 1, Bytes: sent,
		Unlisted: UnlistedDependencies(pkgs, nil),
	}, nil
}
