// Package oci is longshore's one door to OCI content: remote registries through
// oras-go's remote client (credentials from the docker config, retries with backoff,
// plain HTTP only where allowed, a user agent naming the binary) and local OCI image
// layouts (ocidir://) through the same small interface. Every byte that comes through
// it is verified against its descriptor; sizes of manifests and tag lists are bounded.
package oci

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/content"
	orasoci "oras.land/oras-go/v2/content/oci"
	"oras.land/oras-go/v2/errdef"
	"oras.land/oras-go/v2/registry"
	"oras.land/oras-go/v2/registry/remote"
	"oras.land/oras-go/v2/registry/remote/auth"
	"oras.land/oras-go/v2/registry/remote/credentials"
	"oras.land/oras-go/v2/registry/remote/errcode"
	"oras.land/oras-go/v2/registry/remote/retry"

	"longshore.dev/lib/fault"
	"longshore.dev/lib/internal/fsx"
	"longshore.dev/lib/ref"
)

const (
	// MaxManifestBytes bounds a manifest or index read from any source.
	MaxManifestBytes = 4 << 20
	// MaxTags bounds a tag listing, across all its pages.
	MaxTags     = 100_000
	tagPageSize = 1000
)

// Options say how to reach a registry. The zero value is right for most uses.
type Options struct {
	// PlainHTTP forces plain HTTP (true) or TLS (false); nil means plain HTTP only for
	// localhost, 127.0.0.0/8 and ::1, as docker does.
	PlainHTTP *bool
	// CAFile is a PEM bundle of extra roots for the registry's TLS certificate.
	CAFile string
	// CAFileFrom is what named CAFile, for errors: "--ca-file" when empty.
	CAFileFrom string
	// Insecure skips TLS verification. Never the default.
	Insecure bool
	// UserAgent names the binary and its version.
	UserAgent string
	// RegistryConfig is a docker config file to take credentials from instead of the
	// usual one (DOCKER_CONFIG or ~/.docker/config.json).
	RegistryConfig string
	// Credentials overrides both (tests).
	Credentials credentials.Store
	// Create makes a missing local layout instead of reporting it as not found.
	Create bool
	// Repair removes the damaged manifests that keep a local layout from opening (its
	// index lists them, and their files do not match their digests), so that a push can
	// write them again; Target.Repaired lists them. Without it, Open names the first.
	Repair bool
	// ReadOnly opens the target to read only. A local layout's lock is then shared with
	// other readers, so that two installs from one layout, or a resolve beside an
	// install, run at once rather than in turn, and nothing is written in the layout
	// (layoutlock.go). The Target's writes (Push, PushBlob, Tag, Delete) refuse with
	// ErrReadOnly, on a registry as well: a reader is one whatever its source. Open
	// refuses it with Create or Repair, which write.
	ReadOnly bool
	// Waiting is told, once per host, that a registry has left a request or a
	// response without an answer for WaitNotice; nil says nothing.
	Waiting func(host string, waited time.Duration)
	// LayoutWaiting is told, once, that another command has held a local layout's lock
	// for filelock.NoticeAfter, with the layout's name; nil says nothing.
	LayoutWaiting func(where string)
	// Retry overrides the retry policy (oras-go's default: 5 retries, 200ms–3s backoff
	// with jitter, on 408, 429, 5xx and network timeouts).
	Retry retry.Policy
	// Retrying is told before PushBlob tries an upload again; nil says nothing.
	Retrying func(UploadRetry)
	// UploadBackoff overrides the wait before an upload's second try (500ms), which
	// doubles before its third (tests).
	UploadBackoff time.Duration
	// Debugf hears what a command does that it does not say by default (-v): the
	// registry or layout it opens and how, where the credentials for a host come from
	// (a credential helper, a docker config file, none: never the secret), the
	// requests the transport tries again and why. nil says nothing.
	Debugf func(format string, args ...any)
	// Requested hears of each HTTP request to a registry once it is over (-vv), the
	// token fetch of an auth challenge and each retry included. A RequestLog holds no
	// header, body or query (requestlog.go). nil says nothing.
	Requested func(RequestLog)
}

func (o Options) debugf(format string, args ...any) {
	if o.Debugf != nil {
		o.Debugf(format, args...)
	}
}

