package tap

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"golang.org/x/term"
	"oras.land/oras-go/v2/registry/remote"
	"oras.land/oras-go/v2/registry/remote/auth"
	"oras.land/oras-go/v2/registry/remote/credentials"
	"oras.land/oras-go/v2/registry/remote/errcode"

	"longshore.dev/lib/fault"
	"longshore.dev/lib/oci"
	"longshore.dev/lib/ref"
)

// maxPasswordBytes bounds what --password-stdin reads: a token, not a file.
const maxPasswordBytes = 64 << 10

// DockerConfigPath is the docker config file credentials live in, as docker finds it:
// $DOCKER_CONFIG/config.json, else ~/.docker/config.json.
func DockerConfigPath(getenv func(string) string) (string, error) {
	if dir := getenv("DOCKER_CONFIG"); dir != "" {
		return filepath.Join(dir, "config.json"), nil
	}
	home := getenv("HOME")
	if home == "" {
		var err error
		if home, err = os.UserHomeDir(); err != nil {
			return "", fmt.Errorf("finding the docker config (set DOCKER_CONFIG): %w", err)
		}
	}
	return filepath.Join(home, ".docker", "config.json"), nil
}

// CredentialStore is the docker credential store (config file and credential helpers)
// that getenv points to, for oci.Options.Credentials. It reads the config on first use,
// so commands that never meet a registry never fail on a broken docker config.
func CredentialStore(getenv func(string) string) credentials.Store {
	return &lazyStore{getenv: getenv}
}

type lazyStore struct {
	getenv func(string) string
	once   sync.Once
	store  credentials.Store
	err    error
}

func (l *lazyStore) load() (credentials.Store, error) {
	l.once.Do(func() {
		path, err := DockerConfigPath(l.getenv)
		if err != nil {
			l.err = err
			return
		}
		if l.store, err = credentials.NewStore(path, credentials.StoreOptions{}); err != nil {
			l.err = fmt.Errorf("reading docker credentials from %s: %w", path, err)
		}
	})
	return l.store, l.err
}

// ConfigPath is the docker config file the store reads, which -v names as the source
// of a host's credentials (oci.Options.Debugf); "" when none can be found.
func (l *lazyStore) ConfigPath() string {
	path, _ := DockerConfigPath(l.getenv)
	return path
}

func (l *lazyStore) Get(ctx context.Context, server string) (auth.Credential, error) {
	s, err := l.load()
	if err != nil {
		return auth.EmptyCredential, err
	}
	return s.Get(ctx, server)
}

func (l *lazyStore) Put(ctx context.Context, server string, cred auth.Credential) error {
	s, err := l.load()
	if err != nil {
		return err
	}
	return s.Put(ctx, server, cred)
}

func (l *lazyStore) Delete(ctx context.Context, server string) error {
	s, err := l.load()
	if err != nil {
		return err
	}
	return s.Delete(ctx, server)
}

// LoginOptions say where and as whom to log in.
type LoginOptions struct {
	Registry string // host[:port]
	Username string
	Password string
	// DockerConfig is the config.json to store into (see DockerConfigPath).
	DockerConfig string
	// OCI says how to reach the registry (plain HTTP, CA, user agent).
	OCI oci.Options
}

// LoginResult says where the credentials went.
type LoginResult struct {
	Registry string
	// Helper is the credential helper that stored them ("docker-credential-HELPER");
	// "" when they went into the config file itself.
	Helper     string
	ConfigPath string
}

