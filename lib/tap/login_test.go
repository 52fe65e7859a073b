package tap

import (
	"context"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"longshore.dev/lib/cli"
	"longshore.dev/lib/fault"
	"longshore.dev/lib/oci"
)

const secret = "s3cr3t-Pa55word"

// basicAuthRegistry answers /v2/ with 200 for alice:secret and 401 otherwise.
func basicAuthRegistry(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, pass, ok := r.BasicAuth()
		if !ok || user != "alice" || pass != secret {
			w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
			w.WriteHeader(http.StatusUnauthorized)
			w.Write([]byte(`{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}`))
			return
		}
		w.Header().Set("Docker-Distribution-API-Version", "registry/2.0")
		w.Write([]byte("{}"))
	}))
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

func TestLoginLogout(t *testing.T) {
	t.Parallel()
	host := basicAuthRegistry(t)
	config := filepath.Join(t.TempDir(), "config.json")
	ctx := context.Background()

	// Wrong password: refused, nothing stored, the password nowhere in the error.
	_, err := Login(ctx, LoginOptions{Registry: host, Username: "alice", Password: "wrong-" + secret, DockerConfig: config})
	if cli.ExitCode(err) != cli.ExitAuth || !strings.Contains(err.Error(), host) || !strings.Contains(err.Error(), "alice") {
		t.Fatalf("Login with a wrong password: %v (exit %d)", err, cli.ExitCode(err))
	}
	if strings.Contains(err.Error()+fault.HintOf(err), secret) {
		t.Errorf("the error shows the password: %v", err)
	}
	if _, err := os.Stat(config); !os.IsNotExist(err) {
		t.Errorf("a refused login wrote %s", config)
	}

	res, err := Login(ctx, LoginOptions{Registry: host, Username: "alice", Password: secret, DockerConfig: config})
	if err != nil {
		t.Fatal(err)
	}
	if res.Helper != "" || res.ConfigPath != config || res.Registry != host {
		t.Errorf("Login = %+v", res)
	}
	data, err := os.ReadFile(config)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), base64.StdEncoding.EncodeToString([]byte("alice:"+secret))) {
		t.Errorf("config.json does not hold the credentials:\n%s", data)
	}
	// The credentials are what the registry client now uses.
	store := CredentialStore(func(k string) string {
		if k == "DOCKER_CONFIG" {
			return filepath.Dir(config)
		}
		return ""
	})
	if cred, err := store.Get(ctx, host); err != nil || cred.Username != "alice" || cred.Password != secret {
		t.Errorf("stored credential: %v, user %q", err, cred.Username)
	}

	removed, err := Logout(ctx, host, config)
	if err != nil || !removed {
		t.Fatalf("Logout = %v, %v", removed, err)
	}
	if data, _ := os.ReadFile(config); strings.Contains(string(data), base64.StdEncoding.EncodeToString([]byte("alice:"+secret))) {
		t.Errorf("logout left the credentials:\n%s", data)
	}
	if removed, err := Logout(ctx, host, config); err != nil || removed {
		t.Errorf("second Logout = %v, %v", removed, err)
	}
}

