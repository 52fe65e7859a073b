module longshore.dev/lib

go 1.26.0

require (
	github.com/Masterminds/semver/v3 v3.5.0
	github.com/klauspost/pgzip v1.3.0
	github.com/opencontainers/go-digest v1.0.0
	github.com/opencontainers/image-spec v1.1.1
	github.com/spf13/pflag v1.0.10
	go.yaml.in/yaml/v3 v3.0.6
	golang.org/x/sync v0.24.0
	oras.land/oras-go/v2 v2.6.4
)

require (
	github.com/klauspost/compress v1.20.3
	github.com/santhosh-tekuri/jsonschema/v6 v6.0.3
	golang.org/x/sys v0.38.0 // indirect
	golang.org/x/term v0.37.0
	golang.org/x/text v0.14.0
)