// Login checks the credentials against the registry (a ping of /v2/ that must
// succeed with them) and stores them through oras-go's docker credential store
// (credentials.NewStore, as credentials.Login would): into
// the configured credential helper when there is one, else into the config file,
// base64-encoded, as docker does. Nothing is stored when the registry refuses them.
// The password never appears in an error.
func Login(ctx context.Context, o LoginOptions) (*LoginResult, error) {
	host, err := registryHost(o.Registry)
	if err != nil {
		return nil, err
	}
	if o.Username == "" {
		return nil, fault.Errorf(fault.Usage, "missing user name: give -u USER")
	}
	if o.Password == "" {
		return nil, fault.Errorf(fault.Usage, "empty password")
	}
	helper, err := credentialHelper(o.DockerConfig, credentials.ServerAddressFromRegistry(host))
	if err != nil {
		return nil, err
	}
	store, err := credentials.NewStore(o.DockerConfig, credentials.StoreOptions{AllowPlaintextPut: helper == ""})
	if err != nil {
		return nil, fmt.Errorf("reading docker credentials from %s: %w", o.DockerConfig, err)
	}
	reg, err := newRegistry(host, o.OCI)
	if err != nil {
		return nil, err
	}
	if o.OCI.Debugf != nil {
		where := "in " + o.DockerConfig
		if helper != "" {
			where = "with docker-credential-" + helper + " (named by " + o.DockerConfig + ")"
		}
		o.OCI.Debugf("logging in to %s as %q: checking the credentials with GET /v2/, then storing them %s", host, o.Username, where)
	}
	cred := auth.Credential{Username: o.Username, Password: o.Password}
	// What credentials.Login does, in two steps so that a refusal and a failure to
	// store read differently: ping /v2/ with the credentials, then store them.
	reg.Client.(*auth.Client).Credential = auth.StaticCredential(host, cred)
	if err := reg.Ping(ctx); err != nil {
		return nil, loginError(host, o.Username, o.OCI.CAFile, err)
	}
	if err := store.Put(ctx, credentials.ServerAddressFromRegistry(host), cred); err != nil {
		if helper != "" {
			return nil, fmt.Errorf("storing the credentials for %s with docker-credential-%s: %w", host, helper, err)
		}
		return nil, fmt.Errorf("storing the credentials for %s in %s: %w", host, o.DockerConfig, err)
	}
	res := &LoginResult{Registry: host, ConfigPath: o.DockerConfig}
	if helper != "" {
		res.Helper = "docker-credential-" + helper
	}
	return res, nil
}

// Logout removes the stored credentials of registry through the same store. It reports
// whether there were any.
func Logout(ctx context.Context, registry, dockerConfig string) (removed bool, err error) {
	host, err := registryHost(registry)
	if err != nil {
		return false, err
	}
	store, err := credentials.NewStore(dockerConfig, credentials.StoreOptions{})
	if err != nil {
		return false, fmt.Errorf("reading docker credentials from %s: %w", dockerConfig, err)
	}
	server := credentials.ServerAddressFromRegistry(host)
	cred, err := store.Get(ctx, server)
	if err != nil {
		return false, fmt.Errorf("reading the credentials for %s: %w", host, err)
	}
	if cred == auth.EmptyCredential {
		return false, nil
	}
	if err := credentials.Logout(ctx, store, host); err != nil {
		return false, fmt.Errorf("removing the credentials for %s: %w", host, err)
	}
	return true, nil
}

// CheckRegistry checks a login's REGISTRY argument before anything is asked of the
// user: nobody should type a password for a command that will be refused.
func CheckRegistry(s string) error {
	_, err := registryHost(s)
	return err
}

// registryHost checks that s is a registry host[:port], not a repository or a URL.
func registryHost(s string) (string, error) {
	s = strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(s), "oci://"), "/")
	if s == "" {
		return "", fault.Errorf(fault.Usage, "missing registry: give its host, e.g. ghcr.io or localhost:5000")
	}
	if bare, found := ref.StripCredentials(s); found {
		host := bare
		if _, after, ok := strings.Cut(host, "://"); ok {
			host = after
		}
		host, _, _ = strings.Cut(host, "/")
		return "", fault.Errorf(fault.Usage, "registry %q has credentials in it: give the host alone (%s), the user with -u and the password on standard input with --password-stdin", ref.Redact(s), host)
	}
	if strings.Contains(s, "://") {
		return "", fault.Errorf(fault.Usage, "registry %q: give the host without a scheme, e.g. %s", s, s[strings.Index(s, "://")+3:])
	}
	if host, _, ok := strings.Cut(s, "/"); ok {
		return "", fault.Errorf(fault.Usage, "registry %q names a repository: give the registry host alone, %s", s, host)
	}
	r, err := ref.ParseArtifact(s + "/probe")
	if err != nil || r.Kind != ref.Remote || r.Registry != s {
		return "", fault.Errorf(fault.Usage, "%q is not a registry host: give host[:port], e.g. ghcr.io or localhost:5000", s)
	}
	return s, nil
}

// credentialHelper returns the helper docker would store server's credentials with:
// a server-specific credHelpers entry, else credsStore, else "".
func credentialHelper(configPath, server string) (string, error) {
	data, err := os.ReadFile(configPath)
	if errors.Is(err, os.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("reading %s: %w", configPath, err)
	}
	var cfg struct {
		CredsStore  string            `json:"credsStore"`
		CredHelpers map[string]string `json:"credHelpers"`
	}
	if err := json.Unmarshal(data, &cfg); err != nil {
		return "", fmt.Errorf("%s is not valid JSON: %w", configPath, err)
	}
	if h := cfg.CredHelpers[server]; h != "" {
		return h, nil
	}
	return cfg.CredsStore, nil
}