// Target is a repository in a registry or a local OCI layout.
type Target struct {
	Ref ref.Ref
	// where names the target in errors: "localhost:5000/demo/hello" or "ocidir://./reg/hello".
	where  string
	caFile string // the CA file the user gave, for errors
	store  storage
	remote *remote.Repository
	unlock func()
	// ingest is a writable layout's ingest directory, which Close clears.
	ingest string
	// index saves a layout's index.json after each change to it (layoutindex.go).
	index *layoutIndex
	// checking keeps Intact's checks of one file of a layout apart.
	checking digestLocks
	// Repaired lists the damaged manifests Open removed from a layout (Options.Repair).
	Repaired []*DamagedError
	// readOnly is Options.ReadOnly: the writes refuse.
	readOnly bool
	// retrying and uploadBackoff are Options.Retrying and UploadBackoff, for PushBlob.
	retrying      func(UploadRetry)
	uploadBackoff time.Duration
}

type storage interface {
	content.Storage
	content.TagResolver
	registry.TagLister
}

// Open returns the target r points at. Close releases a local layout's lock.
func Open(ctx context.Context, r ref.Ref, opts Options) (*Target, error) {
	if opts.ReadOnly && (opts.Create || opts.Repair) {
		// A caller's mistake, not the user's: no flag sets these.
		return nil, fmt.Errorf("opening %s: oci.Options.ReadOnly with Create or Repair, which write: open it to write, or only to read", r.Locator())
	}
	var t *Target
	var err error
	switch r.Kind {
	case ref.Remote:
		t, err = openRemote(r, opts)
	case ref.Layout:
		t, err = openLayout(ctx, r, opts)
	default:
		return nil, fault.Errorf(fault.Usage, "%q is not an OCI reference", r.String())
	}
	if err != nil {
		return nil, err
	}
	t.readOnly = opts.ReadOnly
	t.retrying, t.uploadBackoff = opts.Retrying, opts.UploadBackoff
	if t.uploadBackoff <= 0 {
		t.uploadBackoff = uploadBackoff
	}
	return t, nil
}

func openRemote(r ref.Ref, opts Options) (*Target, error) {
	repo, err := remote.NewRepository(r.Registry + "/" + r.Repository)
	if err != nil {
		return nil, fault.New(fault.Usage, err, "")
	}
	plain := r.IsLocalhost()
	if opts.PlainHTTP != nil {
		plain = *opts.PlainHTTP
	}
	repo.PlainHTTP = plain
	repo.MaxMetadataBytes = MaxManifestBytes
	repo.TagListPageSize = tagPageSize
	repo.TagListMaxPages = MaxTags / tagPageSize
	httpClient, err := HTTPClient(opts)
	if err != nil {
		return nil, err
	}
	store := opts.Credentials
	switch {
	case store != nil:
	case opts.RegistryConfig != "":
		if store, err = credentials.NewStore(opts.RegistryConfig, credentials.StoreOptions{}); err != nil {
			return nil, fault.New(fault.Usage, fmt.Errorf("reading credentials from %s: %w", opts.RegistryConfig, err),
				"fix that docker config file, or name another")
		}
	default:
		if store, err = credentials.NewStoreFromDocker(credentials.StoreOptions{}); err != nil {
			return nil, fault.New(fault.Usage, fmt.Errorf("reading docker credentials (DOCKER_CONFIG or ~/.docker/config.json): %w", err),
				"fix $DOCKER_CONFIG/config.json (~/.docker/config.json), or move it away and log in again")
		}
	}
	client := &auth.Client{
		Client:     httpClient,
		Cache:      auth.NewCache(),
		Credential: toldCredentials(credentials.Credential(store), store, opts.Debugf),
	}
	if opts.UserAgent != "" {
		client.SetUserAgent(opts.UserAgent)
	}
	repo.Client = client
	opts.debugf("opening %s: a registry, over %s", r.Locator(), connection(plain, opts))
	return &Target{Ref: r, where: r.Locator(), caFile: opts.CAFile, store: repo, remote: repo}, nil
}

// connection says how a registry is reached, for -v: plain HTTP (and why), or TLS
// (and what it trusts).
func connection(plain bool, opts Options) string {
	switch {
	case plain && opts.PlainHTTP != nil:
		return "plain HTTP (--plain-http)"
	case plain:
		return "plain HTTP (a loopback address; TLS if it answers as a TLS server)"
	case opts.Insecure:
		return "TLS, its certificate not checked (--insecure)"
	case opts.CAFile != "":
		from := opts.CAFileFrom
		if from == "" {
			from = "--ca-file"
		}
		return fmt.Sprintf("TLS, trusting the system's CAs and those of %s (%s)", opts.CAFile, from)
	}
	return "TLS, trusting the system's CAs"
}

