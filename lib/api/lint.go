package api

import "longshore.dev/lib/stream"

// Severities of a lint finding.
const (
	// SeverityError fails pkg-push lint (exit 6).
	SeverityError = "error"
	// SeverityWarning fails it only with --strict.
	SeverityWarning = "warning"
)

// LintReport is what pkg-push lint prints: every finding about one package directory.
type LintReport struct {
	stream.TypeMeta `json:",inline" yaml:",inline"`
	// Package and Version come from package.yaml; empty when it could not be read.
	Package string `json:"package,omitempty" yaml:"package,omitempty"`
	Version string `json:"version,omitempty" yaml:"version,omitempty"`
	// Dir is the package directory as given on the command line.
	Dir      string    `json:"dir" yaml:"dir"`
	Findings []Finding `json:"findings" yaml:"findings"`
	Errors   int       `json:"errors" yaml:"errors"`
	Warnings int       `json:"warnings" yaml:"warnings"`
}

// Finding is one problem lint found.
type Finding struct {
	Rule     string `json:"rule" yaml:"rule"`         // stable id, see docs/lint-rules.md
	Severity string `json:"severity" yaml:"severity"` // SeverityError or SeverityWarning
	// File is relative to the package directory, slash-separated ("package.yaml",
	// "bin/hello"); empty when the finding is about the directory as a whole.
	File    string `json:"file,omitempty" yaml:"file,omitempty"`
	Line    int    `json:"line,omitempty" yaml:"line,omitempty"`
	Message string `json:"message" yaml:"message"`
}

// NewLintReport returns a LintReport with its type set and no findings.
func NewLintReport() *LintReport {
	return &LintReport{
		TypeMeta: stream.TypeMeta{APIVersion: stream.APIVersion, Kind: "LintReport"},
		Findings: []Finding{},
	}
}

func (r *LintReport) ObjectKind() string { return r.Kind }
func (r *LintReport) ObjectName() string {
	switch {
	case r.Package != "" && r.Version != "":
		return r.Package + "@" + r.Version
	case r.Package != "":
		return r.Package
	}
	return r.Dir
}

// Kinds lives in api.go, which other kinds share; LintReport registers itself here.
func init() {
	Kinds["LintReport"] = func() any { return new(LintReport) }
}