// newRegistry is a registry client with the transport choices lib/oci makes for
// repositories: plain HTTP only for loopback hosts unless told, an extra CA, retries.
func newRegistry(host string, o oci.Options) (*remote.Registry, error) {
	reg, err := remote.NewRegistry(host)
	if err != nil {
		return nil, fault.New(fault.Usage, err, "")
	}
	reg.PlainHTTP = ref.Ref{Kind: ref.Remote, Registry: host}.IsLocalhost()
	if o.PlainHTTP != nil {
		reg.PlainHTTP = *o.PlainHTTP
	}
	httpClient, err := oci.HTTPClient(o)
	if err != nil {
		return nil, err
	}
	client := &auth.Client{Client: httpClient}
	if o.UserAgent != "" {
		client.SetUserAgent(o.UserAgent)
	}
	reg.Client = client
	return reg, nil
}

// loginError phrases a failed credential check. It names the registry and the user,
// never the password. caFile is the CA file the user gave, for a certificate's error.
func loginError(host, user, caFile string, err error) error {
	var resp *errcode.ErrorResponse
	var opErr *net.OpError
	switch {
	case errors.Is(err, context.Canceled):
		return err
	case errors.As(err, &resp) && (resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden):
		return fault.New(fault.Auth, fmt.Errorf("%s refused the credentials of %s (HTTP %d)", host, user, resp.StatusCode),
			"check the user name and password (or token); nothing was stored")
	case errors.As(err, &opErr) && opErr.Op == "dial":
		return fault.New(fault.Network, fmt.Errorf("logging in to %s: cannot reach %s: %w", host, oci.DialTarget(opErr, host), opErr.Err),
			fmt.Sprintf("is a registry running at %s? check the address and port", host))
	}
	// Before the network errors: a certificate's error comes as one (a *url.Error), and
	// exit 7 says "retry later", which mends no certificate.
	if tlsErr := oci.TLSFault("logging in to "+host, host, caFile, err); tlsErr != nil {
		return tlsErr
	}
	var netErr net.Error
	if errors.As(err, &netErr) {
		return fault.New(fault.Network, fmt.Errorf("logging in to %s: %w", host, err), "")
	}
	return fmt.Errorf("logging in to %s: %w", host, err)
}

// ReadPassword gets the password for login: all of stdin (one trailing newline
// trimmed) with fromStdin, else a prompt on a terminal with echo off. Without
// --password-stdin and without a terminal it refuses, so a password never travels on
// the command line or through an echoing terminal.
func ReadPassword(stdin io.Reader, prompt io.Writer, fromStdin bool) (string, error) {
	if fromStdin {
		data, err := io.ReadAll(io.LimitReader(stdin, maxPasswordBytes+1))
		if err != nil {
			return "", fmt.Errorf("reading the password from standard input: %w", err)
		}
		if len(data) > maxPasswordBytes {
			return "", fault.Errorf(fault.Usage, "--password-stdin: standard input holds more than %d bytes", maxPasswordBytes)
		}
		pw := strings.TrimSuffix(strings.TrimSuffix(string(data), "\n"), "\r")
		if pw == "" {
			return "", fault.Errorf(fault.Usage, "--password-stdin: standard input is empty")
		}
		return pw, nil
	}
	f, ok := stdin.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return "", fault.New(fault.Usage, errors.New("no password: standard input is not a terminal to prompt on"),
			"pipe the password or token in with --password-stdin, e.g. `echo \"$TOKEN\" | pkg-tap login REGISTRY -u USER --password-stdin`")
	}
	fmt.Fprint(prompt, "Password: ")
	pw, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(prompt)
	if err != nil {
		return "", fmt.Errorf("reading the password: %w", err)
	}
	if len(pw) == 0 {
		return "", fault.Errorf(fault.Usage, "empty password")
	}
	return string(pw), nil
}

// ReadUsername prompts for a user name on a terminal (echo on).
func ReadUsername(stdin io.Reader, prompt io.Writer) (string, error) {
	f, ok := stdin.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return "", fault.Errorf(fault.Usage, "missing user name: give -u USER")
	}
	fmt.Fprint(prompt, "Username: ")
	line, err := bufio.NewReader(io.LimitReader(f, 4096)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("reading the user name: %w", err)
	}
	return strings.TrimSpace(line), nil
}

// IsTerminal reports whether r is a terminal (where login may prompt).
func IsTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