// HTTPClient is the client every registry request goes through: TLS as opts say (a
// loopback registry that turns out to speak TLS gets it: tls.go), retries (opts.Retry), a minute's bound on silence (watch.go) and a notice to
// opts.Waiting while a registry keeps one waiting; an upload's PUT is sent once, for
// PushBlob to retry the whole upload (upload.go). tap's login uses it for the
// registry-wide calls lib/oci has no Target for.
func HTTPClient(opts Options) (*http.Client, error) {
	transport, err := newTransport(opts)
	if err != nil {
		return nil, err
	}
	if opts.Requested != nil {
		transport = logTransport{base: transport, requested: opts.Requested}
	}
	scheme := &schemeTransport{base: transport, auto: opts.PlainHTTP == nil}
	watched := newWatchTransport(scheme, opts.Waiting)
	return &http.Client{Transport: uploadTransport{retrying: retryTransport(watched, opts.Retry, opts.Debugf), once: watched}}, nil
}

func retryTransport(base http.RoundTripper, policy retry.Policy, debugf func(string, ...any)) http.RoundTripper {
	if policy == nil {
		policy = retry.DefaultPolicy
	}
	return announcedRetries{base: base, policy: permanentFailures{policy}, debugf: debugf}
}

// announcedRetries is oras-go's retrying transport, which tells debugf (when not nil)
// of each request it sends again, and why: a registry that answers 503 now and then,
// or a proxy that cuts connections, makes a command slow with nothing said. oras-go
// does not tell its policy which request it judges, so each request gets a transport
// of its own, with a policy that knows it.
type announcedRetries struct {
	base   http.RoundTripper
	policy retry.Policy
	debugf func(string, ...any)
}

func (t announcedRetries) RoundTrip(req *http.Request) (*http.Response, error) {
	rt := retry.NewTransport(t.base)
	rt.Policy = func() retry.Policy { return announcedPolicy{Policy: t.policy, req: req, debugf: t.debugf} }
	return rt.RoundTrip(req)
}

type announcedPolicy struct {
	retry.Policy
	req    *http.Request
	debugf func(string, ...any)
}

func (p announcedPolicy) Retry(attempt int, resp *http.Response, err error) (time.Duration, error) {
	wait, perr := p.Policy.Retry(attempt, resp, err)
	// oras-go sends a request again only when it can read its body again.
	again := perr == nil && wait >= 0 && (p.req.Body == nil || p.req.Body == http.NoBody || p.req.GetBody != nil)
	if p.debugf != nil && again {
		why := ""
		if resp != nil {
			why = fmt.Sprintf("HTTP %d %s", resp.StatusCode, http.StatusText(resp.StatusCode))
		} else {
			why = errorWithout(err, p.req.URL.RawQuery)
		}
		p.debugf("%s %s failed (%s): trying again in %s (retry %d)", p.req.Method, withoutQuery(p.req.URL), why, roundTook(wait), attempt+1)
	}
	return wait, perr
}

// permanentFailures does not retry the 5xx answers that no retry changes: 501 Not
// Implemented and 505 HTTP Version Not Supported, which come from a server that is not
// a registry (a plain web server answers 501 to HEAD and PUT). oras-go retries every
// 5xx, which made such a server take six seconds to fail.
type permanentFailures struct{ retry.Policy }

func (p permanentFailures) Retry(attempt int, resp *http.Response, err error) (time.Duration, error) {
	if resp != nil && (resp.StatusCode == http.StatusNotImplemented || resp.StatusCode == http.StatusHTTPVersionNotSupported) {
		return -1, nil
	}
	// A registry that let a request wait out the response-header timeout (a minute) is
	// tried once more, not five times: five more minutes of silence helps nobody.
	var netErr net.Error
	if attempt >= 1 && errors.As(err, &netErr) && netErr.Timeout() {
		return -1, nil
	}
	return p.Policy.Retry(attempt, resp, err)
}

