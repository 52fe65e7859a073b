package main

import "strconv"

// plural is "1 package", "2 packages", "0 packages".
func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}