func TestLoginUsesCredentialHelper(t *testing.T) {
	// Not parallel: the helper is found on PATH.
	host := basicAuthRegistry(t)
	bin := t.TempDir()
	stored := filepath.Join(t.TempDir(), "stored")
	// A credential helper speaks the docker-credential-helpers protocol: "store" reads
	// {"ServerURL","Username","Secret"} on stdin.
	script := "#!/bin/sh\ncase \"$1\" in\nstore) cat > " + stored + " ;;\nget) echo '{}' ; exit 1 ;;\nerase) rm -f " + stored + " ;;\nesac\n"
	if err := os.WriteFile(filepath.Join(bin, "docker-credential-fake"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	config := filepath.Join(t.TempDir(), "config.json")
	if err := os.WriteFile(config, []byte(`{"credHelpers":{"`+host+`":"fake"}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	res, err := Login(context.Background(), LoginOptions{Registry: host, Username: "alice", Password: secret, DockerConfig: config})
	if err != nil {
		t.Fatal(err)
	}
	if res.Helper != "docker-credential-fake" {
		t.Errorf("Helper = %q", res.Helper)
	}
	if data, err := os.ReadFile(stored); err != nil || !strings.Contains(string(data), `"Username":"alice"`) {
		t.Errorf("the helper did not get the credentials: %v %s", err, data)
	}
	if data, _ := os.ReadFile(config); strings.Contains(string(data), "auths") {
		t.Errorf("credentials went into config.json too:\n%s", data)
	}
}

func TestLoginArguments(t *testing.T) {
	t.Parallel()
	config := filepath.Join(t.TempDir(), "config.json")
	tests := []struct {
		registry, user, password, want string
	}{
		{"", "alice", "x", "missing registry"},
		{"https://ghcr.io", "alice", "x", "without a scheme"},
		{"ghcr.io/org/repo", "alice", "x", "names a repository"},
		{"not a host", "alice", "x", "not a registry host"},
		{"ghcr.io", "", "x", "missing user name"},
		{"ghcr.io", "alice", "", "empty password"},
	}
	for _, tt := range tests {
		_, err := Login(context.Background(), LoginOptions{Registry: tt.registry, Username: tt.user, Password: tt.password, DockerConfig: config})
		if cli.ExitCode(err) != cli.ExitUsage || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Login(%q, %q): %v; want a usage error with %q", tt.registry, tt.user, err, tt.want)
		}
	}
	// The same checks serve logout, whose error must not tell to log in.
	_, err := Logout(context.Background(), "ghcr.io/org/repo", config)
	if cli.ExitCode(err) != cli.ExitUsage || !strings.Contains(err.Error(), "give the registry host alone, ghcr.io") || strings.Contains(err.Error(), "log in") {
		t.Errorf("Logout of a repository: %v", err)
	}
}

func TestLoginUnreachable(t *testing.T) {
	t.Parallel()
	_, err := Login(context.Background(), LoginOptions{Registry: "127.0.0.1:1", Username: "alice", Password: secret,
		DockerConfig: filepath.Join(t.TempDir(), "config.json")})
	if cli.ExitCode(err) != cli.ExitNetwork || strings.Contains(err.Error(), secret) {
		t.Errorf("Login to nothing: %v (exit %d)", err, cli.ExitCode(err))
	}
}

func TestReadPassword(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want, err string
	}{
		{"pw\n", "pw", ""},
		{"pw\r\n", "pw", ""},
		{"pw", "pw", ""},
		{"with space \n", "with space ", ""},
		{"", "", "standard input is empty"},
		{"\n", "", "standard input is empty"},
		{strings.Repeat("x", maxPasswordBytes+1), "", "more than"},
	}
	for _, tt := range tests {
		got, err := ReadPassword(strings.NewReader(tt.in), nil, true)
		if got != tt.want || (tt.err == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tt.err)) {
			t.Errorf("ReadPassword(%q) = %q, %v; want %q, %q", tt.in, got, err, tt.want, tt.err)
		}
	}
	// Without --password-stdin and without a terminal: refused, pointing at the flag.
	_, err := ReadPassword(strings.NewReader("pw\n"), nil, false)
	if cli.ExitCode(err) != cli.ExitUsage || !strings.Contains(fault.HintOf(err), "--password-stdin") {
		t.Errorf("ReadPassword from a pipe without the flag: %v", err)
	}
}

// TestAddOfARefusedIndexSaysHowToGetIn adds a tap on a registry that wants a password:
// without credentials the hint says to log in; when the docker config names a
// credential helper that is not installed, logging in cannot help, and the hint says
// what can.
func TestAddOfARefusedIndexSaysHowToGetIn(t *testing.T) {
	t.Parallel()
	host := basicAuthRegistry(t)
	tests := []struct {
		name, config, hint string
	}{
		{"no credentials", "", "log in with `pkg-tap login " + host + " -u USER --password-stdin`"},
		{"helper not installed", `{"credHelpers":{"` + host + `":"longshore-test-missing"}}`, "install docker-credential-longshore-test-missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			if tt.config != "" {
				if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(tt.config), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			getenv := func(k string) string {
				if k == "DOCKER_CONFIG" {
					return dir
				}
				return ""
			}
			home := t.TempDir()
			_, err := Add(context.Background(), home, Spec{Name: "private", Source: host + "/private/index"},
				Options{OCI: oci.Options{Credentials: CredentialStore(getenv)}})
			if cli.ExitCode(err) != cli.ExitAuth {
				t.Fatalf("Add: %v (exit %d), want exit %d", err, cli.ExitCode(err), cli.ExitAuth)
			}
			if hint := fault.HintOf(err); !strings.Contains(hint, tt.hint) {
				t.Errorf("hint %q does not say %q", hint, tt.hint)
			}
			if _, err := os.Stat(filepath.Join(home, "config.yaml")); !os.IsNotExist(err) {
				t.Errorf("a refused add wrote config.yaml: %v", err)
			}
		})
	}
}

// Login to a registry with a certificate from a private CA: without the CA it says the
// certificate is not trusted (exit 1, not "network, retry later"), with --ca-file it
// logs in, over TLS although the registry is on 127.0.0.1.
func TestLoginOverTLS(t *testing.T) {
	t.Parallel()
	var plainSeen bool
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.TLS == nil {
			plainSeen = true
		}
		user, pass, ok := r.BasicAuth()
		if !ok || user != "alice" || pass != secret {
			w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.Write([]byte("{}"))
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // "TLS handshake error": the plain attempt
	t.Cleanup(srv.Close)
	host := strings.TrimPrefix(srv.URL, "https://")
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o644); err != nil {
		t.Fatal(err)
	}
	config := filepath.Join(t.TempDir(), "config.json")
	ctx := context.Background()

	_, err := Login(ctx, LoginOptions{Registry: host, Username: "alice", Password: secret, DockerConfig: config})
	if cli.ExitCode(err) != cli.ExitError || !strings.Contains(err.Error(), "not trusted") ||
		!strings.Contains(fault.HintOf(err), "--ca-file") || strings.Contains(err.Error(), secret) {
		t.Fatalf("Login without the CA: %v (exit %d, hint %q)", err, cli.ExitCode(err), fault.HintOf(err))
	}
	if _, err := os.Stat(config); !os.IsNotExist(err) {
		t.Errorf("a failed login wrote %s", config)
	}

	if _, err := Login(ctx, LoginOptions{Registry: host, Username: "alice", Password: secret, DockerConfig: config,
		OCI: oci.Options{CAFile: caFile}}); err != nil {
		t.Fatalf("Login with --ca-file: %v (hint %q)", err, fault.HintOf(err))
	}
	if plainSeen {
		t.Error("a request reached the registry's handler over plain HTTP")
	}
}

// A login that fails says with -v where the credentials would go and with -vv what the
// registry answered, never the password, as is or encoded.
func TestLoginVerboseShowsNoPassword(t *testing.T) {
	t.Parallel()
	host := basicAuthRegistry(t)
	config := filepath.Join(t.TempDir(), "config.json")
	var lines []string
	opts := oci.Options{
		Debugf:    func(format string, args ...any) { lines = append(lines, fmt.Sprintf(format, args...)) },
		Requested: func(r oci.RequestLog) { lines = append(lines, r.String()) },
	}
	_, err := Login(context.Background(), LoginOptions{Registry: host, Username: "alice", Password: "wrong-" + secret, DockerConfig: config, OCI: opts})
	if cli.ExitCode(err) != cli.ExitAuth {
		t.Fatalf("Login with a wrong password: %v", err)
	}
	got := strings.Join(lines, "\n")
	for _, want := range []string{
		`logging in to ` + host + ` as "alice": checking the credentials with GET /v2/, then storing them in ` + config,
		"GET http://" + host + "/v2/ -> 401 Unauthorized (Basic challenge), ",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the log lacks %q:\n%s", want, got)
		}
	}
	for _, leak := range []string{secret, base64.StdEncoding.EncodeToString([]byte("alice:wrong-" + secret)), "Authorization"} {
		if strings.Contains(got, leak) {
			t.Errorf("the log shows %q:\n%s", leak, got)
		}
	}
}