func newTransport(opts Options) (http.RoundTripper, error) {
	base := http.DefaultTransport.(*http.Transport).Clone()
	base.ResponseHeaderTimeout = responseHeaderTimeout
	if opts.CAFile == "" && !opts.Insecure {
		return base, nil
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: opts.Insecure}
	if opts.CAFile != "" {
		from := opts.CAFileFrom
		if from == "" {
			from = "--ca-file"
		}
		pem, err := os.ReadFile(opts.CAFile)
		if err != nil {
			return nil, caFileError(from, opts.CAFile, err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fault.Errorf(fault.Usage, "%s %s holds no PEM certificate", from, opts.CAFile)
		}
		cfg.RootCAs = pool
	}
	base.TLSClientConfig = cfg
	return base, nil
}

func openLayout(ctx context.Context, r ref.Ref, opts Options) (*Target, error) {
	// Documents printed about a layout (Published, Installed) must mean the same thing
	// from any directory: record its absolute path.
	abs, err := filepath.Abs(r.Path)
	if err != nil {
		return nil, err
	}
	r.Path = abs
	where := "ocidir://" + r.Path
	if file := fsx.FileOnPath(r.Path); file != "" {
		// Said plainly: "no OCI layout there… push to it first" misleads a push.
		const hint = "name a directory for the layout (a push creates one that does not exist yet)"
		if file == r.Path {
			return nil, fault.New(fault.Usage, fmt.Errorf("%s is a file, not a directory: an OCI layout is a directory", where), hint)
		}
		return nil, fault.New(fault.Usage, fmt.Errorf("%s: %s is a file, not a directory, so no layout can be below it", where, file), hint)
	}
	if err := hasIndex(r.Path); err != nil {
		if !opts.Create || !errors.Is(err, os.ErrNotExist) {
			return nil, layoutMissing(where, r.Path, err)
		}
		if err := os.MkdirAll(r.Path, 0o755); err != nil {
			return nil, fmt.Errorf("creating layout %s: %w", where, err)
		}
	}
	// Another command may hold the layout's lock for as long as a mirror takes: the
	// wait says so (once, though a reader may wait twice: openLayoutToRead), and ends
	// on Ctrl-C.
	var waiting func()
	if opts.LayoutWaiting != nil {
		var told sync.Once
		waiting = func() { told.Do(func() { opts.LayoutWaiting(where) }) }
	}
	// The time an open takes is mostly its lock's wait, for -v.
	start := time.Now()
	if opts.ReadOnly {
		t, err := openLayoutToRead(ctx, r, where, waiting)
		if err == nil {
			opts.debugf("opened %s, a layout, to read in %s (its lock shared with other readers)", where, roundTook(time.Since(start)))
		}
		return t, err
	}
	// oras' layout store keeps index.json in memory and rewrites it on each tag: hold
	// an exclusive lock from open to close so two writers never lose each other's tags,
	// and no reader reads what a writer has half done.
	unlock, err := lockLayout(ctx, r.Path, where, exclusive, opts.Create, waiting)
	if err != nil {
		return nil, err
	}
	if err := recoverIndex(r.Path); err != nil {
		unlock()
		return nil, fmt.Errorf("opening %s: putting back the index.json an earlier writer did not finish saving: %w", where, err)
	}
	// oras-go opens the layout through its stage, where it cannot cut index.json short
	// (layoutindex.go); a layout where nothing can be written, directly.
	stage, err := stageLayout(r.Path)
	if err != nil {
		unlock()
		return nil, layoutFault("opening "+where, err)
	}
	opened := r.Path
	if stage != "" {
		opened = stage
	}
	store, err := orasoci.NewWithContext(ctx, opened)
	var damaged []*DamagedError
	if err != nil {
		// oras reads every manifest the index lists, and one damaged file stops it with
		// "invalid OCI Image Index: read failed: expected content size…".
		damaged = damagedManifests(ctx, r.Path, where)
		switch {
		case len(damaged) > 0 && opts.Repair:
			if err = removeDamaged(r.Path, damaged); err == nil {
				store, err = orasoci.NewWithContext(ctx, opened)
			}
		case len(damaged) > 0:
			removeStage(stage)
			unlock()
			return nil, fault.New(fault.Verify, damaged[0], repairLayout)
		}
	}
	if err != nil {
		removeStage(stage)
		unlock()
		// A new layout on a full disk fails here, writing its oci-layout or index.json.
		return nil, layoutFault("opening "+where, err)
	}
	store.AutoSaveIndex = false // saved by layoutIndex, which a killed writer cannot cut short
	t := &Target{Ref: r, where: where, store: store, unlock: unlock, Repaired: damaged, index: &layoutIndex{store: store, root: r.Path, stage: stage}}
	if opts.Create {
		// Where an older longshore, or another tool, had oras-go write its blobs.
		t.ingest = filepath.Join(r.Path, "ingest")
	}
	opts.debugf("opened %s, a layout, to write in %s (its lock held alone)", where, roundTook(time.Since(start)))
	return t, nil
}

// openLayoutToRead opens the layout at r.Path (an index.json is there) to read, under
// a lock it shares with other readers (Options.ReadOnly). It writes nothing there: no
// stage (oras-go's read-only store reads the layout itself, and creates nothing where
// its writable one would make blobs/, oci-layout or index.json), no clearing of what a
// killed writer left (its stage, its ingest/: the next writer clears them).
//
// What an older writer cut short (mendLayout) is the exception: no reader can read it
// as it is, and mending it writes. That is done under the exclusive lock, which is
// then traded back for a shared one, the layout looked at again: a writer may come in
// between. Keeping the exclusive lock until Close would make the next reader of this
// same process (pkg-pull ocidir://X:1.0.0 ocidir://X:2.0.0) wait for it for good. Only
// the first reader after such a writer takes its turn; the next finds the layout whole.
func openLayoutToRead(ctx context.Context, r ref.Ref, where string, waiting func()) (*Target, error) {
	var unlock func()
	for tries := 0; ; tries++ {
		var err error
		if unlock, err = lockLayout(ctx, r.Path, where, shared, false, waiting); err != nil {
			return nil, err
		}
		if !mendNeeded(r.Path) {
			break
		}
		unlock()
		if tries == 2 {
			return nil, fault.New(fault.Conflict, fmt.Errorf("opening %s: it was cut short again each time it was mended", where),
				"another command keeps writing it: let it finish, then run this one again")
		}
		if other := heldAs(filepath.Join(r.Path, lockName)); other != "" {
			// This process reads it already, and an exclusive lock would wait for that.
			return nil, fmt.Errorf("opening %s: its index.json or oci-layout went missing while this command had it open", where)
		}
		if unlock, err = lockLayout(ctx, r.Path, where, exclusive, false, waiting); err != nil {
			return nil, err
		}
		// mendLayout looks again: another command may have mended it meanwhile.
		err = mendLayout(r.Path)
		unlock()
		if err != nil {
			return nil, fmt.Errorf("opening %s: putting back what an earlier writer did not finish saving (index.json, oci-layout): %w", where, err)
		}
	}
	store, err := orasoci.NewFromFS(ctx, os.DirFS(r.Path))
	if err != nil {
		unlock()
		// As in openLayout, without Repair: a reader removes nothing.
		if damaged := damagedManifests(ctx, r.Path, where); len(damaged) > 0 {
			return nil, fault.New(fault.Verify, damaged[0], repairLayout)
		}
		return nil, layoutFault("opening "+where, err)
	}
	return &Target{Ref: r, where: where, store: readOnlyLayout{store}, unlock: unlock}, nil
}

// readOnlyLayout is oras-go's read-only layout store as a storage: its writes refuse.
// Target's own writes refuse before they get here (refuseWrite), with their words.
type readOnlyLayout struct{ *orasoci.ReadOnlyStore }

func (readOnlyLayout) Push(context.Context, ocispec.Descriptor, io.Reader) error { return ErrReadOnly }
func (readOnlyLayout) Tag(context.Context, ocispec.Descriptor, string) error     { return ErrReadOnly }

func removeStage(stage string) {
	if stage != "" {
		os.RemoveAll(stage)
	}
}

// caFileError says why --ca-file could not be read in the user's words, not
// os.ReadFile's ("open /x: no such file or directory").
func caFileError(from, path string, err error) error {
	hint := from + " takes a PEM file of the CA certificates that signed the registry's certificate"
	if errors.Is(err, fs.ErrNotExist) {
		return fault.New(fault.NotFound, fmt.Errorf("%s %s: no such file", from, path), hint)
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return fault.New(fault.Unknown, fmt.Errorf("%s %s: cannot be read: %w", from, path, err), hint)
}

// layoutMissing says why there is no layout at path (its index.json could not be
// read: err) in the user's words, not os.Stat's ("stat /x/index.json: no such file or
// directory").
func layoutMissing(where, path string, err error) error {
	const hint = "check the path, or publish to it first (pkg-push DIR --to ocidir://PATH creates the layout)"
	var why string
	switch {
	case errors.Is(err, os.ErrPermission):
		why = "index.json cannot be read: permission denied"
	case !errors.Is(err, os.ErrNotExist):
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		why = "index.json cannot be read: " + err.Error()
	case isDir(path):
		why = "the directory has no index.json"
	default:
		why = "no such directory"
	}
	return fault.New(fault.NotFound, fmt.Errorf("%s: no OCI layout there (%s)", where, why), hint)
}

func isDir(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.IsDir()
}

// Close releases the target's resources. A layout's stage directory goes (with
// oras-go's ingest/ in it, where it writes a blob before moving it into place: what is
// left there is a push that failed or a writer that was killed), and so does the
// ingest/ an older writer left in a layout opened to write; nobody else writes while
// the layout is locked.
func (t *Target) Close() error {
	var err error
	for _, dir := range []string{t.ingest, t.stageDir()} {
		if dir == "" {
			continue
		}
		if rerr := os.RemoveAll(dir); rerr != nil && err == nil {
			err = fmt.Errorf("closing %s: %w", t.where, rerr)
		}
	}
	if t.unlock != nil {
		t.unlock()
	}
	return err
}

// stageDir is the stage directory a layout was opened through (layoutindex.go), with
// oras-go's ingest/ in it, or "".
func (t *Target) stageDir() string {
	if t.index == nil {
		return ""
	}
	return t.index.stage
}

// Where names the target for messages.
func (t *Target) Where() string { return t.where }

// Resolve turns a tag or digest into a descriptor.
func (t *Target) Resolve(ctx context.Context, reference string) (ocispec.Descriptor, error) {
	desc, err := t.store.Resolve(ctx, reference)
	if err != nil {
		if named, found, nerr := t.resolveNamed(reference); nerr != nil || found {
			return named, nerr
		}
		return desc, t.classify(err, fmt.Sprintf("resolving %s", t.display(reference)))
	}
	return desc, nil
}

func (t *Target) display(reference string) string {
	if reference == "" {
		return t.where
	}
	if len(reference) > 7 && reference[:7] == "sha256:" {
		return t.where + "@" + reference
	}
	return t.where + ":" + reference
}

// FetchManifest reads a manifest or index, verifying its size bound and digest.
func (t *Target) FetchManifest(ctx context.Context, desc ocispec.Descriptor) ([]byte, error) {
	if desc.Size > MaxManifestBytes {
		return nil, fault.Errorf(fault.Verify, "manifest %s in %s is %d bytes, over the %d-byte limit", desc.Digest, t.where, desc.Size, MaxManifestBytes)
	}
	data, err := content.FetchAll(ctx, t.store, desc)
	if err != nil {
		return nil, t.classify(err, fmt.Sprintf("fetching manifest %s from %s", desc.Digest, t.where))
	}
	return data, nil
}

// FetchManifestDigest reads the manifest or index with digest d when its size is not
// known (a Lock names platform manifests by digest only): from a registry one GET,
// where Resolve and then FetchManifest take two round trips.
func (t *Target) FetchManifestDigest(ctx context.Context, d digest.Digest) (ocispec.Descriptor, []byte, error) {
	return t.FetchManifestRef(ctx, d.String())
}

// FetchManifestRef reads the manifest or index a tag or digest names, with its
// descriptor: from a registry one GET. The digest is the hash of the bytes read; a
// registry whose headers say another digest or size (or, for a digest reference, that
// answers other bytes) is refused, as are more than MaxManifestBytes.
func (t *Target) FetchManifestRef(ctx context.Context, reference string) (ocispec.Descriptor, []byte, error) {
	var want digest.Digest // "" for a tag
	if d, err := digest.Parse(reference); err == nil {
		want = d
	}
	if t.remote == nil {
		desc, err := t.Resolve(ctx, reference)
		if err != nil {
			return desc, nil, err
		}
		if want != "" && desc.Digest != want {
			return desc, nil, fault.Errorf(fault.Verify, "%s answered %s for %s", t.where, desc.Digest, want)
		}
		data, err := t.FetchManifest(ctx, desc)
		return desc, data, err
	}
	desc, rc, err := t.remote.FetchReference(ctx, reference)
	if err != nil {
		return desc, nil, t.classify(err, fmt.Sprintf("fetching %s", t.display(reference)))
	}
	defer rc.Close()
	// desc.Size is the registry's Content-Length. oras-go hashes a GET without a digest
	// header after reading at most MaxManifestBytes of it, and hands on those bytes: a
	// bigger manifest came back cut at the limit, hashed as if whole.
	if desc.Size > MaxManifestBytes {
		return desc, nil, fault.Errorf(fault.Verify, "%s is %d bytes, over the %d-byte manifest limit", t.display(reference), desc.Size, MaxManifestBytes)
	}
	data, err := io.ReadAll(io.LimitReader(rc, MaxManifestBytes+1))
	if err != nil {
		return desc, nil, t.classify(err, fmt.Sprintf("reading %s", t.display(reference)))
	}
	if len(data) > MaxManifestBytes {
		return desc, nil, fault.Errorf(fault.Verify, "%s is over the %d-byte manifest limit", t.display(reference), MaxManifestBytes)
	}
	if int64(len(data)) != desc.Size {
		return desc, nil, fault.New(fault.Verify,
			fmt.Errorf("%s: the registry said %d bytes, but sent %d", t.display(reference), desc.Size, len(data)),
			"the registry returned other content than it named; do not trust it")
	}
	got := digest.FromBytes(data)
	for _, said := range []digest.Digest{want, desc.Digest} {
		if said != "" && said != got {
			return desc, nil, fault.New(fault.Verify,
				fmt.Errorf("%s: the registry said %s, but the bytes it sent hash to %s", t.display(reference), said, got),
				"the registry returned other content than it named; do not trust it")
		}
	}
	desc.Digest, desc.Size = got, int64(len(data))
	return desc, data, nil
}

// FetchBlob opens a blob for streaming. Reading it to EOF verifies size and digest:
// a mismatch surfaces as a Verify fault from Read, never as silent bad bytes.
func (t *Target) FetchBlob(ctx context.Context, desc ocispec.Descriptor) (io.ReadCloser, error) {
	rc, err := t.store.Fetch(ctx, desc)
	if err != nil {
		return nil, t.classify(err, fmt.Sprintf("fetching blob %s from %s", desc.Digest, t.where))
	}
	return &verifiedBlob{rc: rc, vr: content.NewVerifyReader(rc, desc), t: t, desc: desc}, nil
}

type verifiedBlob struct {
	rc   io.ReadCloser
	vr   *content.VerifyReader
	t    *Target
	desc ocispec.Descriptor
	done bool
}

func (b *verifiedBlob) Read(p []byte) (int, error) {
	n, err := b.vr.Read(p)
	if err == io.EOF && !b.done {
		b.done = true
		if verr := b.vr.Verify(); verr != nil {
			return n, b.t.classify(verr, fmt.Sprintf("blob %s from %s", b.desc.Digest, b.t.where))
		}
	} else if err != nil && err != io.EOF {
		return n, b.t.classify(err, fmt.Sprintf("reading blob %s from %s", b.desc.Digest, b.t.where))
	}
	return n, err
}

func (b *verifiedBlob) Close() error { return b.rc.Close() }

// Exists reports whether the target holds desc (one HEAD request on a registry).
func (t *Target) Exists(ctx context.Context, desc ocispec.Descriptor) (bool, error) {
	ok, err := t.store.Exists(ctx, desc)
	if err != nil {
		return false, t.classify(err, fmt.Sprintf("checking %s in %s", desc.Digest, t.where))
	}
	return ok, nil
}

// Push uploads a blob or manifest unless the target already has it. A blob's upload is
// tried once: PushBlob tries again when it fails for a moment.
func (t *Target) Push(ctx context.Context, desc ocispec.Descriptor, r io.Reader) (uploaded bool, err error) {
	if err := t.refuseWrite(fmt.Sprintf("pushing %s to %s", desc.Digest, t.where)); err != nil {
		return false, err
	}
	if ok, err := t.Exists(ctx, desc); err != nil || ok {
		return false, err
	}
	var src *sourceReader
	if t.remote == nil {
		src = &sourceReader{r: r}
		r = src
	}
	err = t.store.Push(ctx, desc, r)
	if err != nil && src != nil {
		if err := refusedBytes(err, desc, t.where, src.err); err != nil {
			return false, err
		}
	}
	if manifestBlobUnknown(err) {
		// Another writer is pushing the same blobs: the registry answered our HEAD with
		// their blob before linking it into this repository (seen with distribution 2.8).
		// Give the link a moment, then push the manifest again; its bytes are small.
		if err = t.retryManifest(ctx, desc, r); err == nil {
			return true, nil
		}
	}
	if err != nil && !errors.Is(err, errdef.ErrAlreadyExists) && !staleReferrersIndex(err) {
		return false, t.classify(err, fmt.Sprintf("pushing %s to %s", desc.Digest, t.where))
	}
	if isManifest(desc) {
		// A layout's index lists every manifest pushed to it, tagged or not.
		if err := t.saveIndex(); err != nil {
			return false, err
		}
	}
	return true, nil
}

// sourceReader keeps the error, other than EOF, that the bytes pushed to a layout
// ended with: oras-go checks them against their digest as it writes, and says only
// "trailing data" when the source fails after the last byte, as a verifying source
// (FetchBlob) does when those bytes are not the digest's.
type sourceReader struct {
	r   io.Reader
	err error
}

func (s *sourceReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if err != nil && err != io.EOF {
		s.err = err
	}
	return n, err
}

// refusedBytes says why a layout refused bytes that are not desc's, or is nil when
// err is not that: the source's own error when it had one (a registry, or another
// layout, that served other bytes), else that the bytes given were not the digest's.
// classify would say the layout's copy is damaged, and the layout has none.
func refusedBytes(err error, desc ocispec.Descriptor, where string, srcErr error) error {
	if !errors.Is(err, content.ErrMismatchedDigest) && !errors.Is(err, content.ErrTrailingData) &&
		!errors.Is(err, io.ErrUnexpectedEOF) {
		return nil
	}
	if srcErr != nil && fault.KindOf(srcErr) != fault.Unknown {
		return fmt.Errorf("copying %s to %s: %w", desc.Digest, where, srcErr)
	}
	return fault.New(fault.Verify, fmt.Errorf("copying %s to %s: the bytes do not match their digest (%w)", desc.Digest, where, err),
		"the bytes given for "+desc.Digest.String()+" are not its content; nothing was written")
}

// ErrReadOnly is what the writes of a Target opened with Options.ReadOnly return: the
// caller's mistake, since a layout opened so is shared with other readers, and a
// write would change it under them.
var ErrReadOnly = errors.New("the target was opened read-only (oci.Options.ReadOnly)")

// refuseWrite is the error of a write (doing: "pushing sha256:… to …") to a target
// opened read-only, else nil.
func (t *Target) refuseWrite(doing string) error {
	if !t.readOnly {
		return nil
	}
	return fmt.Errorf("%s: %w; open it without ReadOnly to write", doing, ErrReadOnly)
}

// saveIndex writes a layout's index.json after a change to it; a registry has none.
func (t *Target) saveIndex() error {
	if t.index == nil {
		return nil
	}
	if err := t.index.save(); err != nil {
		return layoutFault("saving the index.json of "+t.where, err)
	}
	return nil
}

// isManifest tells the media types oras-go lists in a layout's index when pushed.
func isManifest(desc ocispec.Descriptor) bool {
	switch desc.MediaType {
	case ocispec.MediaTypeImageManifest, ocispec.MediaTypeImageIndex,
		"application/vnd.docker.distribution.manifest.v2+json",
		"application/vnd.docker.distribution.manifest.list.v2+json",
		"application/vnd.oci.artifact.manifest.v1+json":
		return true
	}
	return false
}

// staleReferrersIndex recognises a registry without the referrers API that took a
// referrer and its new referrers tag but refused to delete the index it replaced: the
// push is complete, the old index only takes space.
func staleReferrersIndex(err error) bool {
	var re *remote.ReferrersError
	return errors.As(err, &re) && re.IsReferrersIndexDelete()
}

func manifestBlobUnknown(err error) bool {
	var resp *errcode.ErrorResponse
	return errors.As(err, &resp) && hasCode(resp, errcode.ErrorCodeManifestBlobUnknown, errcode.ErrorCodeBlobUnknown)
}

func (t *Target) retryManifest(ctx context.Context, desc ocispec.Descriptor, r io.Reader) error {
	seeker, ok := r.(io.Seeker)
	if !ok {
		return errors.New("cannot re-read the manifest to push it again")
	}
	var err error
	for attempt := 1; attempt <= 5; attempt++ {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Duration(attempt*100) * time.Millisecond):
		}
		if _, serr := seeker.Seek(0, io.SeekStart); serr != nil {
			return serr
		}
		if err = t.store.Push(ctx, desc, r); err == nil || !manifestBlobUnknown(err) {
			return err
		}
	}
	return err
}

