package ref

import (
	"fmt"
	"strings"
)

// Grammar describes the references [Parse] accepts. Every [SyntaxError]
// message ends with it.
const Grammar = `remote:   [oci://]REGISTRY/REPOSITORY[:TAG][@DIGEST]   e.g. ghcr.io/org/hello:1.2.3, localhost:5000/demo/hello@sha256:…
layout:   ocidir://PATH[:TAG][@DIGEST]                 e.g. ocidir://./registry/demo/hello:1.0.0
package:  [TAP/]NAME[@CONSTRAINT]                      e.g. hello, core/hello@^1.2`

// indentedGrammar is Grammar with every line indented by two spaces.
var indentedGrammar = "  " + strings.ReplaceAll(Grammar, "\n", "\n  ")

// SyntaxError reports a reference that does not follow [Grammar]. All
// errors returned by [Parse] and [ParseArtifact] have this type.
type SyntaxError struct {
	Input  string // the reference, trimmed of surrounding spaces, credentials redacted (see [Redact])
	Reason string // what is wrong and how to fix it
}

// Error returns `invalid reference "INPUT": REASON` followed by the grammar
// on the next lines, indented two spaces.
func (e *SyntaxError) Error() string {
	return fmt.Sprintf("invalid reference %q: %s\n%s", e.Input, e.Reason, indentedGrammar)
}

// syntaxErrorf returns a *SyntaxError for input with a formatted reason. Input is
// redacted: a reference is echoed in messages, credentials never are.
func syntaxErrorf(input, format string, args ...any) error {
	return &SyntaxError{Input: Redact(input), Reason: fmt.Sprintf(format, args...)}
}
