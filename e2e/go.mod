module longshore.dev/e2e

go 1.26.0

require go.yaml.in/yaml/v3 v3.0.6

require golang.org/x/crypto v0.45.0

require github.com/creack/pty v1.1.24

replace longshore.dev/lib => ../lib
