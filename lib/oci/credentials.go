package oci

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"sync"

	"oras.land/oras-go/v2/registry/remote/auth"
	"oras.land/oras-go/v2/registry/remote/credentials"
	"oras.land/oras-go/v2/registry/remote/credentials/trace"
)

// "401 Unauthorized" with credentials in the docker config is most often the wrong
// ones being found: another config file (DOCKER_CONFIG), a credsStore that shadows the
// file's auths, a helper that answers for another account. -v says which source
// answered, and as whom.

// toldCredentials is get, which tells debugf (when not nil), once per host, where the
// credentials for that host came from: a credential helper, by name; else store's
// config file, by path, when it has one (oras-go's store, tap.CredentialStore); and as
// whom. It names the user, as a refused login does; never a password or a token.
func toldCredentials(get auth.CredentialFunc, store credentials.Store, debugf func(string, ...any)) auth.CredentialFunc {
	if debugf == nil {
		return get
	}
	var told sync.Map
	return func(ctx context.Context, hostport string) (auth.Credential, error) {
		var helper string
		ctx = trace.WithExecutableTrace(ctx, &trace.ExecutableTrace{
			ExecuteStart: func(name, action string) { helper = name },
		})
		cred, err := get(ctx, hostport)
		if _, seen := told.LoadOrStore(hostport, true); seen {
			return cred, err
		}
		from := "the credential store given"
		if c, ok := store.(interface{ ConfigPath() string }); ok && c.ConfigPath() != "" {
			from = c.ConfigPath()
			if _, serr := os.Stat(from); errors.Is(serr, fs.ErrNotExist) {
				from += " (no such file)"
			}
		}
		if helper != "" {
			from = "credential helper " + helper
		}
		switch {
		case err != nil:
			// The error itself is the command's to say, with its hint (classify).
			debugf("credentials for %s: %s failed to give them", hostport, from)
		case cred == auth.EmptyCredential:
			debugf("credentials for %s: none from %s; asking without", hostport, from)
		case cred.RefreshToken != "":
			debugf("credentials for %s: an identity token from %s", hostport, from)
		case cred.AccessToken != "":
			debugf("credentials for %s: an access token from %s", hostport, from)
		default:
			debugf("credentials for %s: user %q from %s", hostport, cred.Username, from)
		}
		return cred, err
	}
}
