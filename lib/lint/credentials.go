package lint

import "regexp"

// urlUserinfo matches a URL's scheme and its userinfo: everything up to the last '@'
// before the path, as net/url reads it.
var urlUserinfo = regexp.MustCompile(`([A-Za-z][A-Za-z0-9+.-]*://)[^/?#\s]*@`)

// redactURLs masks the userinfo of every URL in s: https://user:pw@host/x becomes
// https://***@host/x. Findings end up in CI logs and GitHub annotations that anyone
// who can read the repository sees, so lint must not repeat a credential it found.
// The user goes too: a token is often given as the user alone (https://TOKEN@host).
func redactURLs(s string) string {
	return urlUserinfo.ReplaceAllString(s, "${1}***@")
}
