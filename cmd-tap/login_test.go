package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"longshore.dev/lib/cli"
)

const password = "Tr0ub4dor-and-3"

func TestLoginNeverShowsThePassword(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if user, pass, ok := r.BasicAuth(); !ok || user != "alice" || pass != password {
			w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.Write([]byte("{}"))
	}))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	env := newEnv(t)
	config := filepath.Join(env["DOCKER_CONFIG"], "config.json")

	var outputs []string
	r := pkgTap(t, env, "wrong"+password+"\n", "login", host, "-u", "alice", "--password-stdin")
	outputs = append(outputs, r.Stdout, r.Stderr)
	if r.Code != cli.ExitAuth || !strings.Contains(r.Stderr, host+" refused the credentials of alice") {
		t.Errorf("login with a wrong password: %s", r)
	}
	if _, err := os.Stat(config); err == nil {
		t.Error("a refused login wrote the docker config")
	}

	r = pkgTap(t, env, password+"\n", "login", host, "-u", "alice", "--password-stdin")
	outputs = append(outputs, r.Stdout, r.Stderr)
	if r.Code != 0 || r.Stdout != "" || !strings.Contains(r.Stderr, "Login succeeded for "+host) || !strings.Contains(r.Stderr, "stored unencrypted (base64) in "+config) {
		t.Errorf("login: %s", r)
	}
	if data, err := os.ReadFile(config); err != nil || !strings.Contains(string(data), host) {
		t.Errorf("docker config after login: %v\n%s", err, data)
	}

	r = pkgTap(t, env, "", "logout", host)
	outputs = append(outputs, r.Stdout, r.Stderr)
	if r.Code != 0 || !strings.Contains(r.Stderr, "Removed the credentials for "+host) {
		t.Errorf("logout: %s", r)
	}
	r = pkgTap(t, env, "", "logout", host)
	outputs = append(outputs, r.Stdout, r.Stderr)
	if r.Code != 0 || !strings.Contains(r.Stderr, "Not logged in to "+host) {
		t.Errorf("second logout: %s", r)
	}
	for _, out := range outputs {
		if strings.Contains(out, password) {
			t.Errorf("the password appears in the output:\n%s", out)
		}
	}
}

// REGISTRY is checked before the user is asked for anything: nobody types a password
// for a login that will be refused.
func TestLoginChecksTheRegistryFirst(t *testing.T) {
	t.Parallel()
	env := newEnv(t)
	for arg, want := range map[string]string{
		"user:s3cret@127.0.0.1:5000": "has credentials in it",
		"ghcr.io/org/repo":           "names a repository",
	} {
		r := pkgTap(t, env, "", "login", arg)
		if r.Code != cli.ExitUsage || !strings.Contains(r.Stderr, want) || strings.Contains(r.Stderr, "missing user name") || strings.Contains(r.Stderr, "s3cret") {
			t.Errorf("login %s: %s", arg, r)
		}
	}
}