// Tag points tag at desc.
func (t *Target) Tag(ctx context.Context, desc ocispec.Descriptor, tag string) error {
	if err := t.refuseWrite("tagging " + t.display(tag)); err != nil {
		return err
	}
	err := t.store.Tag(ctx, desc, tag)
	// A manifest put by tag has its blobs checked again, and distribution 2.8 misses
	// one while another writer links the same blob (it rewrites the link file in
	// place): give the link a moment, as Push does.
	for attempt := 1; manifestBlobUnknown(err) && attempt <= 5; attempt++ {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Duration(attempt*100) * time.Millisecond):
		}
		err = t.store.Tag(ctx, desc, tag)
	}
	if err != nil {
		return t.classify(err, fmt.Sprintf("tagging %s", t.display(tag)))
	}
	return t.saveIndex()
}

// Tags lists every tag, following pagination up to MaxTags.
func (t *Target) Tags(ctx context.Context) ([]string, error) {
	var tags []string
	err := t.store.Tags(ctx, "", func(page []string) error {
		tags = append(tags, page...)
		if len(tags) > MaxTags {
			return fault.Errorf(fault.Verify, "%s lists more than %d tags", t.where, MaxTags)
		}
		return nil
	})
	if err != nil {
		return nil, t.classify(err, fmt.Sprintf("listing tags of %s", t.where))
	}
	if t.Ref.Kind == ref.Layout {
		return layoutTags(tags), nil
	}
	return tags, nil
}
