// Command benchgen writes the benchmark content of package benchdata, for the bench
// scripts:
//
//	benchgen big DIR BYTES      one file of log-like text with random stretches
//	benchgen random DIR BYTES   one file of random bytes
//	benchgen small DIR COUNT    COUNT files of 200–4,000 bytes, 100 to a directory
package main

import (
	"fmt"
	"os"
	"strconv"

	"longshore.dev/lib/internal/benchdata"
)

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: benchgen big|random|small DIR N")
		os.Exit(2)
	}
	n, err := strconv.Atoi(os.Args[3])
	if err != nil || n < 0 {
		fmt.Fprintf(os.Stderr, "benchgen: %q is not a count\n", os.Args[3])
		os.Exit(2)
	}
	write := map[string]func(string, int) error{
		"big":    benchdata.WriteBig,
		"random": benchdata.WriteRandom,
		"small":  benchdata.WriteSmall,
	}[os.Args[1]]
	if write == nil {
		fmt.Fprintf(os.Stderr, "benchgen: unknown kind %q (big, random or small)\n", os.Args[1])
		os.Exit(2)
	}
	if err := write(os.Args[2], n); err != nil {
		fmt.Fprintln(os.Stderr, "benchgen:", err)
		os.Exit(1)
	}
}
